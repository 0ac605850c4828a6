"""Server settings: built once from the environment and passed to everything that needs them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_FILE = "castor-cloud.sqlite3"


class SettingsError(ValueError):
    """An environment variable holds a value the server cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about one server instance.

    Environment variables (all optional):

    ``CASTOR_DATABASE_URL``            SQLAlchemy URL; default a SQLite file in the current folder.
    ``CASTOR_LEASE_SECONDS``           how long an agent holds a leased order (default 120).
    ``CASTOR_TRANSIENT_RETRY_SECONDS`` delay before a transiently failed order is offered again.
    ``CASTOR_LONG_POLL_INTERVAL``      seconds between database checks during a long poll.
    ``CASTOR_SESSION_DAYS``            web session lifetime; sellers log in once a day or less.
    ``CASTOR_ORDER_PREFIX``            prefix of order codes, ``CP`` → ``CP-00000012``.
    """

    database_url: str
    lease_seconds: int = 120
    transient_retry_seconds: int = 30
    long_poll_interval: float = 0.25
    session_days: int = 30
    order_prefix: str = "CP"
    catalog_page_size: int = 60

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default ``os.environ``), validating each value."""
        env = os.environ if env is None else env
        url = env.get("CASTOR_DATABASE_URL", "").strip() or default_database_url()
        prefix = env.get("CASTOR_ORDER_PREFIX", "CP").strip()
        if not (1 <= len(prefix) <= 8 and prefix.isalnum()):
            raise SettingsError("CASTOR_ORDER_PREFIX must be 1-8 letters or digits")
        return cls(
            database_url=url,
            lease_seconds=_int(env, "CASTOR_LEASE_SECONDS", 120, minimum=1),
            transient_retry_seconds=_int(env, "CASTOR_TRANSIENT_RETRY_SECONDS", 30, minimum=0),
            long_poll_interval=_float(env, "CASTOR_LONG_POLL_INTERVAL", 0.25, minimum=0.01),
            session_days=_int(env, "CASTOR_SESSION_DAYS", 30, minimum=1),
            order_prefix=prefix,
        )


def default_database_url() -> str:
    """A SQLite file named ``castor-cloud.sqlite3`` in the current directory."""
    return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value
