"""Every filesystem path the agent uses, in one place, built on platformdirs.

The data folder holds everything (config, logs, state, lock, image cache) so that support can be
told "send us the ACTIVO folder". ``ACTIVO_DATA_DIR`` moves it (tests, the demo, portable setups).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "ACTIVO"
APP_AUTHOR = "Castor"
DATA_DIR_ENV = "ACTIVO_DATA_DIR"


@dataclass(frozen=True)
class Paths:
    """The agent's folders and files, all derived from one data folder."""

    data_dir: Path

    @property
    def config_file(self) -> Path:
        return self.data_dir / "activo.toml"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "activo.log"

    @property
    def state_db(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "activo.lock"

    @property
    def images_cache_dir(self) -> Path:
        return self.data_dir / "cache" / "images"


def default_data_dir() -> Path:
    """The machine's data folder for ACTIVO.

    On Windows the engine may run as a scheduled task or service with nobody logged in, and the
    tray of whoever logs in must see the same state: so the machine-wide folder (ProgramData).
    Elsewhere (headless Linux, a developer's machine) the user's data folder.
    """
    if sys.platform == "win32":
        return platformdirs.site_data_path(APP_NAME, APP_AUTHOR)
    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR)


def resolve_paths(environ: Mapping[str, str]) -> Paths:
    """The agent's paths: ``ACTIVO_DATA_DIR`` when set, the platform's data folder otherwise."""
    override = environ.get(DATA_DIR_ENV, "").strip()
    data_dir = Path(override).expanduser() if override else default_data_dir()
    return Paths(data_dir=data_dir.absolute())
