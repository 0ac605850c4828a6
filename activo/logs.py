"""Logging, configured in exactly one place.

JSON lines go to a size-capped rotating file in the log folder (what support asks for); a
readable rendering goes to stderr. A redaction step runs on every event, ours and third-party
(urllib3, …): it blanks values under secret-looking keys, ``PWD=…`` in connection strings,
bearer tokens, and the literal secret values the agent holds. Uncaught exceptions are logged.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

import structlog

REDACTED = "***"
LOG_FILE_NAME = "activo.log"

_SECRET_KEYS = re.compile(r"(?i)(token|password|passwd|pwd|secret|authorization|api_?key)")
_SECRET_PATTERNS = (
    # PWD=secret; or Password={se;cret} in ODBC connection strings (to the next ';', greedily:
    # blanking too much is better than too little).
    (re.compile(r"(?i)\b(pwd|password)(\s*=\s*)(\{[^}]*\}|[^;]*)"), rf"\1\2{REDACTED}"),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
)
_OUR_HANDLER = "activo"  # marks the handlers we installed, so a second call replaces them


class Redactor:
    """A structlog processor that removes secrets from every value of an event."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is blanked whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, _logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        for key, value in list(event.items()):
            if key != "event" and _SECRET_KEYS.search(key) and value not in (None, ""):
                event[key] = REDACTED
            else:
                event[key] = self._scrub(value)
        return event

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, dict):
            return {
                k: REDACTED if _SECRET_KEYS.search(str(k)) else self._scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self._scrub(v) for v in value)
        return value

    def scrub_text(self, text: str) -> str:
        """The text with every known secret and secret-looking fragment blanked."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for pattern, replacement in _SECRET_PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def configure_logging(
    log_dir: Path,
    *,
    level: str = "INFO",
    secrets: Iterable[str] = (),
    file_max_bytes: int = 5_000_000,
    file_backups: int = 5,
    console: bool = True,
) -> Path:
    """Send structlog and stdlib logging to ``log_dir/activo.log`` (JSON) and stderr.

    Returns the log file's path. Calling it again replaces the previous setup.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / LOG_FILE_NAME
    redactor = Redactor(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Exceptions are rendered to text first so the traceback is redacted too.
    tail: list[Any] = [structlog.processors.format_exc_info, redactor]

    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=file_max_bytes, backupCount=file_backups, encoding="utf-8"
    )
    file_handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *tail,
                structlog.processors.JSONRenderer(default=str),
            ],
        )
    )
    handlers: list[logging.Handler] = [file_handler]
    if console:
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=shared,
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *tail,
                    structlog.dev.ConsoleRenderer(colors=False),
                ],
            )
        )
        handlers.append(console_handler)

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "name", None) == _OUR_HANDLER]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.set_name(_OUR_HANDLER)
        root.addHandler(handler)
    root.setLevel(level.upper())
    # urllib3 logs every connection at DEBUG; keep it at INFO unless we really debug.
    logging.getLogger("urllib3").setLevel(max(root.level, logging.INFO))
    # APScheduler logs every run of every job at INFO (the command job runs twice a second).
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.WARNING))

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    _log_uncaught_exceptions()
    return log_file


def _log_uncaught_exceptions() -> None:
    log = structlog.get_logger("activo.crash")

    def on_exception(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.critical("uncaught_exception", exc_info=(exc_type, exc, tb))

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        log.critical(
            "uncaught_thread_exception",
            thread=getattr(args.thread, "name", None),
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
