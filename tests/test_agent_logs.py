"""Logs: JSON lines in the log folder, with tokens and passwords never reaching the file."""

from __future__ import annotations

import json
import logging
import sys
import threading

import pytest
import structlog

from activo.logs import REDACTED, Redactor, configure_logging

TOKEN = "tok_9f8e7d6c5b4a"


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    # configure_logging installs process-wide crash hooks: put the originals back afterwards.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = configure_logging(tmp_path / "logs", level="DEBUG", secrets=[TOKEN], console=False)
    yield path
    for handler in logging.getLogger().handlers:
        handler.flush()
    configure_logging(tmp_path / "logs-after", console=False)  # release the file


def _lines(path):
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_events_are_json_lines_in_the_log_folder(log_file):
    structlog.get_logger("activo.test").info("order_written", order="CP-1", tango_number="X1")
    [line] = _lines(log_file)
    assert line["event"] == "order_written"
    assert line["order"] == "CP-1"
    assert line["level"] == "info"
    assert "timestamp" in line


def test_tokens_and_passwords_never_reach_the_file(log_file):
    log = structlog.get_logger("activo.test")
    log.info("connecting", connection="DRIVER={x};SERVER=s;UID=u;PWD=hunter2;DATABASE=d")
    log.info("calling", token=TOKEN, header=f"Authorization: Bearer {TOKEN}")
    log.warning("oops", detail=f"the server said {TOKEN} is bad")
    logging.getLogger("urllib3.connectionpool").warning("retrying with PWD=hunter2;")
    try:
        raise RuntimeError(f"failed with Password=hunter2 and {TOKEN}")
    except RuntimeError:
        log.exception("crashed")
    text = log_file.read_text(encoding="utf-8")
    assert "hunter2" not in text
    assert TOKEN not in text
    assert text.count(REDACTED) >= 5
    assert "SERVER=s;UID=u;PWD=***;DATABASE=d" in text  # the rest stays useful


def test_a_bearer_token_is_blanked_even_when_unknown():
    assert Redactor().scrub_text("Authorization: Bearer abc.def-123") == "Authorization: Bearer ***"


def test_nested_values_are_scrubbed():
    event = Redactor(["s3cr3t-value"]).__call__(
        None, "info", {"event": "x", "headers": {"Authorization": "y"}, "args": ["s3cr3t-value"]}
    )
    assert event["headers"] == {"Authorization": REDACTED}
    assert event["args"] == [REDACTED]


def test_an_uncaught_exception_is_logged_with_its_traceback(log_file):
    try:
        raise ValueError(f"boom with {TOKEN}")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    [line] = [entry for entry in _lines(log_file) if entry["event"] == "uncaught_exception"]
    assert line["level"] == "critical"
    assert "ValueError: boom" in line["exception"]
    assert TOKEN not in line["exception"]
