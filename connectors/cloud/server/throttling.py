"""Login throttling per account (e-mail) and per client address, counted in the database.

Failures are rows, so every server process sees the same counts. A success clears the
account's failures (not the address's: one good password must not unlock a sprayer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from connectors.cloud.server.models import LoginFailure
from connectors.cloud.server.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"
RESET_ACCOUNT = "reset"  # «olvidé mi contraseña» requests, so nobody floods a mailbox
RESET_ADDRESS = "reset-ip"
MAX_RESETS_PER_ACCOUNT = 3
MAX_RESETS_PER_ADDRESS = 10


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: timedelta
    max_per_account: int
    max_per_address: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            window=timedelta(minutes=settings.login_window_minutes),
            max_per_account=settings.login_max_failures,
            max_per_address=settings.login_max_failures_address,
        )


def _recent(session: Session, scope: str, key: str, since: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(LoginFailure).where(
            LoginFailure.scope == scope, LoginFailure.key == key, LoginFailure.failed_at > since)
    ) or 0


def is_blocked(
    session: Session, policy: ThrottlePolicy, email: str, address: str, now: datetime
) -> bool:
    """True when either the account or the address has too many recent failures."""
    since = now - policy.window
    return (
        _recent(session, ACCOUNT, email, since) >= policy.max_per_account
        or _recent(session, ADDRESS, address, since) >= policy.max_per_address
    )


def record_failure(session: Session, email: str, address: str, now: datetime) -> None:
    session.add(LoginFailure(scope=ACCOUNT, key=email[:255], failed_at=now))
    session.add(LoginFailure(scope=ADDRESS, key=address[:255], failed_at=now))


def clear_account(session: Session, email: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.scope == ACCOUNT,
                                               LoginFailure.key == email))


def allow_reset_request(
    session: Session, policy: ThrottlePolicy, email: str, address: str, now: datetime
) -> bool:
    """Count one reset request; False when this e-mail or address asked too often lately."""
    since = now - policy.window
    if (_recent(session, RESET_ACCOUNT, email, since) >= MAX_RESETS_PER_ACCOUNT
            or _recent(session, RESET_ADDRESS, address, since) >= MAX_RESETS_PER_ADDRESS):
        return False
    session.add(LoginFailure(scope=RESET_ACCOUNT, key=email[:255], failed_at=now))
    session.add(LoginFailure(scope=RESET_ADDRESS, key=address[:255], failed_at=now))
    return True


def purge_old(session: Session, policy: ThrottlePolicy, now: datetime) -> int:
    """Delete failures older than the window (housekeeping)."""
    cutoff = now - policy.window
    result = session.execute(delete(LoginFailure).where(LoginFailure.failed_at < cutoff))
    return result.rowcount or 0  # type: ignore[attr-defined]
