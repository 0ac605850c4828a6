"""Build-time helpers of the installer: the icon, the Windows version resource, the windowed
entry point's missing console streams."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "installer"))

from make_icon import write_icons  # noqa: E402
from version_info import numeric_version, version_file_text  # noqa: E402

from activo import __version__  # noqa: E402


def test_icon_has_every_windows_size(tmp_path):
    ico = write_icons(tmp_path / "activo.ico")
    with Image.open(ico) as image:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(image.info["sizes"])
    assert ico.with_suffix(".png").is_file()


def test_version_resource_from_the_package_version():
    assert numeric_version("0.1.0") == (0, 1, 0, 0)
    assert numeric_version("1.2.3rc1+abc") == (1, 2, 3, 1)
    with pytest.raises(ValueError):
        numeric_version("dev")
    text = version_file_text(__version__, exe_name="activo-cli", description="ACTIVO — CLI")
    tree = ast.parse(text, mode="eval")  # PyInstaller eval()s this text with its classes
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert called == {"VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
                      "StringStruct", "VarFileInfo", "VarStruct"}
    assert f"StringStruct('ProductVersion', '{__version__}')" in text
    assert "StringStruct('OriginalFilename', 'activo-cli.exe')" in text


def test_windowed_entry_gives_missing_streams_to_the_console_log(tmp_path):
    # pythonw / a PyInstaller windowed exe start with sys.stdout = sys.stderr = None.
    code = (
        "import runpy, sys; sys.stdout = None; sys.stderr = None; "
        "sys.argv = ['activo', '--version']; "
        f"runpy.run_path({str(ROOT / 'installer' / 'entry_tray.py')!r}, run_name='__main__')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={"ACTIVO_DATA_DIR": str(tmp_path),
                                           "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    log = tmp_path / "logs" / "activo-console.log"
    assert log.read_text("utf-8").strip() == f"ACTIVO {__version__}"
