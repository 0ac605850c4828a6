"""Benchmark: the agent's delta push of master data, Tango-shaped PostgreSQL (ODBC) → cloud.

Starts a throwaway PostgreSQL cluster (tests/support/postgres.py), builds the Tango schema with
the demo seed, then grows it to 20,000 articles, 5 price lists (100,000 prices), 5,000 customers
and 20,000 stock rows (``INSERT … SELECT`` from a seed row over ``generate_series``). For each
cloud database (SQLite file, then a PostgreSQL database in the same cluster) it starts a real
``castor-cloud serve`` on 127.0.0.1 and measures, with a fresh local state store:

- full push (every record; target ≤ 30 s);
- unchanged cycle (target ≤ 2 s, 0 records sent; change tracking reads only changed rows);
- 1 % changed (1 % of articles, prices and stock changed in Tango; target ≤ 3 s, only those);
- unchanged cycle with change tracking off (every row read and hashed), for comparison.

Each line also gives the rows read from Tango per kind and the time spent reading Tango
(fetching and turning rows into records) and hashing records.

    .venv/bin/python bench/bench_master_push.py [--batch-size 1000] [--servers sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402

import activo.push_master_data as push_module  # noqa: E402
from activo.push_master_data import PushResult, push_master_data  # noqa: E402
from activo.record_hashes import RecordHashes  # noqa: E402
from activo.state_store import StateStore  # noqa: E402
from activo.tango_link import TangoLink  # noqa: E402
from connectors.cloud.client import CloudClient  # noqa: E402
from connectors.tango.ddl import create_schema  # noqa: E402
from connectors.tango.seed import seed_dbapi  # noqa: E402
from connectors.tango.settings import parse_change_tracking  # noqa: E402
from tests.support.cloud_server import running_server  # noqa: E402
from tests.support.postgres import running_cluster  # noqa: E402
from tests.tango_suite.databases import pg_empty_database, pg_settings  # noqa: E402

ARTICLES, LISTS, CUSTOMERS = 20_000, 5, 5_000
TARGETS = {"full": 30.0, "unchanged": 2.0, "changed": 3.0}


def _columns(cur, table: str) -> list[str]:
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_generated = 'NEVER' AND identity_generation IS NULL "
                "ORDER BY ordinal_position", (table,))
    return [r[0] for r in cur.fetchall()]


def _clone(cur, table: str, count: int, template: str, overrides: dict[str, str]) -> None:
    """Insert ``count`` copies of the row picked by ``template`` with ``overrides`` (SQL in g)."""
    cols = _columns(cur, table)
    select = ", ".join(overrides.get(c, f"t.{c}") for c in cols)
    cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} "
                f"FROM (SELECT * FROM {table} WHERE {template} LIMIT 1) t, "
                f"generate_series(1, {count}) g")


def grow(conninfo: str) -> dict[str, int]:
    """Bring the seeded database to the benchmark's sizes; returns the row counts."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM sta11")
        extra = ARTICLES - cur.fetchone()[0]
        code = "'B' || lpad(g::text, 7, '0')"
        _clone(cur, "sta11", extra, "perfil <> 'N' AND stock", {
            "cod_articu": code, "cod_sta11": code, "id_sta11": "1000000 + g",
            "descripcio": "'Artículo de prueba ' || g",
            "cod_barra": "'779' || lpad(g::text, 10, '0')",
            "sinonimo": "'S' || g"})
        cur.execute("SELECT count(*), max(nro_de_lis), max(id_gva10) FROM gva10")
        lists, top, top_id = cur.fetchone()
        _clone(cur, "gva10", LISTS - lists, "true", {
            "nro_de_lis": f"{top} + g", "id_gva10": f"{top_id} + g",
            "nombre_lis": "'Lista bench ' || g"} if "nombre_lis" in _columns(cur, "gva10")
            else {"nro_de_lis": f"{top} + g", "id_gva10": f"{top_id} + g"})
        cols = _columns(cur, "gva17")
        cur.execute("DELETE FROM gva17")
        values = {"cod_articu": "a.cod_articu", "nro_de_lis": "l.nro_de_lis",
                  "precio": "100 + (a.id_sta11 % 997) + l.nro_de_lis", "fecha_modi": "now()",
                  "id_gva17": "row_number() OVER ()", "id_gva10": "l.id_gva10",
                  "id_sta11": "a.id_sta11"}
        cur.execute(f"INSERT INTO gva17 ({', '.join(cols)}) SELECT "
                    f"{', '.join(values.get(c, 'NULL') for c in cols)} FROM sta11 a, gva10 l")
        cur.execute("SELECT count(*) FROM gva14")
        code = "'Z' || lpad(g::text, 5, '0')"
        _clone(cur, "gva14", CUSTOMERS - cur.fetchone()[0], "true", {
            "cod_client": code, "cod_gva14": code, "id_gva14": "1000000 + g",
            "razon_soci": "'Cliente de prueba ' || g"})
        cur.execute("SELECT cod_deposi FROM sta19 LIMIT 1")
        deposit = cur.fetchone()[0]
        cols = _columns(cur, "sta19")
        cur.execute("DELETE FROM sta19")
        values = {"cod_articu": "a.cod_articu", "cod_deposi": f"'{deposit}'",
                  "cant_stock": "a.id_sta11 % 500", "cant_comp": "0", "cant_pend": "0",
                  "id_sta11": "a.id_sta11"}
        cur.execute(f"INSERT INTO sta19 ({', '.join(cols)}) SELECT "
                    f"{', '.join(values.get(c, 'NULL') for c in cols)} FROM sta11 a")
        conn.commit()
        counts = {}
        for table in ("sta11", "gva10", "gva17", "gva14", "sta19"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        return counts


def change_one_percent(conninfo: str) -> int:
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("UPDATE gva17 SET precio = precio + 1 WHERE id_gva17 % 100 = 0")
        changed = cur.rowcount
        cur.execute("UPDATE sta19 SET cant_stock = cant_stock + 1 WHERE id_sta11 % 100 = 0")
        changed += cur.rowcount
        cur.execute("UPDATE sta11 SET descripcio = descripcio || ' *' WHERE id_sta11 % 100 = 0")
        changed += cur.rowcount
        conn.commit()
    return changed


class Split:
    """Seconds spent reading Tango and hashing records during one push."""

    def __init__(self) -> None:
        self.read = self.hash = 0.0
        self.rows: dict[str, int] = {}

    def calls(self, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.read += time.perf_counter() - start
        return timed

    def iterates(self, fn):
        def timed(*args, **kwargs):
            items = iter(fn(*args, **kwargs))
            while True:
                start = time.perf_counter()
                try:
                    item = next(items)
                except StopIteration:
                    return
                finally:
                    self.read += time.perf_counter() - start
                yield item
        return timed

    def hashing(self, fn):
        def timed(record):
            start = time.perf_counter()
            try:
                return fn(record)
            finally:
                self.hash += time.perf_counter() - start
        return timed


def timed_push(settings, client, hashes, batch_size: int) -> tuple[float, PushResult, Split]:
    split = Split()
    original_hash = push_module.record_hash
    push_module.record_hash = split.hashing(original_hash)
    try:
        start = time.perf_counter()
        with TangoLink(settings) as tango:
            reader = tango.changes()
            reader.read = split.iterates(reader.read)
            reader.row_keys = split.iterates(reader.row_keys)
            reader.row_count = split.calls(reader.row_count)
            reader.change_anchor = split.calls(reader.change_anchor)
            result = push_master_data(client, tango, batch_size=batch_size, hashes=hashes)
            split.rows = {kind.value: n for kind, n in reader.rows_read.items()}
        return time.perf_counter() - start, result, split
    finally:
        push_module.record_hash = original_hash


def run(batch_size: int, servers: list[str]) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    with running_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        name, raw = pg_empty_database(cluster)
        create_schema(raw, "postgresql")
        seed_dbapi(raw, "postgresql")
        raw.close()
        started = time.perf_counter()
        counts = grow(cluster.psycopg_conninfo(name))
        print(f"tango rows {counts} (built in {time.perf_counter() - started:.1f} s)")
        settings = pg_settings(cluster, name)
        for kind in servers:
            work = Path(tmp) / kind
            url = None if kind == "sqlite" else cluster.psycopg_url(cluster.create_database())
            with running_server(work, url) as server, \
                    StateStore(work / "state.sqlite3") as store:
                server.create_company("bench")
                token = server.create_agent_token("bench")
                hashes = RecordHashes(store)
                untracked = replace(settings, change_tracking=parse_change_tracking("off"))
                with CloudClient(server.url, token, timeout_seconds=120) as client:
                    full = timed_push(settings, client, hashes, batch_size)
                    same = timed_push(settings, client, hashes, batch_size)
                    changed = change_one_percent(cluster.psycopg_conninfo(name))
                    delta = timed_push(settings, client, hashes, batch_size)
                    whole = timed_push(untracked, client, hashes, batch_size)
                    change_one_percent(cluster.psycopg_conninfo(name))  # next server: fresh
                for label, (secs, res, split), target in (
                        ("full", full, TARGETS["full"]),
                        ("unchanged", same, TARGETS["unchanged"]),
                        ("changed", delta, TARGETS["changed"]),
                        ("unchanged-untracked", whole, TARGETS["unchanged"])):
                    verdict = "OK" if secs <= target and not res.errors else "MISSED"
                    print(f"server={kind:10s} {label:19s} {secs:6.2f} s (target ≤ {target:g} s) "
                          f"sent={res.total} deleted={res.total_deleted} batches={res.batches} "
                          f"unchanged={res.unchanged} errors={len(res.errors)} {verdict}")
                    print(f"    read {split.read:5.2f} s, hash {split.hash:5.2f} s, rows read "
                          f"{sum(split.rows.values())}: "
                          + ", ".join(f"{k}={n}" for k, n in split.rows.items()))
                print(f"server={kind:10s} changed in Tango: {changed} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--servers", default="sqlite,postgresql")
    args = parser.parse_args()
    os.environ.setdefault("CASTOR_LOG_LEVEL", "WARNING")
    run(args.batch_size, args.servers.split(","))


if __name__ == "__main__":
    main()
