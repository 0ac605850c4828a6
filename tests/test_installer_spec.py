"""The PyInstaller spec, executed with stand-ins for PyInstaller's build classes: what it asks
PyInstaller to bundle and to leave out. (The real build and its smoke test run in CI:
``make dist`` and installer/smoke_bundle.py.)"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "installer" / "activo.spec"
SERVER_STACK = {"connectors.cloud.server", "fastapi", "starlette", "uvicorn", "sqlalchemy",
                "alembic", "jinja2", "pytest"}


class _Recorder:
    def __init__(self, kind: str, calls: list) -> None:
        self.kind, self.calls = kind, calls

    def __call__(self, *args, **kwargs):
        call = types.SimpleNamespace(kind=self.kind, args=args, kwargs=kwargs,
                                     pure=[], scripts=[], binaries=[], datas=[])
        self.calls.append(call)
        return call


@pytest.fixture(scope="module")
def spec_calls(tmp_path_factory) -> list:
    pytest.importorskip("PyInstaller")
    icons = tmp_path_factory.mktemp("icons")
    fake_icon = types.ModuleType("make_icon")
    fake_icon.write_icons = lambda path: icons / path.name  # keep the test out of build/
    saved_path, saved_icon = list(sys.path), sys.modules.get("make_icon")
    saved_env = dict(os.environ)  # the spec sets PYSTRAY_BACKEND for its own build process
    sys.modules["make_icon"] = fake_icon
    calls: list = []
    namespace = {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC)}
    namespace.update({k: _Recorder(k, calls) for k in ("Analysis", "PYZ", "EXE", "COLLECT")})
    try:
        exec(compile(SPEC.read_text("utf-8"), str(SPEC), "exec"), namespace)  # noqa: S102
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.path[:] = saved_path
        if saved_icon is None:
            sys.modules.pop("make_icon", None)
        else:
            sys.modules["make_icon"] = saved_icon
    return calls


def _of(calls: list, kind: str) -> list:
    return [c for c in calls if c.kind == kind]


def test_two_executables_one_collect(spec_calls):
    exes = _of(spec_calls, "EXE")
    assert [(e.kwargs["name"], e.kwargs["console"]) for e in exes] == [
        ("activo", True), ("activo-tray", False)  # on Windows: activo-cli (console), activo
    ]
    assert all(e.kwargs["exclude_binaries"] for e in exes), "onedir: binaries go to COLLECT"
    assert all(("X utf8", None, "OPTION") in e.args[2] for e in exes)
    (collect,) = _of(spec_calls, "COLLECT")
    assert collect.kwargs["name"] == "activo"
    assert sum(1 for a in collect.args if getattr(a, "kind", "") == "EXE") == 2


def test_server_stack_excluded(spec_calls):
    for analysis in _of(spec_calls, "Analysis"):
        assert set(analysis.kwargs["excludes"]) >= SERVER_STACK
        assert not [h for h in analysis.kwargs["hiddenimports"]
                    if h.split(".")[0] in SERVER_STACK or h.startswith("connectors.cloud.server")]


def test_dynamic_imports_and_data_files(spec_calls):
    (cli, tray) = _of(spec_calls, "Analysis")
    assert cli.args[0][0].endswith("entry_cli.py") and tray.args[0][0].endswith("entry_tray.py")
    hidden = set(cli.kwargs["hiddenimports"])
    assert {"activo.cli", "connectors.tango.defaults", "keyring.backends.Windows",
            "keyring.backends.SecretService", "pystray._base", "pystray._xorg", "tzdata"} <= hidden
    targets = {Path(src).name: dest for src, dest in cli.kwargs["datas"]}
    assert targets["defaults.toml"] == "connectors/tango"
    assert any(dest.startswith("keyring-") and dest.endswith(".dist-info")
               for dest in targets.values())
    assert "config.example.toml" in targets


def test_windows_branch_names_the_windows_pieces():
    text = SPEC.read_text("utf-8")
    for needle in ('"activo-cli" if WINDOWS else "activo"',
                   '"activo" if WINDOWS else "activo-tray"', "win32ctypes.pywin32.win32cred",
                   "pystray._win32", "version_file_text"):
        assert needle in text


def test_every_tango_runtime_data_file_is_bundled():
    # Data the connector reads at run time (importlib.resources / Path(__file__)) must match
    # the spec's collect_data_files patterns (*.toml, *.sql).
    tango = ROOT / "connectors" / "tango"
    data = [p for p in tango.iterdir() if p.is_file() and p.suffix not in {".py", ".pyc"}]
    assert data, "the Tango connector ships its defaults template"
    assert all(p.suffix in {".toml", ".sql"} for p in data), data
