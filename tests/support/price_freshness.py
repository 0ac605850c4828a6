"""A price changed in Tango, watched until the seller's cloud catalog shows it.

Used by the end-to-end test (short schedule) and ``bench/bench_price_freshness.py`` (the agent's
default schedule). The world is ``tests.test_engine_world``: the real cloud server process, the
SQLite Tango and ``activo run --no-tray``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from decimal import Decimal

from connectors.cloud.server.formatting import format_money
from tests.test_engine_world import World, rows_of

FRESHNESS = re.compile(r'data-freshness="(\w+)">([^<]*)<')


@dataclass(frozen=True)
class WatchedPrice:
    customer: str
    article_code: str
    price_list: int


def pick_price(world: World) -> WatchedPrice:
    """An article on the first page of the customer's catalog, priced in the customer's list."""
    [(price_list,)] = rows_of(world.tango_db, "SELECT NRO_LISTA FROM GVA14 WHERE COD_CLIENT = ?",
                              world.customer)
    codes = set(rows_of(world.tango_db, "SELECT COD_ARTICU FROM GVA17 WHERE NRO_DE_LIS = ? "
                                        "AND PRECIO IS NOT NULL", price_list))
    page = world.seller.catalog(world.customer)
    code = next(c for c in page.fields if c.startswith("qty_") and (c[4:],) in codes)[4:]
    return WatchedPrice(world.customer, code, int(price_list))


def change_price(world: World, watched: WatchedPrice, price: Decimal) -> None:
    """What Tango does when someone edits a price: PRECIO and FECHA_MODI in one UPDATE."""
    rows_of(world.tango_db, "UPDATE GVA17 SET PRECIO = ?, FECHA_MODI = datetime('now') "
                            "WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
            str(price), watched.price_list, watched.article_code)


def catalog_html(world: World, watched: WatchedPrice) -> str:
    """The seller's catalog page searched for the watched article (as a logged-in seller)."""
    http = world.seller._http  # the seller's logged-in browser session
    response = http.get(f"{world.server.url}/vendedor/clientes/{watched.customer}/catalogo",
                        params={"q": watched.article_code}, timeout=10, allow_redirects=False)
    response.raise_for_status()
    return response.text


def shows_price(world: World, watched: WatchedPrice, price: Decimal) -> bool:
    return format_money(price) in catalog_html(world, watched)


def seconds_until_shown(world: World, watched: WatchedPrice, price: Decimal, timeout: float,
                        every: float = 0.25) -> float | None:
    """Change the price in Tango now; seconds until the catalog shows it (None past timeout)."""
    start = time.monotonic()
    change_price(world, watched, price)
    while time.monotonic() - start <= timeout:
        if shows_price(world, watched, price):
            return time.monotonic() - start
        time.sleep(every)
    return None


def freshness_of(html: str) -> tuple[str, str] | None:
    """``("fresh" | "stale", text)`` of the page's freshness line."""
    match = FRESHNESS.search(html)
    return (match.group(1), match.group(2)) if match else None
