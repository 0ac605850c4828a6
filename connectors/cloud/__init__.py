"""Everything about the Castor cloud: the wire contract, the agent's client and the server."""
