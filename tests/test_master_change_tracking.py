"""Change-tracked reading of Tango master data, on SQLite and on PostgreSQL through psqlODBC,
pushed to a real cloud server: an unchanged cycle reads (almost) no rows, and updates, inserts,
deletions, changes made during a push, resyncs and changes that skip the change column all
still reach the cloud. Assertions are on rows read, never on time."""

from __future__ import annotations

import secrets
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from activo.push_master_data import PushResult, push_master_data
from activo.record_hashes import RecordHashes
from activo.state_store import StateStore
from activo.tango_link import TangoLink
from connectors.cloud.client import CloudClient
from connectors.cloud.contract import MasterKind
from connectors.tango.doctor import run_checks
from connectors.tango.settings import DEFAULT_CHANGE_TRACKING
from tests.support.cloud_server import running_server
from tests.tango_suite import fixtures
from tests.tango_suite.databases import TangoDb

tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template

P, A, C, S = MasterKind.PRICES, MasterKind.ARTICLES, MasterKind.CUSTOMERS, MasterKind.STOCK
TRACKED = (A, P, C, S)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cloud")) as running:
        running.companies = {}  # backend → (company, token): each test has its own Tango and
        yield running  # state store, and checks only the cloud rows it changed itself


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    db: TangoDb
    server: object
    company: str
    client: CloudClient
    token: str
    store: StateStore
    clock: Clock
    tracking: dict

    def push(self, client: CloudClient | None = None) -> tuple[PushResult, Counter]:
        settings = self.db.with_settings(change_tracking=self.tracking)
        with TangoLink(settings) as tango:
            result = push_master_data(client or self.client, tango, batch_size=200,
                                      hashes=RecordHashes(self.store))
            read = Counter(tango.changes().rows_read)
        assert not result.errors, result.errors
        return result, read

    def tango(self, sql: str, *params: object) -> None:
        with self.db.connect() as conn:
            conn.run(sql, list(params))

    def cloud(self, sql: str, *params: object) -> list[tuple]:
        path = self.server.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            return conn.execute(sql.replace("WHERE", "JOIN companies c ON c.id = t.company_id "
                                            "WHERE c.slug = ? AND", 1),
                                (self.company, *params)).fetchall()


@pytest.fixture
def world(tango_db, server, tmp_path):
    if tango_db.kind not in server.companies:
        company = f"c{secrets.token_hex(4)}"
        server.create_company(company)
        server.companies[tango_db.kind] = (company, server.create_agent_token(company))
    company, token = server.companies[tango_db.kind]
    clock = Clock()
    with StateStore(tmp_path / "state.sqlite3", clock=clock) as store, \
            CloudClient(server.url, token, timeout_seconds=30) as client:
        yield World(tango_db, server, company, client, token, store, clock,
                    dict(DEFAULT_CHANGE_TRACKING))


def _first_price(world: World) -> tuple[int, str]:
    row = world.db.rows("SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 WHERE PRECIO IS NOT NULL "
                        "ORDER BY NRO_DE_LIS, COD_ARTICU")[0]
    return int(row["NRO_DE_LIS"]), str(row["COD_ARTICU"]).strip()


def _cloud_price(world: World, key: str) -> Decimal | None:
    rows = world.cloud("SELECT t.price FROM md_prices t WHERE t.record_key = ?", key)
    return Decimal(str(rows[0][0])) if rows else None


def test_an_unchanged_cycle_reads_no_row_of_the_tracked_tables(world):
    first, read_first = world.push()
    assert read_first[P] == first.records[P] > 100
    again, read = world.push()
    assert again.total == 0 and again.total_deleted == 0 and again.batches == 0
    assert all(read.get(kind, 0) == 0 for kind in TRACKED), read
    assert read[MasterKind.PRICE_LISTS] > 0  # small tables are read whole (default off)


def test_one_updated_price_is_the_one_row_read_and_sent(world):
    world.push()
    price_list, code = _first_price(world)
    world.tango("UPDATE GVA17 SET PRECIO = ? WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
                Decimal("4321.5"), price_list, code)
    pushed, read = world.push()
    assert read[P] == 1 and pushed.records[P] == 1 and pushed.total == 1
    assert _cloud_price(world, f"{price_list}|{code}") == Decimal("4321.5")


