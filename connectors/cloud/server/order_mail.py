"""The copy of a confirmed order e-mailed to the company, the seller and the customer.

Rendered once, queued once per address, so all three receive the very same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, bindparam, or_, select
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


# Built once (see ``catalog``): the accounts of the order's seller and customer in one query.
_ACCOUNTS = (
    select(User.email, User.role)
    .where(User.company_id == bindparam("company"), User.active.is_(True),
           or_(and_(User.role == Role.VENDEDOR.value, User.seller_code == bindparam("seller")),
               and_(User.role == Role.CLIENTE.value,
                    User.customer_code == bindparam("customer"))))
    .order_by(User.id)
)
_SELLER_EMAIL = select(SellerRow.email).where(SellerRow.company_id == bindparam("company"),
                                              SellerRow.record_key == bindparam("code"))
_CUSTOMER_EMAIL = select(CustomerRow.email).where(CustomerRow.company_id == bindparam("company"),
                                                  CustomerRow.record_key == bindparam("code"))


def order_recipients(session: Session, order: Order) -> list[str]:
    """Company notification addresses, the seller, the customer; each address once.

    The seller and the customer are reached at their Castor account's address when they have
    one, otherwise at the e-mail synced from Tango.
    """
    found = notify_addresses(session, order.company_id)
    accounts = session.execute(_ACCOUNTS, {"company": order.company_id,
                                           "seller": order.seller_code or None,
                                           "customer": order.customer_code}).all()
    if order.seller_code:
        sellers = [email for email, role in accounts if role == Role.VENDEDOR.value]
        found += sellers or [session.scalar(_SELLER_EMAIL, {
            "company": order.company_id, "code": order.seller_code}) or ""]
    customers = [email for email, role in accounts if role == Role.CLIENTE.value]
    found += customers or [session.scalar(_CUSTOMER_EMAIL, {
        "company": order.company_id, "code": order.customer_code}) or ""]
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


@dataclass(frozen=True, slots=True)
class PreparedMail:
    """An order's e-mail rendered, with its recipients: everything read, nothing written."""

    mail: ComposedMail
    recipients: list[str]


def prepare_order_confirmation(
    session: Session, order: Order, composer: MailComposer
) -> PreparedMail:
    """Read and render what the order's e-mails need (``order`` may not be stored yet).

    Done before the order's write transaction starts writing, so the rendering never holds
    SQLite's write lock.
    """
    company = session.get(Company, order.company_id)  # kept: both steps read it
    prepared = PreparedMail(compose_order_mail(session, order, composer),
                            order_recipients(session, order))
    del company
    return prepared


def queue_prepared(
    session: Session, order: Order, prepared: PreparedMail, *, new_order: bool = False
) -> int:
    """Queue the prepared copy to every recipient in the caller's transaction.

    Idempotent (dedupe key per order and address); returns how many messages were queued.
    ``new_order``: the order was inserted in this transaction, nothing can be queued for it
    yet (no lookup needed).
    """
    session.flush()  # the order needs its id for the dedupe keys
    return outbox.queue_mails(
        session, company_id=order.company_id, kind=ORDER_MAIL_KIND, mail=prepared.mail,
        addresses_by_key={f"order:{order.id}:{address}": address
                          for address in prepared.recipients},
        keys_are_new=new_order,
    )


def queue_order_confirmation(session: Session, order: Order, composer: MailComposer) -> int:
    """Queue the order's copy to every recipient, in the caller's transaction.

    Idempotent: calling it twice for the same order queues nothing more. Returns how many
    messages were queued.
    """
    return queue_prepared(session, order, prepare_order_confirmation(session, order, composer))
