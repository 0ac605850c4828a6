"""Server-side web sessions: the cookie holds a random id, the database everything else.

Sessions live in the database (not process memory) so any server instance can serve any
request, and revoking one is a single UPDATE.

A session without «Mantener la sesión» also ends after ``idle`` without requests (a shared
computer left logged in). The last request is written at most every ``TOUCH_EVERY`` (or a tenth of
the idle timeout), so browsing costs one small UPDATE every few minutes, not one per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from connectors.cloud.server.models import Company, User, WebSession
from connectors.cloud.server.security import digest, new_secret
from connectors.cloud.server.sqltypes import utcnow

TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in person behind a request, with what the pages need to know."""

    session_id_hash: str
    user_id: int
    company_id: int
    company_name: str
    email: str
    name: str
    role: str
    seller_code: str | None
    customer_code: str | None
    csrf_token: str


def open_session(
    session: Session, user: User, lifetime: timedelta, *, persistent: bool = False
) -> str:
    """Start a session for ``user``; returns the cookie value (never stored as such).

    Always a fresh random id, so a session id planted before login is worthless (no fixation).
    """
    cookie_value = new_secret()
    now = utcnow()
    session.add(
        WebSession(
            id_hash=digest(cookie_value),
            user_id=user.id,
            company_id=user.company_id,
            csrf_token=new_secret(),
            created_at=now,
            expires_at=now + lifetime,
            persistent=persistent,
            last_seen_at=now,
        )
    )
    session.flush()
    return cookie_value


def load_viewer(
    session: Session,
    cookie_value: str | None,
    *,
    idle: timedelta | None = None,
    now: datetime | None = None,
) -> Viewer | None:
    """The viewer of a live session, or None when missing, expired, idle, revoked or inactive.

    ``idle`` (None or zero: no idle timeout) applies to sessions without «Mantener la sesión».
    Every request runs this: one prebuilt statement reading plain columns (no ORM entities).
    """
    if not cookie_value:
        return None
    now = now or utcnow()
    params = {"id_hash": digest(cookie_value), "now": now}
    if idle:
        params["idle_since"] = now - idle
    row = session.execute(_viewer_statement(bool(idle)), params).first()
    if row is None:
        return None
    if needs_touch(row.last_seen_at or row.created_at, now, idle):
        session.execute(_TOUCH, {"touched_id": row.id_hash, "seen_at": now})
    return Viewer(
        session_id_hash=row.id_hash,
        user_id=row.user_id,
        company_id=row.company_id,
        company_name=row.company_name,
        email=row.email,
        name=row.name,
        role=row.role,
        seller_code=row.seller_code,
        customer_code=row.customer_code,
        csrf_token=row.csrf_token,
    )


@cache
def _viewer_statement(with_idle: bool) -> Select[Any]:
    conditions = [
        WebSession.id_hash == bindparam("id_hash"),
        WebSession.revoked_at.is_(None),
        WebSession.expires_at > bindparam("now"),
        User.active.is_(True),
        User.company_id == WebSession.company_id,
    ]
    if with_idle:
        last_seen = func.coalesce(WebSession.last_seen_at, WebSession.created_at)
        conditions.append(or_(WebSession.persistent.is_(True), last_seen > bindparam("idle_since")))
    return (
        select(WebSession.id_hash, WebSession.csrf_token, WebSession.last_seen_at,
               WebSession.created_at, User.id.label("user_id"), User.company_id, User.email,
               User.name, User.role, User.seller_code, User.customer_code,
               Company.name.label("company_name"))
        .join(User, User.id == WebSession.user_id)
        .join(Company, Company.id == WebSession.company_id)
        .where(*conditions)
    )


_TOUCH = (
    update(WebSession)
    .where(WebSession.id_hash == bindparam("touched_id"))
    .values(last_seen_at=bindparam("seen_at"))
)


def needs_touch(last_seen: datetime, now: datetime, idle: timedelta | None) -> bool:
    """Whether to write the last request time now: rarely, but well before the idle limit."""
    every = min(TOUCH_EVERY, idle / 10) if idle else TOUCH_EVERY
    return now - last_seen >= every


def revoke_session(session: Session, cookie_value: str) -> None:
    """End the session whose cookie is ``cookie_value`` (no error when unknown)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id_hash == digest(cookie_value), WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_user_sessions(session: Session, user_id: int) -> None:
    """End every session of a user (after a password change or deactivation)."""
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def delete_expired(session: Session, now: datetime, grace: timedelta = timedelta(days=1)) -> int:
    """Housekeeping: drop sessions expired or revoked more than ``grace`` ago."""
    cutoff = now - grace
    result = session.execute(
        delete(WebSession).where(
            or_(WebSession.expires_at < cutoff, WebSession.revoked_at < cutoff)
        )
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
