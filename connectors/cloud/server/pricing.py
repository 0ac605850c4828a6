"""Order amounts: line amounts, customer discount, IVA and total. Pure Decimal arithmetic."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PricedLine:
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)

    @property
    def amount(self) -> Decimal:
        """Quantity × price less the line discount, unrounded."""
        return self.quantity * self.unit_price * (1 - self.discount_pct / HUNDRED)


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """Rounded to cents. With prices including IVA, ``vat`` is the IVA contained in ``total``."""

    subtotal: Decimal
    discount: Decimal
    vat: Decimal
    total: Decimal
    prices_include_vat: bool


def net_unit_price(unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """The unit price after the customer's discount, rounded to cents (for display)."""
    return cents(unit_price * (1 - discount_pct / HUNDRED))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def order_totals(
    lines: Iterable[PricedLine], customer_discount_pct: Decimal, prices_include_vat: bool
) -> OrderTotals:
    """Totals of an order as Tango will compute them: line amounts, customer discount, IVA."""
    lines = list(lines)
    factor = 1 - customer_discount_pct / HUNDRED
    subtotal = sum((line.amount for line in lines), Decimal(0))
    discounted = [(line.amount * factor, line.vat_rate) for line in lines]
    net = sum((amount for amount, _ in discounted), Decimal(0))
    if prices_include_vat:
        vat = sum(
            (amount - amount / (1 + rate / HUNDRED) for amount, rate in discounted), Decimal(0)
        )
        total = net
    else:
        vat = sum((amount * rate / HUNDRED for amount, rate in discounted), Decimal(0))
        total = net + vat
    return OrderTotals(
        subtotal=cents(subtotal),
        discount=cents(subtotal - net),
        vat=cents(vat),
        total=cents(total),
        prices_include_vat=prices_include_vat,
    )
