"""Open a folder or a web page with whatever the desktop uses (the tray's menu)."""

from __future__ import annotations

import os
import subprocess
import sys
import webbrowser
from pathlib import Path


def open_path(path: Path) -> None:
    """Show ``path`` in the file manager (Explorer on the ERP server)."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.Popen([opener, str(path)], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def open_url(url: str) -> None:
    webbrowser.open(url, new=2)
