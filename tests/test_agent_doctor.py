"""``activo doctor``: Tango checks from the connector plus the cloud's, as ✓/✗ lines."""

from __future__ import annotations

import logging
import socket
import sys
import threading

import pytest

from activo.cli import EXIT_FAILED, main
from connectors.tango.seed import create_demo_database


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


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def _config(tmp_path, url):
    db = create_demo_database(tmp_path / "tango")
    path = tmp_path / "activo.toml"
    path.write_text(f'[cloud]\nurl = "{url}"\n[tango]\nconnection = "sqlite:{db}"\n',
                    encoding="utf-8")
    return path


def test_doctor_reports_tango_ok_and_an_unreachable_cloud_by_url(tmp_path, capsys, monkeypatch):
    url = _closed_port_url()
    monkeypatch.setenv("ACTIVO_CLOUD_TOKEN", "tok-doctor-123")
    assert main(["doctor", "--config", str(_config(tmp_path, url))]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "✓ talonario" in out
    assert "✓ token" in out
    assert "✗ nube" in out and url in out


def test_doctor_without_a_token_says_how_to_set_it(tmp_path, capsys):
    assert main(["doctor", "--config", str(_config(tmp_path, _closed_port_url()))]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "✗ token" in out and "activo secrets set cloud-token" in out
