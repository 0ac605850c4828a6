"""``python -m activo``: the same as the ``activo`` command."""

from activo.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
