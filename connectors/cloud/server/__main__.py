"""``python -m connectors.cloud.server`` is the same as ``castor-cloud``."""

from connectors.cloud.server.cli import main

raise SystemExit(main())
