"""ACTIVO: the agent that writes Castor Pedidos orders into Tango Gestión."""

__version__ = "0.1.0"
