"""Confirming a cart: the same path for the three channels, in three short steps.

1. ``check_cart`` (reads only): the cart with the last edits becomes an order form, checked
   against the synced master data. On a problem, ``keep_edits`` saves what was typed and the
   reasons go back in Spanish; nothing else changes.
2. ``orders.reserve_order_number`` takes the number in a transaction of its own.
3. ``store_checked``: the order is stored (immutable from then on), the cart discarded and
   the confirmation e-mails queued, in one transaction whose reads (and the e-mail's
   rendering) all come before its first write.

No step holds a database connection while another opens one (no pool starvation), and the
company's number counter is locked only for its own tiny transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from connectors.cloud.contract import Channel, ConfirmedOrder
from connectors.cloud.server import carts, catalog, orders
from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.models import Cart, CustomerRow, Order
from connectors.cloud.server.order_entry import OrderForm, draft_order, draft_row
from connectors.cloud.server.order_mail import prepare_order_confirmation, queue_prepared

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CheckedCart:
    """The outcome of step 1: a draft order, or the reasons there is none."""

    draft: ConfirmedOrder | None
    errors: list[str]
    items: Mapping[str, CatalogItem] = field(default_factory=dict)


def check_cart(
    session: Session,
    *,
    company_id: int,
    channel: Channel,
    customer: CustomerRow,
    cart: Cart | None,
    typed: dict[str, str],
    header: dict[str, str],
    placed_by: str,
) -> CheckedCart:
    """The cart with the last edits (``typed`` quantities, ``header`` fields) as a checked
    draft order, reading the master data and writing nothing."""
    quantities = carts.merged_quantities(cart, typed)
    plist = catalog.price_list(session, company_id, customer.price_list)
    items = catalog.catalog_items_by_code(session, company_id, customer, [*quantities, *typed])
    errors = carts.typed_errors(typed, items)
    if errors:
        return CheckedCart(None, errors, items)
    form = OrderForm(
        quantities=quantities,
        observations=header.get("observations", cart.observations if cart else ""),
        delivery_date=header.get("delivery_date", cart.delivery_date if cart else ""),
    )
    result = draft_order(session, company_id=company_id, channel=channel, customer=customer,
                         form=form, placed_by=placed_by, plist=plist, items=items)
    return CheckedCart(result.order, result.errors, items)


def keep_edits(
    session: Session, *, company_id: int, user_id: int, customer: CustomerRow,
    typed: dict[str, str], header: dict[str, str], items: Mapping[str, CatalogItem],
) -> None:
    """Save in the cart what was typed on a confirm that did not go through."""
    cart = carts.open_cart(session, company_id, user_id, customer.code)
    carts.set_quantities(cart, typed, items)
    if header:
        carts.save_header(cart, header.get("observations", cart.observations),
                          header.get("delivery_date", cart.delivery_date))


def store_checked(
    session: Session,
    *,
    company_id: int,
    order_prefix: str,
    customer: CustomerRow,
    draft: ConfirmedOrder,
    number: int,
    submission_id: str,
    user_id: int,
    composer: MailComposer,
) -> Order:
    """Store the checked order under ``number``, discard the cart, queue the e-mails.

    Everything that only reads (the double-tap check, the cart, the e-mail's data, its
    rendering and recipients) comes first; then the writes, back to back. On SQLite the write
    lock is taken by the first INSERT, so it is held only for the INSERTs and DELETEs.
    """
    already = orders.find_submitted(session, company_id, submission_id)
    if already is not None:  # the same form, confirmed meanwhile by a double tap
        return already
    cart = carts.find_cart(session, company_id, user_id, customer.code)
    row = draft_row(company_id=company_id, order_prefix=order_prefix, draft=draft,
                    number=number, customer_name=customer.name, placed_by_user_id=user_id,
                    submission_id=submission_id)
    prepared = prepare_order_confirmation(session, row, composer)
    session.add(row)  # writes from here on
    session.flush()
    if cart is not None:
        carts.discard(session, cart)
    queued = queue_prepared(session, row, prepared, new_order=True)
    session.flush()
    log.info("order_confirmed code=%s channel=%s lines=%d", row.code, row.channel,
             len(row.lines))
    log.info("order_mail_queued code=%s messages=%d", row.code, queued)
    return row

