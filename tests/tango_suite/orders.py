"""Confirmed orders for the Tango suite, built from the seed's facts."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from connectors.cloud.contract import Channel, ConfirmedOrder, OrderLine
from connectors.tango.seed_data import seed_facts, seed_rows

CONFIRMED_AT = datetime(2025, 5, 20, 15, 30, tzinfo=UTC)  # 12:30 in Buenos Aires


@cache
def _prices() -> dict[tuple[int, str], Decimal]:
    return {(r["NRO_DE_LIS"], r["COD_ARTICU"]): r["PRECIO"] for r in seed_rows()["GVA17"]}


_facts = cache(seed_facts)  # the seed is rebuilt on every call: tests ask thousands of times


def article_price(code: str, price_list: int = 1) -> Decimal:
    """The seeded price (100 for unpriced, i.e. disabled or unknown, articles)."""
    return _prices().get((price_list, code), Decimal("100"))


def make_order(code: str = "CP-00000012", *, articles: tuple[str, ...] | None = None,
               quantities: tuple[Decimal, ...] | None = None, price_list: int = 1,
               **overrides: Any) -> ConfirmedOrder:
    """An order of the seed's first enabled customer for the given (or first 3) articles."""
    facts = _facts()
    articles = articles or tuple(a for a in facts.sellable_articles
                                 if a not in facts.non_stock_articles)[:3]
    quantities = quantities or tuple(Decimal(i + 2) for i in range(len(articles)))
    lines = [OrderLine(line_no=i + 1, article_code=a, quantity=q,
                       unit_price=article_price(a, price_list),
                       discount_pct=Decimal(5) if i == 0 else Decimal(0), vat_rate=Decimal(21))
             for i, (a, q) in enumerate(zip(articles, quantities, strict=True))]
    values: dict[str, Any] = {
        "code": code, "channel": Channel.VENDEDOR, "customer_code": facts.enabled_customers[0],
        "seller_code": facts.sellers[0], "price_list": price_list, "prices_include_vat": False,
        "sale_condition": 1, "customer_discount_pct": Decimal(0), "observations": "",
        "confirmed_at": CONFIRMED_AT, "placed_by": "martin.gomez@elcastordistribuidora.com.ar",
        "lines": lines,
    }
    values.update(overrides)
    return ConfirmedOrder(**values)
