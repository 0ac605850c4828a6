"""Benchmark: pedidos written into a Tango-shaped PostgreSQL through pyodbc + psqlODBC.

Starts its own throwaway cluster (tests/support/postgres.py), builds the schema and the demo
seed, then writes N orders × L lines with ``PedidoWriter`` (one transaction each: talonario
lock, ID_EXTERNO check, customer/article/depósito checks, ids, GVA21 + GVA03, PROXIMO) and
reports orders/s. Beside it, the ceiling: the same rows inserted with plain multi-row INSERTs
(statements and parameters built beforehand, ~66 rows per statement, one transaction per
slice, no checks) into the same database.

    .venv/bin/python bench/bench_tango_write.py [--orders 1000] [--lines 10] [--rounds 10]
        [--options "UseServerSidePrepare=1;"]

The writer (without and with STA19) and the ceiling alternate in ``--rounds`` slices of the
backlog, so all three run under the same machine load; ``writer / ceiling`` is the figure to
compare between runs on a shared machine. The load average is printed beside it.
Recommended psqlODBC setting: ``UseServerSidePrepare=1`` (the driver's default, the bench's
default ``--options``); ``=0`` is ~30 % slower relative to the ceiling, ``Protocol=7.4-0``
made no measurable difference.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402

from connectors.tango.connection import open_connection  # noqa: E402
from connectors.tango.ddl import create_schema  # noqa: E402
from connectors.tango.defaults import load_defaults  # noqa: E402
from connectors.tango.inserts import InsertBuilder  # noqa: E402
from connectors.tango.mapping import PedidoContext, map_pedido  # noqa: E402
from connectors.tango.seed import seed_dbapi  # noqa: E402
from connectors.tango.seed_data import seed_facts  # noqa: E402
from connectors.tango.settings import TangoSettings  # noqa: E402
from connectors.tango.writer import PedidoWriter  # noqa: E402
from tests.support.postgres import running_cluster  # noqa: E402
from tests.tango_suite.orders import make_order  # noqa: E402

TARGET_ORDERS_PER_SECOND = 200
# The psqlODBC setting the writer is measured and recommended with (see the module doc).
RECOMMENDED_PSQLODBC_OPTIONS = "UseServerSidePrepare=1;"


def _orders(count: int, lines: int, prefix: str) -> list:
    facts = seed_facts()
    stocked = [a for a in facts.sellable_articles if a not in facts.non_stock_articles]
    return [make_order(f"{prefix}-{i:07d}",
                       articles=tuple(stocked[(i * 7 + j) % len(stocked)] for j in range(lines)),
                       quantities=tuple(Decimal(1 + (i + j) % 12) for j in range(lines)),
                       customer_code=facts.enabled_customers[i % len(facts.enabled_customers)])
            for i in range(count)]


def _database(cluster) -> TangoSettings:
    import pyodbc

    name = cluster.create_database(f"bench_{secrets.token_hex(4)}")
    raw = pyodbc.connect(cluster.odbc_connection_string(name) + f"PWD={cluster.password};",
                         autocommit=True)
    try:
        create_schema(raw, "postgresql")
        seed_dbapi(raw, "postgresql")
    finally:
        raw.close()
    facts = seed_facts()
    return TangoSettings(connection=cluster.odbc_connection_string(name),
                         password=cluster.password, talonario=facts.talonario,
                         deposit=facts.deposits[0])


class _Timed:
    """Seconds spent and orders done by one contender, summed over the rounds."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.orders = 0

    def rate(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0


class _Writer:
    """A ``PedidoWriter`` on its own connection, warmed up (catalog and plans read)."""

    def __init__(self, settings: TangoSettings, orders: list, commit_stock: bool) -> None:
        settings = TangoSettings(**{**settings.__dict__, "commit_stock": commit_stock})
        self.conn = open_connection(settings)
        self.writer = PedidoWriter(self.conn, settings)
        self.writer.write(orders[0])  # warm-up: catalog and INSERT plans are read once
        self.orders = orders[1:]
        self.timed = _Timed()

    def run(self, start: int, stop: int) -> None:
        began = time.perf_counter()
        for order in self.orders[start:stop]:
            self.writer.write(order)
        self.timed.seconds += time.perf_counter() - began
        self.timed.orders += len(self.orders[start:stop])


class _Ceiling:
    """Plain multi-row INSERTs of the same GVA21/GVA03 rows, one transaction per slice.

    Statements and parameters are built before the clock starts: the ceiling is what the
    database and the driver can take, whatever the connector's Python costs."""

    def __init__(self, settings: TangoSettings, orders: list) -> None:
        self.conn = open_connection(settings)
        builder = InsertBuilder(self.conn, load_defaults())
        self.headers, self.lines = [], []
        for n, order in enumerate(orders):
            ctx = PedidoContext(talonario=99, nro_pedido=f"R{n:013d}", estado=2, deposit="1",
                                now_local=order.confirmed_at.replace(tzinfo=None), user="BENCH",
                                id_gva21=1_000_000 + n,
                                line_ids=tuple(2_000_000 + n * 100 + j
                                               for j in range(len(order.lines))))
            rows = map_pedido(order, ctx)
            self.headers.append(rows.header)
            self.lines.append(rows.lines)
        self.builder = builder
        self.timed = _Timed()
        self.rows = 0

    def run(self, start: int, stop: int) -> None:
        lines = [line for order_lines in self.lines[start:stop] for line in order_lines]
        statements = (self.builder.statements("GVA21", self.headers[start:stop])
                      + self.builder.statements("GVA03", lines))
        began = time.perf_counter()
        with self.conn.transaction():
            for sql, params in statements:
                self.conn.run(sql, params)
        self.timed.seconds += time.perf_counter() - began
        self.timed.orders += stop - start
        self.rows += stop - start + len(lines)


def run_bench(settings: TangoSettings, count: int, lines: int, rounds: int) -> dict:
    """Writer (without and with STA19) and ceiling, interleaved in ``rounds`` slices of the
    backlog so that all three see the same machine load."""
    plain = _Writer(settings, _orders(count + 1, lines, "BW"), commit_stock=False)
    stock = _Writer(settings, _orders(count + 1, lines, "BS"), commit_stock=True)
    ceiling = _Ceiling(settings, _orders(count, lines, "BR"))
    step = max(1, -(-count // rounds))
    loads = [os.getloadavg()[0]]
    try:
        for start in range(0, count, step):
            stop = min(count, start + step)
            plain.run(start, stop)
            ceiling.run(start, stop)
            stock.run(start, stop)
            loads.append(os.getloadavg()[0])
    finally:
        for part in (plain, stock, ceiling):
            part.conn.close()
    return {"writer": plain.timed.rate(), "stock": stock.timed.rate(),
            "ceiling_rows": ceiling.rows / ceiling.timed.seconds,
            "ceiling_orders": ceiling.timed.rate(), "load": (min(loads), max(loads))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10,
                        help="slices the writer and the ceiling alternate in (same load)")
    parser.add_argument("--options", default=RECOMMENDED_PSQLODBC_OPTIONS,
                        help="psqlODBC options appended to the connection string "
                             f"(default: {RECOMMENDED_PSQLODBC_OPTIONS!r})")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings only

    with running_cluster() as cluster:
        settings = _database(cluster)
        if args.options:
            settings = TangoSettings(**{**settings.__dict__,
                                        "connection": settings.connection + args.options})
        got = run_bench(settings, args.orders, args.lines, args.rounds)
    rows_per_order = args.lines + 1
    writer_rate = got["writer"]
    low, high = got["load"]
    print(f"PedidoWriter, PostgreSQL via psqlODBC, {args.orders} orders x {args.lines} lines, "
          f"options {args.options!r}:")
    print(f"  without stock commitment : {writer_rate:8.1f} orders/s "
          f"({writer_rate * rows_per_order:8.0f} rows/s)")
    print(f"  with STA19 commitment    : {got['stock']:8.1f} orders/s")
    print(f"  ceiling, raw multi-row INSERT of the same rows: {got['ceiling_rows']:8.0f} rows/s "
          f"= {got['ceiling_orders']:8.1f} orders/s")
    print(f"  writer / ceiling         : {writer_rate / got['ceiling_orders']:8.2f} "
          f"(with STA19 {got['stock'] / got['ceiling_orders']:.2f})")
    print(f"  load average (1 min) during the run: {low:.2f}-{high:.2f} on "
          f"{os.cpu_count()} CPUs")
    print(f"  target {TARGET_ORDERS_PER_SECOND} orders/s: "
          f"{'met' if writer_rate >= TARGET_ORDERS_PER_SECOND else 'NOT met'}")
    return 0 if writer_rate >= TARGET_ORDERS_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
