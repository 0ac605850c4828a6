"""Everything about Tango Gestión: connection and dialects, reading master data, writing
pedidos, numbering, and the Tango-shaped schema used by the demo and the tests."""
