"""The rule of the house: the agent never imports the server's stack; the server never imports
the agent or the Tango connector. Checked in a fresh interpreter, over every module."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SERVER_STACK = ("fastapi", "sqlalchemy", "uvicorn", "starlette", "alembic", "jinja2", "argon2")

_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    roots, skip = {roots!r}, {skip!r}
    imported = []
    for root in roots:
        pkg = importlib.import_module(root)
        imported.append(root)
        for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), root + "."):
            if any(info.name.startswith(s) for s in skip):
                continue
            importlib.import_module(info.name)
            imported.append(info.name)
    print(json.dumps({{"imported": imported, "modules": sorted(sys.modules)}}))
    """
)


def _import_all(roots: list[str], skip: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(roots=roots, skip=skip)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_agent_never_imports_the_server_stack():
    result = _import_all(
        ["activo", "connectors.tango", "connectors.cloud.client", "connectors.cloud.contract"],
        skip=["connectors.cloud.server"],
    )
    assert len(result["imported"]) > 10, "the probe must have imported the agent's modules"
    leaked = [
        m
        for m in result["modules"]
        if m.split(".")[0] in SERVER_STACK or m.startswith("connectors.cloud.server")
    ]
    assert leaked == []


def test_server_never_imports_the_agent_or_tango():
    result = _import_all(["connectors.cloud.server"], skip=[])
    assert len(result["imported"]) > 5
    leaked = [
        m
        for m in result["modules"]
        if m.split(".")[0] == "activo" or m.startswith("connectors.tango")
    ]
    assert leaked == []
