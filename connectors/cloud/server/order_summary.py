"""A stored order's totals, for the pages that list orders (card, history, order page)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from connectors.cloud.server.models import Order
from connectors.cloud.server.pricing import OrderTotals, PricedLine, order_totals


@dataclass(frozen=True, slots=True)
class OrderSummary:
    order: Order
    totals: OrderTotals

    @property
    def line_count(self) -> int:
        return len(self.order.lines)


def priced_lines(order: Order) -> list[PricedLine]:
    return [
        PricedLine(line.quantity, line.unit_price, line.discount_pct, line.vat_rate)
        for line in order.lines
    ]


def totals_of(order: Order) -> OrderTotals:
    """The order's totals exactly as at confirmation (its lines keep their prices)."""
    return order_totals(priced_lines(order), order.customer_discount_pct,
                        order.prices_include_vat)


def order_summaries(orders: Iterable[Order]) -> list[OrderSummary]:
    return [OrderSummary(order, totals_of(order)) for order in orders]
