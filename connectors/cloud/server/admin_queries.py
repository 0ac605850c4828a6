"""What the admin panel reads: filtered orders, the error inbox, the agent's state, people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from connectors.cloud.server.formatting import ARGENTINA
from connectors.cloud.server.models import (
    AgentHeartbeat,
    AgentToken,
    CustomerRow,
    Order,
    OutboxMail,
    SellerRow,
    User,
)

WAITING_STATUSES = ("confirmed", "leased")
ORDERS_PAGE = 100


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str = ""
    channel: str = ""
    seller: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AgentStatus:
    online: bool
    seen: bool
    host: str
    version: str
    last_heartbeat: datetime | None
    last_master_sync: datetime | None
    oldest_waiting: datetime | None
    waiting: int
    in_error: int
    token_prefix: str | None
    token_created: datetime | None

    def oldest_waiting_age(self, now: datetime) -> timedelta | None:
        return now - self.oldest_waiting if self.oldest_waiting else None


def _day_start(day: date) -> datetime:
    """Midnight in Argentina of ``day``, as an aware datetime (compared with UTC columns)."""
    return datetime(day.year, day.month, day.day, tzinfo=ARGENTINA)


def list_orders(session: Session, company_id: int, flt: OrderFilter) -> list[Order]:
    """The company's orders matching ``flt``, newest first (one page)."""
    query = select(Order).where(Order.company_id == company_id)
    if flt.status == "confirmed":
        query = query.where(Order.status.in_(WAITING_STATUSES))
    elif flt.status:
        query = query.where(Order.status == flt.status)
    if flt.channel:
        query = query.where(Order.channel == flt.channel)
    if flt.seller:
        query = query.where(Order.seller_code == flt.seller)
    if flt.since:
        query = query.where(Order.confirmed_at >= _day_start(flt.since))
    if flt.until:
        query = query.where(Order.confirmed_at < _day_start(flt.until + timedelta(days=1)))
    return list(session.scalars(
        query.order_by(Order.confirmed_at.desc(), Order.id.desc()).limit(ORDERS_PAGE)
    ).all())


def error_orders(session: Session, company_id: int) -> list[Order]:
    """The error inbox: orders the agent could not write, oldest first."""
    return list(session.scalars(
        select(Order).where(Order.company_id == company_id, Order.status == "error")
        .order_by(Order.confirmed_at, Order.id).limit(ORDERS_PAGE)
    ).all())


def agent_status(
    session: Session, company_id: int, now: datetime, offline_after: timedelta
) -> AgentStatus:
    beat = session.get(AgentHeartbeat, company_id)
    oldest, waiting = session.execute(
        select(func.min(Order.confirmed_at), func.count()).where(
            Order.company_id == company_id, Order.status.in_(WAITING_STATUSES))
    ).one()
    in_error = session.scalar(select(func.count()).select_from(Order).where(
        Order.company_id == company_id, Order.status == "error")) or 0
    token = session.scalars(
        select(AgentToken).where(AgentToken.company_id == company_id,
                                 AgentToken.revoked_at.is_(None))
        .order_by(AgentToken.id.desc()).limit(1)
    ).first()
    return AgentStatus(
        online=beat is not None and now - beat.received_at < offline_after,
        seen=beat is not None,
        host=beat.host if beat else "",
        version=beat.agent_version if beat else "",
        last_heartbeat=beat.received_at if beat else None,
        last_master_sync=beat.last_master_sync_at if beat else None,
        oldest_waiting=oldest,
        waiting=waiting or 0,
        in_error=in_error,
        token_prefix=token.prefix if token else None,
        token_created=token.created_at if token else None,
    )


@dataclass(frozen=True, slots=True)
class MailStatus:
    waiting: int
    given_up: int
    last_error: str | None


def mail_status(session: Session, company_id: int) -> MailStatus:
    """How the company's outbox is doing (an SMTP problem shows here first)."""
    counts = dict(session.execute(
        select(OutboxMail.status, func.count()).where(OutboxMail.company_id == company_id,
                                                      OutboxMail.status != "sent")
        .group_by(OutboxMail.status)
    ).all())
    last_error = session.scalar(
        select(OutboxMail.last_error).where(OutboxMail.company_id == company_id,
                                            OutboxMail.status != "sent",
                                            OutboxMail.last_error.is_not(None))
        .order_by(OutboxMail.id.desc()).limit(1)
    )
    return MailStatus(waiting=counts.get("pending", 0), given_up=counts.get("failed", 0),
                      last_error=last_error)


def company_users(session: Session, company_id: int) -> list[User]:
    return list(session.scalars(
        select(User).where(User.company_id == company_id).order_by(User.role, User.name)
    ).all())


def sellers(session: Session, company_id: int) -> list[SellerRow]:
    return list(session.scalars(
        select(SellerRow).where(SellerRow.company_id == company_id, SellerRow.enabled.is_(True))
        .order_by(SellerRow.name)
    ).all())


def find_customers(session: Session, company_id: int, q: str, limit: int = 30) -> list[CustomerRow]:
    """Customers to invite, by name, code or CUIT."""
    query = select(CustomerRow).where(CustomerRow.company_id == company_id,
                                      CustomerRow.enabled.is_(True))
    q = q.strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(CustomerRow.name).like(like),
                                func.lower(CustomerRow.code).like(like),
                                CustomerRow.tax_id.like(f"%{q}%")))
    return list(session.scalars(query.order_by(CustomerRow.name).limit(limit)).all())
