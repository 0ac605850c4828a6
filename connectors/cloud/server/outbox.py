"""The e-mail outbox: rows queued in the same transaction as the event they announce.

A worker in any server process claims a due row with a lease (a conditional UPDATE, so two
processes never hold the same row), sends it, and marks it sent; on an SMTP failure the row
goes back with an exponential backoff. Nothing is lost while SMTP is down: the row just waits.
While no SMTP host is configured anywhere the worker only reads, and tries (and records the
reason on) one message at growing intervals, so it never competes for the write lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from connectors.cloud.server.mail_compose import ComposedMail
from connectors.cloud.server.models import CompanySettings, OutboxMail
from connectors.cloud.server.security import new_secret
from connectors.cloud.server.sqltypes import utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # gave up after MAX_ATTEMPTS; shown to the admin
MAX_ATTEMPTS = 200  # with a 15-minute cap on the backoff: about two days of SMTP outage
MAX_BACKOFF_SECONDS = 900
CLAIM_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class ClaimedMail:
    """A row this worker holds until ``lease_token`` is released."""

    id: int
    company_id: int | None
    to_addr: str
    subject: str
    body_text: str
    body_html: str
    attempts: int
    lease_token: str


def queue_mail(
    session: Session,
    *,
    company_id: int | None,
    kind: str,
    to_addr: str,
    mail: ComposedMail,
    dedupe_key: str | None = None,
) -> bool:
    """Queue one message; with ``dedupe_key`` a second call for the same key does nothing."""
    to_addr = to_addr.strip()
    if not to_addr:
        return False
    if dedupe_key is not None:
        dedupe_key = dedupe_key[:120]
        exists = session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key))
        if exists is not None:
            return False
    now = utcnow()
    session.add(
        OutboxMail(
            company_id=company_id,
            kind=kind,
            dedupe_key=dedupe_key,
            to_addr=to_addr,
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


def queue_mails(
    session: Session,
    *,
    company_id: int | None,
    kind: str,
    mail: ComposedMail,
    addresses_by_key: dict[str, str],
    keys_are_new: bool = False,
) -> int:
    """Queue the same message to several addresses, one dedupe key each (already queued keys
    are skipped): one lookup and one batched INSERT. Returns how many were queued.

    ``keys_are_new``: the keys name a row inserted in this very transaction (no message can
    have them yet), so the lookup is skipped; the unique dedupe key still guards.
    """
    wanted = {key[:120]: addr.strip() for key, addr in addresses_by_key.items() if addr.strip()}
    if not wanted:
        return 0
    existing: set[str | None] = set()
    if not keys_are_new:
        with session.no_autoflush:
            existing = set(session.scalars(
                select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(list(wanted)))))
    now = utcnow()
    rows = [
        OutboxMail(company_id=company_id, kind=kind, dedupe_key=key, to_addr=addr,
                   subject=mail.subject, body_text=mail.text, body_html=mail.html,
                   status=PENDING, attempts=0, next_attempt_at=now, created_at=now)
        for key, addr in wanted.items() if key not in existing
    ]
    session.add_all(rows)
    return len(rows)


def smtp_configured_anywhere(session: Session, server_smtp_host: str) -> bool:
    """Whether any message could be sent: the server has an SMTP host, or some company has."""
    if server_smtp_host.strip():
        return True
    return session.scalar(
        select(CompanySettings.company_id).where(func.trim(CompanySettings.smtp_host) != "")
        .limit(1)
    ) is not None


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        OutboxMail.status == PENDING,
        OutboxMail.next_attempt_at <= now,
        or_(OutboxMail.lease_expires_at.is_(None), OutboxMail.lease_expires_at <= now),
    )


def claim_next(session: Session, lease_seconds: int) -> ClaimedMail | None:
    """Lease the oldest due message, or None when nothing is due."""
    now = utcnow()
    candidates = session.scalars(
        select(OutboxMail.id).where(_claimable(now)).order_by(OutboxMail.id)
        .limit(CLAIM_CANDIDATES)
    ).all()
    for mail_id in candidates:
        token = new_secret()
        result = session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, _claimable(now))
            .values(lease_token=token, lease_expires_at=now + timedelta(seconds=lease_seconds),
                    attempts=OutboxMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker got it first
        row = session.get(OutboxMail, mail_id, populate_existing=True)
        assert row is not None
        return ClaimedMail(
            id=row.id, company_id=row.company_id, to_addr=row.to_addr, subject=row.subject,
            body_text=row.body_text, body_html=row.body_html, attempts=row.attempts,
            lease_token=token,
        )
    return None


def mark_sent(session: Session, claimed: ClaimedMail) -> None:
    """The SMTP server accepted the message."""
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == claimed.id, OutboxMail.lease_token == claimed.lease_token)
        .values(status=SENT, sent_at=utcnow(), lease_token=None, lease_expires_at=None,
                last_error=None)
        .execution_options(synchronize_session=False)
    )


def backoff_seconds(attempts: int, base_seconds: float) -> float:
    """Delay before attempt ``attempts + 1``: base, 2×base, 4×base … capped at 15 minutes."""
    return min(base_seconds * (2 ** max(attempts - 1, 0)), MAX_BACKOFF_SECONDS)


def mark_retry(session: Session, claimed: ClaimedMail, error: str, base_seconds: float) -> None:
    """Sending failed: try again later (or give up after ``MAX_ATTEMPTS``)."""
    now = utcnow()
    status = FAILED if claimed.attempts >= MAX_ATTEMPTS else PENDING
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == claimed.id, OutboxMail.lease_token == claimed.lease_token)
        .values(
            status=status,
            lease_token=None,
            lease_expires_at=None,
            last_error=error[:500],
            next_attempt_at=now + timedelta(seconds=backoff_seconds(claimed.attempts,
                                                                    base_seconds)),
        )
        .execution_options(synchronize_session=False)
    )


def purge_sent(session: Session, older_than: datetime) -> int:
    """Housekeeping: forget messages sent before ``older_than``."""
    result = session.execute(
        delete(OutboxMail).where(OutboxMail.status == SENT, OutboxMail.sent_at < older_than)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
