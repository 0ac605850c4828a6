"""The hosted Castor Pedidos backend: agent API, web ordering pages and admin CLI.

Never imports ``activo`` or ``connectors.tango``: its only shared vocabulary with the agent is
``connectors.cloud.contract``.
"""
