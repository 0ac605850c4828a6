"""The order lifecycle: numbering, storing, leasing to the agent, acks and failures.

Statuses: ``confirmed`` (waiting for the agent) → ``leased`` (an agent holds it until the
lease expires) → ``in_tango`` (acked with the Tango number) or ``error`` (parked until someone
retries) — or back to ``confirmed`` after a transient failure, offered again from
``next_attempt_at``. ``cancelled`` is final. Every state change is a conditional UPDATE, so
several server processes can share one database safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Engine, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from connectors.cloud.contract import (
    ConfirmedOrder,
    FailureKind,
    LeasedOrder,
    OrderAck,
    OrderFailure,
    OrderLine,
)
from connectors.cloud.server.models import Order, OrderLineRow, OrderSequence
from connectors.cloud.server.security import new_secret
from connectors.cloud.server.sqltypes import as_utc, utcnow


class OrderStatus(StrEnum):
    CONFIRMED = "confirmed"
    LEASED = "leased"
    IN_TANGO = "in_tango"
    ERROR = "error"
    CANCELLED = "cancelled"


class OrderNotFound(LookupError):
    """No order with that code in the company."""


class OrderConflict(ValueError):
    """The request contradicts what is already recorded (e.g. a second Tango number)."""


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    lease_seconds: int
    transient_retry_seconds: int


def order_code(prefix: str, number: int) -> str:
    """``CP`` and 12 → ``CP-00000012`` (fits GVA21.ID_EXTERNO, varchar(20))."""
    return f"{prefix}-{number:08d}"


def next_order_number(session: Session, company_id: int) -> int:
    """Take the company's next order number; the UPDATE locks the sequence row until commit."""
    session.execute(
        update(OrderSequence)
        .where(OrderSequence.company_id == company_id)
        .values(last_number=OrderSequence.last_number + 1)
    )
    number = session.scalar(
        select(OrderSequence.last_number).where(OrderSequence.company_id == company_id)
    )
    if number is None:
        raise LookupError(f"company {company_id} has no order sequence")
    return number


def reserve_order_number(engine: Engine, company_id: int) -> int:
    """Take the company's next order number in a transaction of its own, committed at once.

    The counter row is every confirm's meeting point: holding its lock until the order, its
    lines and its e-mails are stored would queue all confirms of a company behind each other.
    A number taken by an order that then fails to store is simply never used (codes may have
    gaps; they are never reused). The caller must not hold uncommitted writes on SQLite.
    """
    with engine.begin() as conn:  # one statement: the lock is held for a single round trip
        number = conn.scalar(
            update(OrderSequence)
            .where(OrderSequence.company_id == company_id)
            .values(last_number=OrderSequence.last_number + 1)
            .returning(OrderSequence.last_number)
        )
    if number is None:
        raise LookupError(f"company {company_id} has no order sequence")
    return number


def store_order(
    session: Session,
    company_id: int,
    order: ConfirmedOrder,
    number: int,
    *,
    customer_name: str = "",
    placed_by_user_id: int | None = None,
    submission_id: str | None = None,
) -> Order:
    """Persist a confirmed order (already validated) with status ``confirmed``."""
    row = order_row(company_id, order, number, customer_name=customer_name,
                    placed_by_user_id=placed_by_user_id, submission_id=submission_id)
    session.add(row)
    session.flush()
    return row


def order_row(
    company_id: int,
    order: ConfirmedOrder,
    number: int,
    *,
    customer_name: str = "",
    placed_by_user_id: int | None = None,
    submission_id: str | None = None,
) -> Order:
    """The row of a confirmed order, not yet added to any session."""
    return Order(
        company_id=company_id,
        code=order.code,
        number=number,
        channel=order.channel.value,
        status=OrderStatus.CONFIRMED.value,
        customer_code=order.customer_code,
        customer_name=customer_name[:60],
        seller_code=order.seller_code,
        price_list=order.price_list,
        prices_include_vat=order.prices_include_vat,
        sale_condition=order.sale_condition,
        customer_discount_pct=order.customer_discount_pct,
        deposit_code=order.deposit_code,
        transport_code=order.transport_code,
        observations=order.observations,
        customer_po=order.customer_po,
        delivery_date=order.delivery_date,
        confirmed_at=order.confirmed_at,
        placed_by=order.placed_by,
        placed_by_user_id=placed_by_user_id,
        submission_id=submission_id,
        lines=[
            OrderLineRow(
                line_no=line.line_no,
                article_code=line.article_code,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_pct=line.discount_pct,
                vat_rate=line.vat_rate,
            )
            for line in order.lines
        ],
    )


def to_contract(row: Order) -> ConfirmedOrder:
    """The wire form of a stored order."""
    return ConfirmedOrder(
        code=row.code,
        channel=row.channel,
        customer_code=row.customer_code,
        seller_code=row.seller_code,
        price_list=row.price_list,
        prices_include_vat=row.prices_include_vat,
        sale_condition=row.sale_condition,
        customer_discount_pct=row.customer_discount_pct,
        deposit_code=row.deposit_code,
        transport_code=row.transport_code,
        observations=row.observations,
        customer_po=row.customer_po,
        delivery_date=row.delivery_date,
        confirmed_at=row.confirmed_at,
        placed_by=row.placed_by,
        lines=[
            OrderLine(
                line_no=line.line_no,
                article_code=line.article_code,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_pct=line.discount_pct,
                vat_rate=line.vat_rate,
            )
            for line in row.lines
        ],
    )


