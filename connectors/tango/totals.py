"""Order totals as Tango stores them, computed with ``Decimal`` and ROUND_HALF_UP.

Per line: net = quantity × unit price × (1 − line discount %). When the price list includes
IVA (``GVA10.INCLUY_IVA``) that net is the amount *with* IVA and the amount without is derived
from it; otherwise the other way round. The header (customer) discount is applied on top of
each line (``IMPORTE_PROPORCIONADO``), so header totals are exact sums of rounded lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
UNIT_PRICE_PLACES = Decimal("0.0000001")  # DECIMAL_TG scale: derived unit prices keep it


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal  # as in the price list (with IVA iff prices_include_vat)
    discount_pct: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class LineTotals:
    price: Decimal  # PRECIO / PRECIO_LISTA: the list price as entered
    bonified_price: Decimal  # PRECIO_BONIF: after the line discount, list terms
    net_price: Decimal  # PRECIO_NETO: after line discount, without IVA
    amount_without_vat: Decimal  # IMPORTE_SIN_IMPUESTOS (after line discount)
    amount_with_vat: Decimal  # IMPORTE_CON_IMPUESTOS
    proportioned: Decimal  # IMPORTE_PROPORCIONADO: without IVA, header discount applied
    proportioned_with_vat: Decimal


@dataclass(frozen=True)
class OrderTotals:
    lines: tuple[LineTotals, ...]
    subtotal_without_vat: Decimal  # before the header discount
    subtotal_with_vat: Decimal
    discount_pct: Decimal
    discount_without_vat: Decimal  # IMPORTE_DESCUENTO_GENERAL_SIN_IMPUESTOS
    discount_with_vat: Decimal  # IMPORTE_DESCUENTO_GENERAL
    total_without_vat: Decimal  # TOTAL_PEDI
    total_with_vat: Decimal  # TOTAL_PEDI_CON_IMPUESTOS
    total_exempt: Decimal  # TOTAL_EXENTO: lines at 0 % IVA, after the header discount

    @property
    def vat(self) -> Decimal:
        return self.total_with_vat - self.total_without_vat


def money(value: Decimal, decimals: int) -> Decimal:
    """Round money to ``decimals`` places, half up (Tango's and the AFIP's habit)."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _unit(value: Decimal) -> Decimal:
    return value.quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)


def _keep(pct: Decimal) -> Decimal:
    """The fraction left after a discount of ``pct`` %."""
    if pct < 0 or pct > HUNDRED:
        raise ValueError(f"discount {pct} % is outside 0..100")
    return (HUNDRED - pct) / HUNDRED


def line_totals(line: LineInput, header_discount_pct: Decimal, prices_include_vat: bool,
                decimals: int = 2) -> LineTotals:
    """The stored amounts of one line."""
    if line.quantity <= 0:
        raise ValueError(f"quantity {line.quantity} must be positive")
    if line.unit_price < 0:
        raise ValueError(f"unit price {line.unit_price} must not be negative")
    vat_factor = 1 + line.vat_rate / HUNDRED
    keep_line = _keep(line.discount_pct)
    keep_header = _keep(header_discount_pct)
    bonified = line.unit_price * keep_line
    gross = line.quantity * bonified
    if prices_include_vat:
        with_vat = money(gross, decimals)
        without_vat = money(gross / vat_factor, decimals)
        net_price = bonified / vat_factor
    else:
        without_vat = money(gross, decimals)
        with_vat = money(gross * vat_factor, decimals)
        net_price = bonified
    return LineTotals(
        price=line.unit_price,
        bonified_price=_unit(bonified),
        net_price=_unit(net_price),
        amount_without_vat=without_vat,
        amount_with_vat=with_vat,
        proportioned=money(without_vat * keep_header, decimals),
        proportioned_with_vat=money(with_vat * keep_header, decimals),
    )


def order_totals(lines: Sequence[LineInput], header_discount_pct: Decimal,
                 prices_include_vat: bool, decimals: int = 2) -> OrderTotals:
    """Line and header totals of an order (header = sums of the rounded lines)."""
    if not lines:
        raise ValueError("an order needs at least one line")
    computed = tuple(line_totals(li, header_discount_pct, prices_include_vat, decimals)
                     for li in lines)
    sub_without = sum((t.amount_without_vat for t in computed), Decimal(0))
    sub_with = sum((t.amount_with_vat for t in computed), Decimal(0))
    total_without = sum((t.proportioned for t in computed), Decimal(0))
    total_with = sum((t.proportioned_with_vat for t in computed), Decimal(0))
    exempt = sum((t.proportioned for t, li in zip(computed, lines, strict=True)
                  if li.vat_rate == 0), Decimal(0))
    return OrderTotals(
        lines=computed,
        subtotal_without_vat=sub_without,
        subtotal_with_vat=sub_with,
        discount_pct=header_discount_pct,
        discount_without_vat=sub_without - total_without,
        discount_with_vat=sub_with - total_with,
        total_without_vat=total_without,
        total_with_vat=total_with,
        total_exempt=exempt,
    )
