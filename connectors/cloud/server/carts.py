"""Carts kept on the server: an order being put together, per person and customer.

The cart is the truth for every channel: pages and the small scripts only show it and send
changes. Quantities are checked when they are set (a number, not negative, not absurd) and
the whole order again against the master data on confirm, so a cart may hold a line that is
no longer orderable: it is shown with its reason and never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from connectors.cloud.server import catalog
from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.formatting import format_money
from connectors.cloud.server.models import Cart, CartLine, CustomerRow, Order, PriceListRow
from connectors.cloud.server.order_entry import MAX_QUANTITY, check_quantity, parse_quantity
from connectors.cloud.server.pricing import OrderTotals, PricedLine, order_totals

MAX_CART_LINES = 500  # the contract's limit of lines per order
MAX_NOTICE = 200
NOT_SOLD_ES = "Ya no se vende a este cliente: quitalo para confirmar."


@dataclass(frozen=True, slots=True)
class CartLineView:
    """A cart line as shown: the article as the customer sees it now (None if not orderable)."""

    code: str
    quantity: Decimal
    item: CatalogItem | None
    notice: str
    amount: Decimal | None  # quantity × list price, before the customer's discount


@dataclass(frozen=True, slots=True)
class CartView:
    lines: list[CartLineView]
    totals: OrderTotals
    observations: str
    delivery_date: str

    @property
    def count(self) -> int:
        return len(self.lines)

    def quantities(self) -> dict[str, Decimal]:
        return {line.code: line.quantity for line in self.lines}


_FIND_CART = select(Cart).where(  # built once: see ``catalog``
    Cart.company_id == bindparam("company"),
    Cart.user_id == bindparam("user"),
    Cart.customer_code == bindparam("customer"),
)


def find_cart(session: Session, company_id: int, user_id: int, customer_code: str) -> Cart | None:
    """The person's cart for the customer, if they have one."""
    return session.scalar(_FIND_CART, {"company": company_id, "user": user_id,
                                       "customer": customer_code})


def open_cart(session: Session, company_id: int, user_id: int, customer_code: str) -> Cart:
    """The person's cart for the customer, created empty when missing."""
    cart = find_cart(session, company_id, user_id, customer_code)
    if cart is None:
        cart = Cart(company_id=company_id, user_id=user_id, customer_code=customer_code,
                    observations="", delivery_date="", lines=[])
        session.add(cart)
        session.flush()
    return cart


def typed_quantity(code: str, text: str, item: CatalogItem | None) -> tuple[Decimal | None, str]:
    """What a typed quantity means: ``(0, "")`` removes, ``(None, reason)`` is refused."""
    text = text.strip()
    quantity = parse_quantity(text) if text else Decimal(0)
    if quantity is None:
        return None, f"La cantidad de {code} no es un número."
    if quantity == 0:
        return quantity, ""
    if item is None:
        return None, f"El artículo {code} no está disponible para este cliente."
    problem = check_quantity(item, quantity)
    return (None, problem) if problem else (quantity, "")


def typed_errors(raw: Mapping[str, str], items: Mapping[str, CatalogItem]) -> list[str]:
    """The reasons ``set_quantities`` would refuse some of ``raw``, without changing anything."""
    return [reason for code, text in raw.items()
            for _, reason in [typed_quantity(code, text, items.get(code))] if reason]


def merged_quantities(cart: Cart | None, raw: Mapping[str, str]) -> dict[str, str]:
    """The cart's quantities with the typed ones applied (blank or 0 removes), as text."""
    merged = {line.article_code: str(line.quantity) for line in (cart.lines if cart else [])}
    for code, text in raw.items():
        quantity = parse_quantity(text) if text.strip() else Decimal(0)
        if quantity == 0:
            merged.pop(code, None)
        else:
            merged[code] = text.strip()
    return merged