def _available(now: datetime):  # type: ignore[no-untyped-def]
    """SQL condition: the order may be leased right now."""
    return or_(
        and_(
            Order.status == OrderStatus.CONFIRMED.value,
            or_(Order.next_attempt_at.is_(None), Order.next_attempt_at <= now),
        ),
        and_(Order.status == OrderStatus.LEASED.value, Order.lease_expires_at <= now),
    )


def lease_orders(
    session: Session, company_id: int, max_orders: int, policy: LeasePolicy
) -> list[LeasedOrder]:
    """Lease up to ``max_orders`` available orders, oldest first.

    Each claim is ``UPDATE ... WHERE id = ? AND <still available>``: if another process got
    there first the row count is 0 and the order is skipped, so no order is ever held by two
    leases at once.
    """
    now = utcnow()
    candidate_ids = session.scalars(
        select(Order.id)
        .where(Order.company_id == company_id, _available(now))
        .order_by(Order.confirmed_at, Order.id)
        .limit(max_orders)
    ).all()
    leased: list[LeasedOrder] = []
    expires = now + timedelta(seconds=policy.lease_seconds)
    for order_id in candidate_ids:
        token = new_secret()
        result = session.execute(
            update(Order)
            .where(Order.id == order_id, _available(now))
            .values(
                status=OrderStatus.LEASED.value,
                lease_token=token,
                lease_expires_at=expires,
                attempts=Order.attempts + 1,
                next_attempt_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.get(Order, order_id, populate_existing=True)
        assert row is not None
        leased.append(
            LeasedOrder(
                order=to_contract(row),
                lease_token=token,
                lease_expires_at=expires,
                attempt=row.attempts,
            )
        )
    return leased


def _get(session: Session, company_id: int, code: str) -> Order:
    row = session.scalar(select(Order).where(Order.company_id == company_id, Order.code == code))
    if row is None:
        raise OrderNotFound(code)
    return row


def acknowledge(session: Session, company_id: int, code: str, ack: OrderAck) -> Order:
    """Record that the order is in Tango.

    Idempotent: the same number again is fine. A stale lease token is accepted too, because
    the agent's ``ID_EXTERNO`` check guarantees Tango holds the order once. A *different*
    number for an order already in Tango is a conflict.
    """
    row = _get(session, company_id, code)
    if row.status == OrderStatus.IN_TANGO.value:
        if row.tango_number != ack.tango_number or row.tango_talonario != ack.tango_talonario:
            raise OrderConflict(
                f"order {code} is already in Tango as {row.tango_talonario}/{row.tango_number}"
            )
        return row
    if row.status == OrderStatus.CANCELLED.value:
        raise OrderConflict(f"order {code} was cancelled")
    # confirmed, leased or error: the order is in Tango now, whatever we thought before.
    now = utcnow()
    row.status = OrderStatus.IN_TANGO.value
    row.tango_talonario = ack.tango_talonario
    row.tango_number = ack.tango_number
    row.tango_written_at = as_utc(ack.written_at)
    row.lease_token = None
    row.lease_expires_at = None
    row.next_attempt_at = None
    row.error_kind = row.error_message = row.error_detail = None
    row.updated_at = now
    return row


def record_failure(
    session: Session, company_id: int, code: str, failure: OrderFailure, policy: LeasePolicy
) -> Order:
    """Park the order (business / configuration) or offer it again later (transient).

    Only the current lease holder may report a failure: a stale report must not undo the
    work of the agent that holds the order now, nor an order already in Tango.
    """
    row = _get(session, company_id, code)
    if row.status == OrderStatus.IN_TANGO.value:
        raise OrderConflict(f"order {code} is already in Tango")
    if row.status != OrderStatus.LEASED.value or row.lease_token != failure.lease_token:
        raise OrderConflict(f"order {code} is not leased with that token")
    now = utcnow()
    row.lease_token = None
    row.lease_expires_at = None
    row.error_kind = failure.kind.value
    row.error_message = failure.message_es
    row.error_detail = failure.detail or None
    row.updated_at = now
    if failure.kind is FailureKind.TRANSIENT:
        row.status = OrderStatus.CONFIRMED.value
        row.next_attempt_at = now + timedelta(seconds=policy.transient_retry_seconds)
    else:
        row.status = OrderStatus.ERROR.value
        row.next_attempt_at = None
    return row


def retry_order(session: Session, company_id: int, code: str) -> Order:
    """Put a parked order back in the queue (the admin fixed the data)."""
    row = _get(session, company_id, code)
    if row.status != OrderStatus.ERROR.value:
        raise OrderConflict(f"order {code} is not in error")
    row.status = OrderStatus.CONFIRMED.value
    row.next_attempt_at = None
    row.updated_at = utcnow()
    return row


def find_submitted(session: Session, company_id: int, submission_id: str) -> Order | None:
    """The order already confirmed from the form with ``submission_id``, if any."""
    if not submission_id:
        return None
    return session.scalar(_SUBMITTED, {"company": company_id, "submission": submission_id})


_SUBMITTED = select(Order).where(Order.company_id == bindparam("company"),
                                 Order.submission_id == bindparam("submission"))


def find_order(session: Session, company_id: int, code: str) -> Order:
    """The company's order with ``code``; ``OrderNotFound`` otherwise."""
    return _get(session, company_id, code)
