"""The company's ACTIVO agent: its bearer tokens and its heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.cloud.contract import Heartbeat
from connectors.cloud.server import freshness
from connectors.cloud.server.models import AgentHeartbeat, AgentToken, Company
from connectors.cloud.server.security import digest, new_agent_token, same_secret
from connectors.cloud.server.sqltypes import as_utc, utcnow

# Writing last_used_at on every long-poll would make every request a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    """Who is calling the agent API."""

    company_id: int
    company_slug: str
    token_id: int


def issue_token(session: Session, company: Company) -> str:
    """Create a new agent token for ``company`` and return it (only its digest is stored)."""
    token = new_agent_token()
    session.add(AgentToken(company_id=company.id, token_hash=digest(token), prefix=token[:12]))
    session.flush()
    return token


def revoke_tokens(session: Session, company: Company) -> int:
    """Revoke every live token of ``company``; returns how many."""
    tokens = session.scalars(
        select(AgentToken).where(
            AgentToken.company_id == company.id, AgentToken.revoked_at.is_(None)
        )
    ).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def identify(session: Session, token: str) -> AgentIdentity | None:
    """The agent holding ``token``, or None when it is unknown or revoked."""
    token_hash = digest(token)
    row = session.execute(
        select(AgentToken, Company.slug)
        .join(Company, Company.id == AgentToken.company_id)
        .where(AgentToken.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    agent_token, slug = row
    if not same_secret(agent_token.token_hash, token_hash) or agent_token.revoked_at is not None:
        return None
    now = utcnow()
    if agent_token.last_used_at is None or now - agent_token.last_used_at > LAST_USED_RESOLUTION:
        agent_token.last_used_at = now
    return AgentIdentity(company_id=agent_token.company_id, company_slug=slug,
                         token_id=agent_token.id)


class AgentConflict(Exception):
    """Another host's agent is syncing this company and has not gone silent."""

    def __init__(self, host: str) -> None:
        super().__init__(f"otro ACTIVO ya está sincronizando esta empresa desde {host}")
        self.host = host


def record_heartbeat(
    session: Session, company_id: int, beat: Heartbeat, silent_after: timedelta | None = None
) -> None:
    """Keep ``beat`` as the company's latest heartbeat.

    One active agent per company: a heartbeat from a different host is refused with
    ``AgentConflict`` while the current one has been heard within ``silent_after``, unless the
    newcomer asks to ``take_over``.
    """
    row = session.get(AgentHeartbeat, company_id)
    if (
        row is not None
        and silent_after is not None
        and row.host != beat.host
        and not beat.take_over
        and utcnow() - row.received_at < silent_after
    ):
        raise AgentConflict(row.host)
    now = utcnow()
    values = {
        "agent_version": beat.agent_version[:40],
        "host": beat.host,
        "started_at": as_utc(beat.started_at),
        "sent_at": as_utc(beat.sent_at),
        "received_at": now,
        "last_order_ok_at": as_utc(beat.last_order_ok_at),
        # Applied batches move it too (``freshness.mark_applied``): keep the later of both.
        "last_master_sync_at": freshness.newest(row.last_master_sync_at if row else None,
                                                as_utc(beat.last_master_sync_at), now),
        "orders_pending": beat.orders_pending,
        "orders_in_error": beat.orders_in_error,
        "errors_last_hour": beat.errors_last_hour,
    }
    if row is None:
        session.add(AgentHeartbeat(company_id=company_id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
