"""The tray module is the only one that imports the GUI toolkit; the engine has no GUI import
(aw-qt's habit: ``manager`` without GUI, ``trayicon`` with it)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_tray_module_imports_pystray():
    importers = sorted(p.name for p in (ROOT / "activo").glob("*.py") if "pystray" in _imports(p))
    assert importers == ["tray.py"]


def test_the_headless_engine_loads_no_gui_at_all():
    probe = ("import sys; import activo.cli, activo.cli_engine, activo.engine, "
             "activo.engine_jobs, activo.composition; "
             "print(sorted(m for m in ('pystray', 'PIL', 'Xlib') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