def set_quantities(
    cart: Cart, raw: Mapping[str, str], items: Mapping[str, CatalogItem]
) -> list[str]:
    """Set each article's quantity from what was typed; blank or 0 removes the line.

    ``items`` are the orderable articles among the codes. Returns Spanish reasons for the
    values that were not taken; the others are applied.
    """
    errors: list[str] = []
    by_code = {line.article_code: line for line in cart.lines}
    for code, text in raw.items():
        quantity, reason = typed_quantity(code, text, items.get(code))
        if quantity is None:
            errors.append(reason)
            continue
        if quantity == 0:
            if code in by_code:
                cart.lines.remove(by_code.pop(code))
            continue
        line = by_code.get(code)
        if line is None:
            if len(by_code) >= MAX_CART_LINES:
                errors.append(f"El pedido admite hasta {MAX_CART_LINES} artículos.")
                continue
            line = CartLine(article_code=code, position=_next_position(cart), notice="")
            cart.lines.append(line)
            by_code[code] = line
        line.quantity = quantity
        line.notice = ""
    return errors


def _next_position(cart: Cart) -> int:
    return max((line.position for line in cart.lines), default=0) + 1


def remove_line(cart: Cart, code: str) -> None:
    for line in list(cart.lines):
        if line.article_code == code:
            cart.lines.remove(line)


def save_header(cart: Cart, observations: str, delivery_date: str) -> None:
    """Keep what was typed in the order's header fields (checked on confirm)."""
    cart.observations = observations[:4000]
    cart.delivery_date = delivery_date[:10]


def discard(session: Session, cart: Cart) -> None:
    """Forget the cart (after its order was confirmed); its lines go with it."""
    session.delete(cart)


def copy_order(
    cart: Cart, order: Order, items: Mapping[str, CatalogItem]
) -> list[str]:
    """«Repetir pedido»: put the old order's lines in the cart, each flagged when needed.

    ``items`` are the orderable articles among the order's codes. A line no longer sold stays
    with a notice (confirm will refuse it until it is removed); a line whose price changed
    carries the old and new price. Returns the notices, for the page.
    """
    notices: list[str] = []
    by_code = {line.article_code: line for line in cart.lines}
    for old in order.lines:
        if len(by_code) >= MAX_CART_LINES:
            break
        item = items.get(old.article_code)
        if item is None:
            notice = NOT_SOLD_ES
        elif item.list_price != old.unit_price:
            notice = (f"Precio actualizado: antes {format_money(old.unit_price)}, "
                      f"ahora {format_money(item.list_price)}.")
        else:
            notice = ""
        quantity = min(old.quantity, MAX_QUANTITY)
        line = by_code.get(old.article_code)
        if line is None:
            line = CartLine(article_code=old.article_code, position=_next_position(cart))
            cart.lines.append(line)
            by_code[old.article_code] = line
        line.quantity = quantity
        line.notice = notice[:MAX_NOTICE]
        if notice:
            notices.append(f"{old.article_code} {old.description}: {notice}")
    return notices


def view_cart(
    session: Session, company_id: int, customer: CustomerRow, cart: Cart | None,
    plist: PriceListRow | None,
) -> CartView:
    """The cart priced as the customer sees it now, with totals of its orderable lines."""
    lines = list(cart.lines) if cart is not None else []
    items = catalog.catalog_items_by_code(
        session, company_id, customer, [line.article_code for line in lines]
    )
    views = []
    for line in lines:
        item = items.get(line.article_code)
        notice = line.notice or ("" if item is not None else NOT_SOLD_ES)
        amount = PricedLine(line.quantity, item.list_price).amount if item else None
        views.append(CartLineView(line.article_code, line.quantity, item, notice, amount))
    totals = order_totals(
        _priced(views), customer.discount_pct, bool(plist and plist.includes_vat)
    )
    return CartView(
        lines=views,
        totals=totals,
        observations=cart.observations if cart else "",
        delivery_date=cart.delivery_date if cart else "",
    )


def _priced(views: Iterable[CartLineView]) -> list[PricedLine]:
    return [
        PricedLine(v.quantity, v.item.list_price, Decimal(0), v.item.vat_rate)
        for v in views
        if v.item is not None
    ]
