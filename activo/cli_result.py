"""The command line's exit statuses (shared by the CLI modules)."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
