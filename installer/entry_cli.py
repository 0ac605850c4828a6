"""Entry script of the console executable (``activo-cli.exe`` on Windows, ``activo`` elsewhere).

Exactly ``python -m activo``: IT's commands (doctor, secrets set, status, sync --once …).
"""

import sys

from activo.cli import main

if __name__ == "__main__":
    sys.exit(main())
