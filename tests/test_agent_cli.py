"""The command line: expected errors are one Spanish line and an exit status, no traceback."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from activo import __version__
from activo.cli import EXIT_CONFIG, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _restore_process_logging(monkeypatch):
    """``main`` sets up logging and crash hooks for the process: undo them after each test."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "activo"]:
        root.removeHandler(handler)
        handler.close()


def test_python_dash_m_activo_prints_the_version():
    done = subprocess.run([sys.executable, "-m", "activo", "--version"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"ACTIVO {__version__}"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == EXIT_CONFIG
    assert "sync" in capsys.readouterr().err


def test_a_missing_config_file_is_one_line(capsys, tmp_path):
    assert main(["--config", str(tmp_path / "nope.toml"), "sync", "--once"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "No existe el archivo de configuración" in err
    assert "Traceback" not in err


def test_config_problems_are_listed_and_exit_2(capsys, tmp_path):
    path = tmp_path / "activo.toml"
    path.write_text('[tango]\nconnection = "DSN=x;PWD=hunter2"\n', encoding="utf-8")
    assert main(["sync", "--once", "--config", str(path)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "activo secrets set tango-password" in err
    assert "[cloud] url" in err
    assert "hunter2" not in err


def test_a_missing_token_says_how_to_set_it(capsys, monkeypatch):
    monkeypatch.setenv("ACTIVO_CLOUD_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ACTIVO_TANGO_CONNECTION", "sqlite:/nonexistent/tango.sqlite")
    assert main(["sync", "--once"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "activo secrets set cloud-token" in err and "ACTIVO_CLOUD_TOKEN" in err


def test_secrets_set_without_a_vault_points_at_the_env_var(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", _FakeStdin("s3cret\n"))
    assert main(["secrets", "set", "tango-password"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert "ACTIVO_TANGO_PASSWORD" in err
    assert "s3cret" not in err


def test_an_unknown_secret_name_is_a_usage_error():
    with pytest.raises(SystemExit) as caught:
        main(["secrets", "set", "root-password"])
    assert caught.value.code == 2


class _FakeStdin:
    def __init__(self, text: str) -> None:
        self._text = text

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        return self._text
