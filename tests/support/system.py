"""Skips that become failures in CI.

Locally a test that needs a system part (PostgreSQL, psqlODBC, Chromium, Xvfb) skips with the
reason; with ``ACTIVO_REQUIRE_SYSTEM=1`` (set by ``.ci/run``) the same test fails instead, so CI
can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_ENV = "ACTIVO_REQUIRE_SYSTEM"


def system_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") == "1"


def require_system(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (under ACTIVO_REQUIRE_SYSTEM=1) when ``condition`` is false."""
    if condition:
        return
    if system_required():
        pytest.fail(f"required system part missing ({REQUIRE_ENV}=1): {reason}")
    pytest.skip(reason)


def postgres_bin_dir() -> Path | None:
    """The folder holding initdb/pg_ctl, or None."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        for version in sorted(root.iterdir(), reverse=True):
            if (version / "bin" / "initdb").exists():
                return version / "bin"
    return None


def odbc_driver_installed(name: str) -> bool:
    try:
        import pyodbc
    except ImportError:
        return False
    return name in pyodbc.drivers()


def chromium_path() -> str | None:
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None
