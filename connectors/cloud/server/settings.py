"""Server settings: built once from the environment and passed to everything that needs them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from connectors.cloud.server.secret_box import valid_key

DEFAULT_SQLITE_FILE = "castor-cloud.sqlite3"
SMTP_SECURITY_CHOICES = ("starttls", "ssl", "none")
DEFAULT_MAIL_FROM = "Castor Pedidos <no-responder@castor.local>"


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
    ``CASTOR_SHORT_SESSION_HOURS``     server expiry of a session without «Mantener la sesión».
    ``CASTOR_PUBLIC_URL``              base of links in e-mails (default: the request's own URL).
    ``CASTOR_SMTP_HOST`` / ``_PORT`` / ``_USER`` / ``_SECURITY`` (starttls, ssl, none) /
    ``CASTOR_MAIL_FROM``               server default SMTP; a company's settings override them.
    ``CASTOR_SMTP_PASSWORD``           the server's SMTP password; only read from the environment.
    ``CASTOR_SECRET_KEY``              key(s) that encrypt the companies' own SMTP passwords at rest
                                       (``castor-cloud secret-key new``; comma-separated to rotate).
    ``CASTOR_FRESHNESS_CACHE_SECONDS`` how long a process reuses a company's «actualizados desde
                                       Tango» time before reading it again (default 5).
    ``CASTOR_SESSION_IDLE_MINUTES``    a session without «Mantener la sesión» ends after this much
                                       inactivity (default 120; 0 = only the fixed expiry).
    ``CASTOR_OUTBOX_POLL_SECONDS``     how often the mail worker looks for due e-mails.
    ``CASTOR_OUTBOX_RETRY_SECONDS``    first retry delay after an SMTP failure (then doubling).
    ``CASTOR_AGENT_OFFLINE_MINUTES``   silence after which the agent counts as offline.
    ``CASTOR_LOGIN_MAX_FAILURES``      failed logins per account in the throttle window (5).
    ``CASTOR_LOGIN_MAX_FAILURES_ADDRESS`` failed logins per client address in the window (30).
    """

    database_url: str
    lease_seconds: int = 120
    transient_retry_seconds: int = 30
    long_poll_interval: float = 0.25
    session_days: int = 30
    order_prefix: str = "CP"
    catalog_page_size: int = 60
    short_session_hours: int = 12
    session_idle_minutes: int = 120
    freshness_cache_seconds: float = 5.0
    public_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_security: str = "none"
    smtp_password: str = field(default="", repr=False)
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    mail_from: str = DEFAULT_MAIL_FROM
    outbox_poll_seconds: float = 2.0
    outbox_lease_seconds: int = 120
    outbox_batch_size: int = 20
    outbox_retry_seconds: float = 30.0
    smtp_timeout_seconds: float = 20.0
    agent_offline_minutes: float = 10.0
    login_window_minutes: int = 15
    login_max_failures: int = 5
    login_max_failures_address: int = 30
    invitation_days: int = 7
    reset_hours: int = 2

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``env`` (default ``os.environ``), validating each value."""
        env = os.environ if env is None else env
        url = env.get("CASTOR_DATABASE_URL", "").strip() or default_database_url()
        prefix = env.get("CASTOR_ORDER_PREFIX", "CP").strip()
        if not (1 <= len(prefix) <= 8 and prefix.isalnum()):
            raise SettingsError("CASTOR_ORDER_PREFIX must be 1-8 letters or digits")
        security = env.get("CASTOR_SMTP_SECURITY", "none").strip().lower() or "none"
        if security not in SMTP_SECURITY_CHOICES:
            raise SettingsError("CASTOR_SMTP_SECURITY must be starttls, ssl or none")
        return cls(
            database_url=url,
            lease_seconds=_int(env, "CASTOR_LEASE_SECONDS", 120, minimum=1),
            transient_retry_seconds=_int(env, "CASTOR_TRANSIENT_RETRY_SECONDS", 30, minimum=0),
            long_poll_interval=_float(env, "CASTOR_LONG_POLL_INTERVAL", 0.25, minimum=0.01),
            session_days=_int(env, "CASTOR_SESSION_DAYS", 30, minimum=1),
            order_prefix=prefix,
            short_session_hours=_int(env, "CASTOR_SHORT_SESSION_HOURS", 12, minimum=1),
            session_idle_minutes=_int(env, "CASTOR_SESSION_IDLE_MINUTES", 120, minimum=0),
            freshness_cache_seconds=_float(env, "CASTOR_FRESHNESS_CACHE_SECONDS", 5.0,
                                           minimum=0.0),
            public_url=env.get("CASTOR_PUBLIC_URL", "").strip().rstrip("/"),
            smtp_host=env.get("CASTOR_SMTP_HOST", "").strip(),
            smtp_port=_int(env, "CASTOR_SMTP_PORT", 25, minimum=1),
            smtp_user=env.get("CASTOR_SMTP_USER", "").strip(),
            smtp_security=security,
            smtp_password=env.get("CASTOR_SMTP_PASSWORD", ""),
            secret_keys=_secret_keys(env),
            mail_from=env.get("CASTOR_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM,
            outbox_poll_seconds=_float(env, "CASTOR_OUTBOX_POLL_SECONDS", 2.0, minimum=0.05),
            outbox_retry_seconds=_float(env, "CASTOR_OUTBOX_RETRY_SECONDS", 30.0, minimum=0.05),
            agent_offline_minutes=_float(env, "CASTOR_AGENT_OFFLINE_MINUTES", 10.0,
                                         minimum=0.01),
            login_max_failures=_int(env, "CASTOR_LOGIN_MAX_FAILURES", 5, minimum=1),
            login_max_failures_address=_int(env, "CASTOR_LOGIN_MAX_FAILURES_ADDRESS", 30,
                                            minimum=1),
        )


def _secret_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in env.get("CASTOR_SECRET_KEY", "").split(",") if k.strip())
    for index, key in enumerate(keys, start=1):
        if not valid_key(key):  # never echo the value: it is a secret
            raise SettingsError(
                f"CASTOR_SECRET_KEY key #{index} is not a valid key "
                "(create one with `castor-cloud secret-key new`)"
            )
    return keys


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
