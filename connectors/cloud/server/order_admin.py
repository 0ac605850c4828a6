"""What the admin does to an order in error: send it to Tango again, or cancel it."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from connectors.cloud.server import orders
from connectors.cloud.server.models import Order
from connectors.cloud.server.sqltypes import utcnow

log = logging.getLogger(__name__)


def retry(session: Session, company_id: int, code: str, admin_email: str) -> Order:
    """Back to the queue; ``OrderNotFound`` / ``OrderConflict`` (not in error) otherwise."""
    row = orders.retry_order(session, company_id, code)
    log.info("order_retry code=%s company_id=%s by=%s", code, company_id, admin_email)
    return row


def cancel(session: Session, company_id: int, code: str, admin_email: str) -> Order:
    """Cancel an order in error: it will never reach Tango."""
    row = orders.find_order(session, company_id, code)
    if row.status != orders.OrderStatus.ERROR.value:
        raise orders.OrderConflict(f"order {code} is not in error")
    row.status = orders.OrderStatus.CANCELLED.value
    row.next_attempt_at = None
    row.updated_at = utcnow()
    log.info("order_cancelled code=%s company_id=%s by=%s", code, company_id, admin_email)
    return row