def test_a_deleted_row_is_found_by_count_and_keys(world):
    world.push()
    price_list, code = _first_price(world)
    world.tango("DELETE FROM GVA17 WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?", price_list, code)
    pushed, read = world.push()
    assert pushed.deleted[P] == 1 and read[P] == 0 and pushed.total == 0
    assert _cloud_price(world, f"{price_list}|{code}") is None
    again, _ = world.push()
    assert again.total_deleted == 0 and again.batches == 0  # remembered, no new keys scan


def test_an_inserted_customer_is_read_and_sent(world):
    world.push()
    with world.db.connect() as conn:
        columns = [c.name for c in conn.require_table("GVA14").columns if not c.generated]
        source = conn.query_one("SELECT COD_CLIENT FROM GVA14 ORDER BY COD_CLIENT")["COD_CLIENT"]
        top = conn.query_one("SELECT MAX(ID_GVA14) AS N FROM GVA14")["N"]
        values = {"COD_CLIENT": "'ZNEW1'", "ID_GVA14": str(int(top) + 1),
                  "COD_GVA14": "'ZNEW1'", "RAZON_SOCI": "'Cliente nuevo SA'"}
        select = ", ".join(values.get(c.upper(), c) for c in columns)
        conn.run(f"INSERT INTO GVA14 ({', '.join(columns)}) SELECT {select} FROM GVA14 "
                 "WHERE COD_CLIENT = ?", [source])
    pushed, read = world.push()
    assert read[C] == 1 and pushed.records[C] == 1 and pushed.total_deleted == 0
    assert world.cloud("SELECT t.name FROM md_customers t WHERE t.record_key = ?",
                       "ZNEW1") == [("Cliente nuevo SA",)]


def test_a_disabled_customer_is_a_change_like_any_update(world):
    world.push()
    code = world.db.rows("SELECT COD_CLIENT FROM GVA14 WHERE FECHA_INHA IS NULL "
                         "ORDER BY COD_CLIENT")[0]["COD_CLIENT"].strip()
    world.tango("UPDATE GVA14 SET FECHA_INHA = ? WHERE COD_CLIENT = ?",
                datetime(2024, 1, 1), code)
    pushed, read = world.push()
    assert read[C] == 1 and pushed.records[C] == 1 and pushed.total_deleted == 0
    assert world.cloud("SELECT t.enabled FROM md_customers t WHERE t.record_key = ?",
                       code) == [(0,)]


