"""Agent-offline alerts: one e-mail to the admins when ACTIVO falls silent, one when it is back.

The state lives in ``agent_heartbeats.offline_alerted_at`` and changes only through
conditional UPDATEs, so however many server processes check, each alert goes out once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.cloud.server import outbox
from connectors.cloud.server.company_settings import admin_addresses, offline_minutes
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.models import AgentHeartbeat, Company

log = logging.getLogger(__name__)


def _queue_to_admins(
    session: Session, company_id: int, kind: str, key: str, mail_name: str, subject: str,
    composer: MailComposer, **context: object,
) -> int:
    company = session.get(Company, company_id)
    name = company.name if company else ""
    mail = composer.compose(mail_name, subject.format(company=name), company_name=name, **context)
    queued = 0
    for address in admin_addresses(session, company_id):
        queued += outbox.queue_mail(session, company_id=company_id, kind=kind, to_addr=address,
                                    mail=mail, dedupe_key=f"{key}:{address}")
    return queued


def check_offline_agents(
    session: Session, now: datetime, default_minutes: float, composer: MailComposer
) -> int:
    """Flag agents silent for longer than their company's threshold; returns alerts raised."""
    raised = 0
    beats = session.scalars(
        select(AgentHeartbeat).where(AgentHeartbeat.offline_alerted_at.is_(None))
    ).all()
    for beat in beats:
        minutes = offline_minutes(session, beat.company_id, default_minutes)
        if now - beat.received_at < timedelta(minutes=minutes):
            continue
        result = session.execute(
            update(AgentHeartbeat)
            .where(AgentHeartbeat.company_id == beat.company_id,
                   AgentHeartbeat.offline_alerted_at.is_(None),
                   AgentHeartbeat.received_at == beat.received_at)
            .values(offline_alerted_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another process raised it, or a heartbeat just arrived
        raised += 1
        log.warning("agent_offline company_id=%s host=%s", beat.company_id, beat.host)
        _queue_to_admins(
            session, beat.company_id, "agent_offline",
            f"agent-offline:{beat.company_id}:{now.isoformat()}", "agent_offline",
            "ACTIVO sin conexión · {company}", composer,
            last_seen=beat.received_at, host=beat.host,
        )
    return raised


def agent_is_back(
    session: Session, company_id: int, host: str, now: datetime, composer: MailComposer
) -> bool:
    """Called on a heartbeat: if an offline alert was out, clear it and announce the return."""
    alerted_at = session.scalar(
        select(AgentHeartbeat.offline_alerted_at).where(AgentHeartbeat.company_id == company_id)
    )
    if alerted_at is None:
        return False
    result = session.execute(
        update(AgentHeartbeat)
        .where(AgentHeartbeat.company_id == company_id,
               AgentHeartbeat.offline_alerted_at == alerted_at)
        .values(offline_alerted_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log.info("agent_back company_id=%s host=%s", company_id, host)
    _queue_to_admins(
        session, company_id, "agent_back", f"agent-back:{company_id}:{alerted_at.isoformat()}",
        "agent_back", "ACTIVO volvió a conectarse · {company}", composer,
        back_at=now, host=host,
    )
    return True
