"""requirements-agent.lock: the bundle's whole environment. Only the agent's base dependencies
(and what they need) plus PyInstaller, at the same versions as requirements.lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_AND_DEV = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "jinja2", "mako",
                  "argon2-cffi", "python-multipart", "psycopg", "psycopg-binary", "pytest",
                  "playwright", "aiosmtpd", "sqlglot", "ruff", "anyio", "greenlet"}


def _pins(path: Path) -> dict[str, tuple[str, str]]:
    """name (normalised) → (version, marker)."""
    pins = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)\s*(?:;\s*(.+))?", line)
        assert match, f"not a pin: {line}"
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        pins[name] = (match.group(2), (match.group(3) or "").strip())
    return pins


AGENT = _pins(ROOT / "requirements-agent.lock")
FULL = _pins(ROOT / "requirements.lock")


def test_versions_match_the_development_lock():
    differing = {n: (v, FULL[n][0]) for n, (v, _) in AGENT.items() if n in FULL and FULL[n][0] != v}
    assert differing == {}
    assert set(AGENT) <= set(FULL), set(AGENT) - set(FULL)


def test_holds_the_base_dependencies_and_pyinstaller_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    base = {re.sub(r"[-_.]+", "-", re.split(r"[<>=!\[ ;]", d)[0]).lower()
            for d in project["dependencies"]}
    assert base | {"pyinstaller"} <= set(AGENT)
    assert not set(AGENT) & SERVER_AND_DEV


def test_windows_only_pieces_are_marked():
    for name in ("pywin32-ctypes", "pefile"):
        assert AGENT[name][1] == 'sys_platform == "win32"'
    for name in ("secretstorage", "jeepney", "python-xlib", "cryptography", "cffi"):
        assert AGENT[name][1] == 'sys_platform == "linux"'


def test_make_dist_builds_from_this_lock_only():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "--no-deps -r requirements-agent.lock" in makefile
    assert "pip check" in makefile
    assert "installer/activo.spec" in makefile
    build_ps1 = (ROOT / "installer" / "build.ps1").read_text("utf-8")
    assert "'--no-deps', '-r', (Join-Path $Root 'requirements-agent.lock')" in build_ps1
    assert "'installer\\activo.spec'" in build_ps1
