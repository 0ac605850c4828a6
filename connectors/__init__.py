"""Connectors: the Castor cloud side (contract, client, server) and Tango Gestión."""
