"""Server-side web sessions: the cookie holds a random id, the database everything else.

Sessions live in the database (not process memory) so any server instance can serve any
request, and revoking one is a single UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from connectors.cloud.server.models import Company, User, WebSession
from connectors.cloud.server.security import digest, new_secret
from connectors.cloud.server.sqltypes import utcnow


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
        )
    )
    session.flush()
    return cookie_value


def load_viewer(session: Session, cookie_value: str | None) -> Viewer | None:
    """The viewer of a live session, or None when missing, expired, revoked or inactive."""
    if not cookie_value:
        return None
    row = session.execute(
        select(WebSession, User, Company.name)
        .join(User, User.id == WebSession.user_id)
        .join(Company, Company.id == WebSession.company_id)
        .where(
            WebSession.id_hash == digest(cookie_value),
            WebSession.revoked_at.is_(None),
            WebSession.expires_at > utcnow(),
            User.active.is_(True),
            User.company_id == WebSession.company_id,
        )
    ).first()
    if row is None:
        return None
    web_session, user, company_name = row
    return Viewer(
        session_id_hash=web_session.id_hash,
        user_id=user.id,
        company_id=user.company_id,
        company_name=company_name,
        email=user.email,
        name=user.name,
        role=user.role,
        seller_code=user.seller_code,
        customer_code=user.customer_code,
        csrf_token=web_session.csrf_token,
    )


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
