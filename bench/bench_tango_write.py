"""Benchmark: pedidos written into a Tango-shaped PostgreSQL through pyodbc + psqlODBC.

Starts its own throwaway cluster (tests/support/postgres.py), builds the schema and the demo
seed, then writes N orders × L lines with ``PedidoWriter`` (one transaction each: talonario
lock, ID_EXTERNO check, customer/article/depósito checks, ids, GVA21 + GVA03, PROXIMO) and
reports orders/s. Beside it, the ceiling: the same rows inserted with plain multi-row INSERTs
(one statement per table per 100 orders, no checks) into the same database.

    .venv/bin/python bench/bench_tango_write.py [--orders 1000] [--lines 10]
"""

from __future__ import annotations

import argparse
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


def bench_writer(settings: TangoSettings, orders: list, commit_stock: bool) -> float:
    settings = TangoSettings(**{**settings.__dict__, "commit_stock": commit_stock})
    with open_connection(settings) as conn:
        writer = PedidoWriter(conn, settings)
        writer.write(orders[0])  # warm-up: catalog and INSERT plans are read once per connection
        started = time.perf_counter()
        for order in orders[1:]:
            writer.write(order)
        elapsed = time.perf_counter() - started
    return (len(orders) - 1) / elapsed


def bench_raw_inserts(settings: TangoSettings, orders: list, per_statement: int = 100) -> float:
    """Rows/s of plain multi-row INSERTs of the same GVA21/GVA03 rows (the ceiling)."""
    with open_connection(settings) as conn:
        builder = InsertBuilder(conn, load_defaults())
        headers, lines = [], []
        for n, order in enumerate(orders):
            ctx = PedidoContext(talonario=99, nro_pedido=f"R{n:013d}", estado=2, deposit="1",
                                now_local=order.confirmed_at.replace(tzinfo=None), user="BENCH",
                                id_gva21=1_000_000 + n,
                                line_ids=tuple(2_000_000 + n * 100 + j
                                               for j in range(len(order.lines))))
            rows = map_pedido(order, ctx)
            headers.append(rows.header)
            lines.extend(rows.lines)
        builder.plan("GVA21", headers[0].keys())  # catalog read outside the timing
        builder.plan("GVA03", lines[0].keys())
        started = time.perf_counter()
        width = len(lines) // len(headers)
        for start in range(0, len(headers), per_statement):
            with conn.transaction():
                builder.insert("GVA21", headers[start:start + per_statement])
                builder.insert("GVA03", lines[start * width:(start + per_statement) * width])
        elapsed = time.perf_counter() - started
    return (len(headers) + len(lines)) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings only

    with running_cluster() as cluster:
        settings = _database(cluster)
        orders = _orders(args.orders + 1, args.lines, "BW")
        writer_rate = bench_writer(settings, orders, commit_stock=False)
        stock_rate = bench_writer(settings, _orders(args.orders + 1, args.lines, "BS"),
                                  commit_stock=True)
        raw_rate = bench_raw_inserts(settings, _orders(args.orders, args.lines, "BR"))
    rows_per_order = args.lines + 1
    print(f"PedidoWriter, PostgreSQL via psqlODBC, {args.orders} orders x {args.lines} lines:")
    print(f"  without stock commitment : {writer_rate:8.1f} orders/s "
          f"({writer_rate * rows_per_order:8.0f} rows/s)")
    print(f"  with STA19 commitment    : {stock_rate:8.1f} orders/s")
    print(f"  ceiling, raw multi-row INSERT of the same rows: {raw_rate:8.0f} rows/s "
          f"= {raw_rate / rows_per_order:8.1f} orders/s")
    print(f"  target {TARGET_ORDERS_PER_SECOND} orders/s: "
          f"{'met' if writer_rate >= TARGET_ORDERS_PER_SECOND else 'NOT met'}")
    return 0 if writer_rate >= TARGET_ORDERS_PER_SECOND else 1


if __name__ == "__main__":
    raise SystemExit(main())