class ChangingClient(CloudClient):
    """Changes a price in Tango while the push of prices is under way (after reading)."""

    def __init__(self, *args, change, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.change, self.done = change, False

    def push_master_data(self, batch):
        if batch.kind == MasterKind.PRICES and not self.done:
            self.done = True
            self.change()
        return super().push_master_data(batch)


def test_a_change_made_during_a_push_is_read_on_the_next_one(world, server):
    world.push()
    keys = world.db.rows("SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 WHERE PRECIO IS NOT NULL "
                         "ORDER BY NRO_DE_LIS, COD_ARTICU")[:2]
    (l1, c1), (l2, c2) = [(int(k["NRO_DE_LIS"]), k["COD_ARTICU"].strip()) for k in keys]
    update = "UPDATE GVA17 SET PRECIO = ? WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?"
    world.tango(update, Decimal("111"), l1, c1)
    with ChangingClient(server.url, world.token, timeout_seconds=30,
                        change=lambda: world.tango(update, Decimal("222"), l2, c2)) as client:
        during, _ = world.push(client)
    assert client.done and during.records[P] == 1
    assert _cloud_price(world, f"{l1}|{c1}") == Decimal("111")
    after, read = world.push()
    assert after.records[P] == 1 and read[P] >= 1
    assert _cloud_price(world, f"{l2}|{c2}") == Decimal("222")


def test_resync_forgets_watermarks_and_reads_everything(world):
    first, read_first = world.push()
    assert world.store.query("SELECT COUNT(*) FROM master_watermarks")[0][0] == len(TRACKED)
    RecordHashes(world.store).forget()  # what «Reenviar catálogo completo» runs
    assert world.store.query("SELECT COUNT(*) FROM master_watermarks")[0][0] == 0
    again, read = world.push()
    assert read == read_first and again.total == first.total


def test_off_reads_every_row_every_time(world):
    world.tracking = dict.fromkeys(DEFAULT_CHANGE_TRACKING, "off")
    first, read_first = world.push()
    again, read = world.push()
    assert read == read_first and read[P] == first.records[P] and again.total == 0


def _fecha_modi_world(world: World) -> tuple[int, str]:
    """Prices tracked by FECHA_MODI holding dates only; one price changed on 2025-06-01."""
    world.tracking = {**DEFAULT_CHANGE_TRACKING, "prices": "fecha_modi"}
    world.tango("UPDATE GVA17 SET FECHA_MODI = ?", datetime(2025, 1, 10))
    price_list, code = _first_price(world)
    world.tango("UPDATE GVA17 SET FECHA_MODI = ? WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
                datetime(2025, 6, 1), price_list, code)
    return price_list, code


def test_fecha_modi_with_dates_only_rereads_the_day_and_catches_a_same_day_change(world):
    _fecha_modi_world(world)
    world.push()
    unchanged, read = world.push()
    assert read[P] == 1 and unchanged.total == 0  # the overlap re-reads that day's row only
    other = world.db.rows("SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 WHERE PRECIO IS NOT NULL "
                          "ORDER BY NRO_DE_LIS DESC, COD_ARTICU DESC")[0]
    price_list, code = int(other["NRO_DE_LIS"]), other["COD_ARTICU"].strip()
    world.tango("UPDATE GVA17 SET PRECIO = ?, FECHA_MODI = ? WHERE NRO_DE_LIS = ? AND "
                "COD_ARTICU = ?", Decimal("999"), datetime(2025, 6, 1), price_list, code)
    changed, read = world.push()
    assert read[P] == 2 and changed.records[P] == 1  # same date as the mark: still read
    assert _cloud_price(world, f"{price_list}|{code}") == Decimal("999")


def test_the_periodic_full_read_catches_a_change_that_skipped_the_change_column(world):
    _fecha_modi_world(world)
    full, _ = world.push()
    price_list, code = world.db.rows(
        "SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 WHERE FECHA_MODI < ? ORDER BY COD_ARTICU",
        (datetime(2025, 2, 1),))[0].values()
    code = code.strip()
    world.tango("UPDATE GVA17 SET PRECIO = ? WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
                Decimal("777"), price_list, code)  # FECHA_MODI left as it was
    missed, read = world.push()
    assert missed.total == 0 and read[P] == 1
    world.clock.now += timedelta(minutes=61)  # full_read_minutes (60) later
    caught, read = world.push()
    assert read[P] == full.records[P] and caught.records[P] == 1
    assert _cloud_price(world, f"{int(price_list)}|{code}") == Decimal("777")


def test_a_missing_change_column_is_reported_by_doctor_and_read_whole(world):
    world.tracking = {**DEFAULT_CHANGE_TRACKING, "stock": "fecha_modi"}  # STA19 has none
    results = {r.name: r for r in run_checks(
        world.db.with_settings(change_tracking=world.tracking))}
    check = results["seguimiento_cambios"]
    assert not check.ok and "STA19.FECHA_MODI no existe" in check.message_es
    assert "tango.change_tracking" in check.message_es
    first, _ = world.push()
    _, read = world.push()
    assert read[S] == first.records[S] > 0 and read[P] == 0


def test_row_version_is_new_on_every_update_and_refuses_explicit_values(tango_db):
    sql = "SELECT ROW_VERSION AS RV FROM GVA17 WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?"
    row = tango_db.rows("SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 ORDER BY COD_ARTICU")[0]
    key = (row["NRO_DE_LIS"], row["COD_ARTICU"])
    before = int(tango_db.rows(sql, key)[0]["RV"])
    top = max(int(r["RV"]) for r in tango_db.rows("SELECT ROW_VERSION AS RV FROM STA11"))
    with tango_db.connect() as conn:
        conn.run("UPDATE GVA17 SET PRECIO = PRECIO + 1 WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
                 list(key))
        after = int(conn.query_one(sql, key)["RV"])
        assert after > before and after > top  # one counter for the whole database
        assert conn.table("GVA17").get("ROW_VERSION").generated  # INSERTs leave it out
        with pytest.raises(Exception, match=r"(?i)row_version"):
            conn.run("UPDATE GVA17 SET ROW_VERSION = 5 WHERE NRO_DE_LIS = ? AND "
                     "COD_ARTICU = ?", list(key))
