"""Entry script of the windowed executable (``activo.exe`` on Windows, ``activo-tray`` elsewhere).

Started by the logon shortcut (``activo.exe tray`` or ``activo.exe run``) and by the scheduled
task (``activo.exe run --no-tray``). Without a console, Windows gives the process no stdout or
stderr (``None``): anything the CLI prints, such as a configuration error at start, would raise
instead. So both go to ``logs/activo-console.log`` in the data folder, where support looks first.
Without arguments it starts the tray.
"""

import os
import sys

from activo.cli import main
from activo.paths import resolve_paths


def _give_streams() -> None:
    """Point a missing stdout/stderr at the console log (or at nothing if it cannot be opened)."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    try:
        log_dir = resolve_paths(os.environ).log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        sink = (log_dir / "activo-console.log").open("a", encoding="utf-8", buffering=1)
    except OSError:
        sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stdout or sink
    sys.stderr = sys.stderr or sink


if __name__ == "__main__":
    _give_streams()
    sys.exit(main(sys.argv[1:] or ["tray"]))
