"""Turning what a person typed into a valid order, checked against the synced master data.

Parsing and checking are pure functions that return Spanish messages; ``place_order`` does
the I/O (read master data, take a number, store) in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from connectors.cloud.contract import Channel, ConfirmedOrder, OrderLine
from connectors.cloud.server import catalog, orders
from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.formatting import today_in_argentina
from connectors.cloud.server.models import CustomerRow, Order, PriceListRow
from connectors.cloud.server.sqltypes import utcnow

QTY_PREFIX = "qty_"
MAX_QUANTITY = Decimal(100_000)
MAX_FRACTION_PLACES = 4
MAX_OBSERVATIONS = 2000


@dataclass(frozen=True, slots=True)
class OrderForm:
    """The order form as submitted: raw quantities by article code, plus header fields."""

    quantities: dict[str, str]
    observations: str = ""
    delivery_date: str = ""
    submission_id: str = ""  # random per rendered form; makes a repeated submit harmless

    @classmethod
    def from_form(cls, form: Mapping[str, object]) -> OrderForm:
        quantities = {
            key[len(QTY_PREFIX) :]: str(value).strip()
            for key, value in form.items()
            if key.startswith(QTY_PREFIX) and str(value).strip()
        }
        return cls(
            quantities=quantities,
            observations=str(form.get("observations", "")).strip(),
            delivery_date=str(form.get("delivery_date", "")).strip(),
            submission_id=str(form.get("submission_id", "")).strip()[:64],
        )


@dataclass(slots=True)
class EntryResult:
    """Either ``order`` (ready to store) or ``errors`` (Spanish, one per problem)."""

    order: ConfirmedOrder | None = None
    errors: list[str] = field(default_factory=list)


def parse_quantity(raw: str) -> Decimal | None:
    """``"3"``, ``"1.5"`` or ``"1,5"`` → Decimal; None when it is not a number."""
    text = raw.strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def check_quantity(item: CatalogItem, quantity: Decimal) -> str | None:
    """A Spanish reason why ``quantity`` of ``item`` cannot be ordered, or None."""
    if quantity < 0:
        return f"La cantidad de {item.code} no puede ser negativa."
    if quantity > MAX_QUANTITY:
        return f"La cantidad de {item.code} es demasiado grande (máximo 100.000)."
    exponent = quantity.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places and not item.allows_fractions:
        return f"El artículo {item.code} se vende por unidades enteras."
    if places > MAX_FRACTION_PLACES:
        return f"La cantidad de {item.code} admite hasta {MAX_FRACTION_PLACES} decimales."
    return None


def check_customer(customer: CustomerRow, plist: PriceListRow | None) -> list[str]:
    """Reasons the customer cannot receive orders now (empty when fine)."""
    errors = []
    if not customer.enabled:
        errors.append("El cliente está inhabilitado; no se le pueden cargar pedidos.")
    if customer.price_list is None or plist is None:
        errors.append("El cliente no tiene una lista de precios válida.")
    elif not plist.enabled:
        errors.append("La lista de precios del cliente está inhabilitada.")
    if customer.sale_condition is None:
        errors.append("El cliente no tiene condición de venta asignada.")
    return errors


def parse_delivery_date(raw: str, today: date) -> tuple[date | None, str | None]:
    """The optional delivery date (``aaaa-mm-dd`` from a date input) and an error, if any."""
    if not raw:
        return None, None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return None, "La fecha de entrega no es válida."
    if value < today:
        return None, "La fecha de entrega no puede ser anterior a hoy."
    return value, None


def build_order(
    *,
    code: str,
    channel: Channel,
    customer: CustomerRow,
    plist: PriceListRow,
    items: Mapping[str, CatalogItem],
    form: OrderForm,
    placed_by: str,
    now: datetime,
) -> EntryResult:
    """Check ``form`` against ``items`` (the orderable articles among the submitted codes)."""
    result = EntryResult(errors=check_customer(customer, plist))
    lines: list[OrderLine] = []
    for article_code, raw in form.quantities.items():
        quantity = parse_quantity(raw)
        item = items.get(article_code)
        if quantity is None:
            result.errors.append(f"La cantidad de {article_code} no es un número.")
            continue
        if quantity == 0:
            continue
        if item is None:
            result.errors.append(
                f"El artículo {article_code} no está disponible para este cliente."
            )
            continue
        problem = check_quantity(item, quantity)
        if problem:
            result.errors.append(problem)
            continue
        lines.append(
            OrderLine(
                line_no=len(lines) + 1,
                article_code=item.code,
                description=item.description,
                quantity=quantity,
                unit_price=item.list_price,
                vat_rate=item.vat_rate,
            )
        )
    if not lines and not result.errors:
        result.errors.append("Ingresá la cantidad de al menos un artículo.")
    if len(form.observations) > MAX_OBSERVATIONS:
        result.errors.append("Las observaciones son demasiado largas (máximo 2000 caracteres).")
    delivery, date_error = parse_delivery_date(form.delivery_date, today_in_argentina(now))
    if date_error:
        result.errors.append(date_error)
    if result.errors:
        return result
    assert customer.sale_condition is not None
    result.order = ConfirmedOrder(
        code=code,
        channel=channel,
        customer_code=customer.code,
        seller_code=customer.seller_code,
        price_list=plist.number,
        prices_include_vat=plist.includes_vat,
        sale_condition=customer.sale_condition,
        customer_discount_pct=customer.discount_pct,
        transport_code=customer.transport_code,
        observations=form.observations,
        delivery_date=delivery,
        confirmed_at=now,
        placed_by=placed_by[:120],
        lines=lines,
    )
    return result


def draft_order(
    session: Session,
    *,
    company_id: int,
    channel: Channel,
    customer: CustomerRow,
    form: OrderForm,
    placed_by: str,
    plist: PriceListRow | None,
    items: Mapping[str, CatalogItem],
) -> EntryResult:
    """Check ``form`` as ``place_order`` does, reading nothing more and writing nothing.

    The order comes back with a placeholder code; ``draft_row`` numbers it.
    """
    if plist is None:
        return EntryResult(errors=check_customer(customer, None))
    return build_order(code="PENDING", channel=channel, customer=customer, plist=plist,
                       items=items, form=form, placed_by=placed_by, now=utcnow())


def draft_row(
    *,
    company_id: int,
    order_prefix: str,
    draft: ConfirmedOrder,
    number: int,
    customer_name: str,
    placed_by_user_id: int,
    submission_id: str,
) -> Order:
    """The row of a checked order under the number taken for it, not yet in any session."""
    order = ConfirmedOrder.model_validate(
        {**draft.model_dump(), "code": orders.order_code(order_prefix, number)}
    )
    return orders.order_row(company_id, order, number, customer_name=customer_name,
                            placed_by_user_id=placed_by_user_id,
                            submission_id=submission_id or None)


def place_order(
    session: Session,
    *,
    company_id: int,
    order_prefix: str,
    channel: Channel,
    customer: CustomerRow,
    form: OrderForm,
    placed_by: str,
    placed_by_user_id: int,
    plist: PriceListRow | None = None,
    items: Mapping[str, CatalogItem] | None = None,
) -> tuple[Order | None, list[str]]:
    """Validate and store an order in the caller's transaction.

    Returns ``(order, [])`` on success or ``(None, errors)`` with Spanish reasons. A form
    submitted twice returns the order its first submit created. ``plist`` and ``items`` (the
    orderable articles among the form's codes) may come from the caller, already read; then
    everything up to taking the number is reads, and SQLite's write lock is held briefly.
    """
    existing = orders.find_submitted(session, company_id, form.submission_id)
    if existing is not None:
        return existing, []
    if plist is None:
        plist = catalog.price_list(session, company_id, customer.price_list)
    if items is None:
        items = catalog.catalog_items_by_code(session, company_id, customer, form.quantities)
    now = utcnow()
    if plist is None:
        return None, check_customer(customer, None)
    # Validate with a placeholder code first, so a rejected form does not burn a number.
    draft = build_order(code="PENDING", channel=channel, customer=customer, plist=plist,
                        items=items, form=form, placed_by=placed_by, now=now)
    if draft.order is None:
        return None, draft.errors
    number = orders.next_order_number(session, company_id)
    order = ConfirmedOrder.model_validate(
        {**draft.order.model_dump(), "code": orders.order_code(order_prefix, number)}
    )
    row = orders.store_order(session, company_id, order, number, customer_name=customer.name,
                             placed_by_user_id=placed_by_user_id,
                             submission_id=form.submission_id or None)
    return row, []
