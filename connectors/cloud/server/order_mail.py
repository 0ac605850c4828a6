"""The copy of a confirmed order e-mailed to the company, the seller and the customer.

Rendered once, queued once per address, so all three receive the very same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.cloud.contract import CHANNEL_LABELS_ES, Channel
from connectors.cloud.server import outbox
from connectors.cloud.server.accounts import Role
from connectors.cloud.server.company_settings import notify_addresses
from connectors.cloud.server.mail_compose import ComposedMail, MailComposer
from connectors.cloud.server.models import (
    Company,
    CustomerRow,
    Order,
    PriceListRow,
    SaleConditionRow,
    SellerRow,
    User,
)
from connectors.cloud.server.pricing import PricedLine, order_totals

ORDER_MAIL_KIND = "order_confirmed"


@dataclass(frozen=True, slots=True)
class MailLine:
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def _users_emails(session: Session, company_id: int, role: Role, **codes: str | None) -> list[str]:
    query = select(User.email).where(User.company_id == company_id, User.role == role.value,
                                     User.active.is_(True))
    for name, value in codes.items():
        query = query.where(getattr(User, name) == value)
    return list(session.scalars(query.order_by(User.id)).all())


def order_recipients(session: Session, order: Order) -> list[str]:
    """Company notification addresses, the seller, the customer; each address once.

    The seller and the customer are reached at their Castor account's address when they have
    one, otherwise at the e-mail synced from Tango.
    """
    found = notify_addresses(session, order.company_id)
    if order.seller_code:
        sellers = _users_emails(session, order.company_id, Role.VENDEDOR,
                                seller_code=order.seller_code)
        found += sellers or [session.scalar(select(SellerRow.email).where(
            SellerRow.company_id == order.company_id,
            SellerRow.record_key == order.seller_code)) or ""]
    customers = _users_emails(session, order.company_id, Role.CLIENTE,
                              customer_code=order.customer_code)
    found += customers or [session.scalar(select(CustomerRow.email).where(
        CustomerRow.company_id == order.company_id,
        CustomerRow.record_key == order.customer_code)) or ""]
    unique: list[str] = []
    for address in found:
        address = address.strip().lower()
        if address and "@" in address and address not in unique:
            unique.append(address)
    return unique


def compose_order_mail(session: Session, order: Order, composer: MailComposer) -> ComposedMail:
    """The order as one message (HTML and plain text), for everyone."""
    company = session.get(Company, order.company_id)
    condition = session.scalar(select(SaleConditionRow.description).where(
        SaleConditionRow.company_id == order.company_id,
        SaleConditionRow.code == order.sale_condition))
    plist = session.scalar(select(PriceListRow.name).where(
        PriceListRow.company_id == order.company_id, PriceListRow.number == order.price_list))
    priced = [PricedLine(line.quantity, line.unit_price, line.discount_pct, line.vat_rate)
              for line in order.lines]
    lines = [
        MailLine(line.article_code, line.description, line.quantity, line.unit_price, p.amount)
        for line, p in zip(order.lines, priced, strict=True)
    ]
    totals = order_totals(priced, order.customer_discount_pct, order.prices_include_vat)
    try:
        channel = CHANNEL_LABELS_ES[Channel(order.channel)]
    except ValueError:
        channel = order.channel
    company_name = company.name if company else ""
    return composer.compose(
        "order_confirmed",
        f"Pedido {order.code} · {order.customer_name} · {company_name}",
        order=order, lines=lines, totals=totals, company_name=company_name,
        condition=condition or str(order.sale_condition),
        price_list=plist or str(order.price_list), channel=channel,
    )


def queue_order_confirmation(session: Session, order: Order, composer: MailComposer) -> int:
    """Queue the order's copy to every recipient, in the caller's transaction.

    Idempotent: calling it twice for the same order queues nothing more. Returns how many
    messages were queued.
    """
    session.flush()  # the order needs its id for the dedupe keys
    mail = compose_order_mail(session, order, composer)
    queued = 0
    for address in order_recipients(session, order):
        queued += outbox.queue_mail(
            session, company_id=order.company_id, kind=ORDER_MAIL_KIND, to_addr=address,
            mail=mail, dedupe_key=f"order:{order.id}:{address}",
        )
    return queued
