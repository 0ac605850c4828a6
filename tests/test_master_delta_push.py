"""Delta push of master data against a real server process and a real sqlite Tango:
change detection, deletions, resume after the server died mid-push, idempotent re-delivery."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from activo.push_master_data import push_master_data
from activo.record_hashes import RecordHashes, record_hash
from activo.state_store import StateStore
from activo.tango_link import TangoLink
from connectors.cloud.client import CloudClient
from connectors.cloud.contract import Article, MasterDataBatch, MasterKind, Price
from connectors.tango.seed import create_demo_database, demo_settings
from tests.support.cloud_server import running_server


def _tango(db, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _cloud(server, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        return conn.execute(sql, params).fetchall()


def _price_key(db) -> tuple[int, str]:
    return _tango(db, "SELECT NRO_DE_LIS, COD_ARTICU FROM GVA17 WHERE PRECIO IS NOT NULL "
                      "ORDER BY NRO_DE_LIS, COD_ARTICU LIMIT 1")[0]


@pytest.fixture
def world(tmp_path):
    db = create_demo_database(tmp_path / "tango")
    with running_server(tmp_path / "cloud") as server:
        server.create_company("acme")
        token = server.create_agent_token("acme")
        with StateStore(tmp_path / "state.sqlite3") as store, \
                CloudClient(server.url, token, timeout_seconds=10) as client:
            yield {"db": db, "server": server, "token": token, "client": client,
                   "hashes": RecordHashes(store), "settings": demo_settings(db),
                   "tmp": tmp_path}


def _push(world, client=None, batch_size=200, **kw):
    with TangoLink(world["settings"]) as tango:
        return push_master_data(client or world["client"], tango, batch_size=batch_size,
                                hashes=world["hashes"], **kw)


def test_record_hash_is_stable_and_sees_every_field():
    a = Article(code="A1", description="Tornillo", vat_rate=Decimal("21"))
    assert record_hash(a) == record_hash(Article(description="Tornillo", code="A1"))
    assert record_hash(a) != record_hash(Article(code="A1", description="Tornillo", sellable=False))
    assert len(record_hash(a)) == 64


def test_an_unchanged_cycle_sends_nothing_and_a_price_change_sends_exactly_that_price(world):
    first = _push(world)
    assert not first.errors, first.errors
    assert first.records[MasterKind.PRICES] > 100 and first.records[MasterKind.ARTICLES] > 100

    again = _push(world)
    assert not again.errors
    assert again.total == 0 and again.total_deleted == 0 and again.batches == 0
    assert again.unchanged == first.total

    price_list, code = _price_key(world["db"])
    _tango(world["db"], "UPDATE GVA17 SET PRECIO = 12345.67 WHERE NRO_DE_LIS = ? AND "
                        "COD_ARTICU = ?", price_list, code)
    changed = _push(world)
    assert changed.records[MasterKind.PRICES] == 1 and changed.total == 1
    assert changed.batches == 1
    stored = _cloud(world["server"], "SELECT price FROM md_prices WHERE record_key = ?",
                    f"{price_list}|{code}")
    assert Decimal(str(stored[0][0])) == Decimal("12345.67")


def test_rows_deleted_in_tango_are_deleted_in_the_cloud(world):
    assert not _push(world).errors
    price_list, price_code = _price_key(world["db"])
    article = _tango(world["db"], "SELECT COD_ARTICU FROM STA11 ORDER BY COD_ARTICU DESC "
                                  "LIMIT 1")[0][0]
    assert _cloud(world["server"], "SELECT 1 FROM md_articles WHERE record_key = ?", article)
    _tango(world["db"], "DELETE FROM GVA17 WHERE NRO_DE_LIS = ? AND COD_ARTICU = ?",
           price_list, price_code)
    _tango(world["db"], "DELETE FROM STA11 WHERE COD_ARTICU = ?", article)

    pushed = _push(world)
    assert not pushed.errors
    assert pushed.deleted[MasterKind.ARTICLES] == 1
    assert pushed.deleted[MasterKind.PRICES] >= 1
    assert not _cloud(world["server"], "SELECT 1 FROM md_articles WHERE record_key = ?", article)
    assert not _cloud(world["server"], "SELECT 1 FROM md_prices WHERE record_key = ?",
                      f"{price_list}|{price_code}")
    assert not _cloud(world["server"], "SELECT 1 FROM md_article_words WHERE article_code = ?",
                      article)
    assert _push(world).total_deleted == 0  # the deletion was acknowledged and remembered


def test_a_disabled_article_travels_as_not_sellable_and_stays_in_the_cloud(world):
    assert not _push(world).errors
    code = _tango(world["db"], "SELECT COD_ARTICU FROM STA11 WHERE PERFIL <> 'N' "
                               "ORDER BY COD_ARTICU LIMIT 1")[0][0]
    _tango(world["db"], "UPDATE STA11 SET PERFIL = 'N' WHERE COD_ARTICU = ?", code)
    pushed = _push(world)
    assert pushed.records[MasterKind.ARTICLES] == 1 and pushed.total_deleted == 0
    assert _cloud(world["server"], "SELECT sellable FROM md_articles WHERE record_key = ?",
                  code) == [(0,)]


class KillingClient(CloudClient):
    """Kills the server process right after it acknowledged ``after`` batches."""

    def __init__(self, *args, server, after: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.server, self.after, self.acked = server, after, 0

    def push_master_data(self, batch):
        ack = super().push_master_data(batch)
        self.acked += 1
        if self.acked == self.after:
            self.server.process.kill()
            self.server.process.wait(timeout=10)
        return ack


def test_a_push_cut_off_by_a_dead_server_resumes_with_only_the_unacknowledged_rest(world):
    server = world["server"]
    total_articles = _tango(world["db"], "SELECT COUNT(*) FROM STA11")[0][0]
    with KillingClient(server.url, world["token"], timeout_seconds=5, retries=0,
                       server=server, after=3) as client:
        cut = _push(world, client, batch_size=50, kinds=(MasterKind.ARTICLES,))
    assert cut.cloud_unavailable and cut.batches == 3
    assert cut.records[MasterKind.ARTICLES] == 150
    assert len(world["hashes"].known(MasterKind.ARTICLES)) == 150
    assert _cloud(server, "SELECT COUNT(*) FROM md_articles")[0][0] == 150

    with running_server(world["tmp"] / "cloud", database_url=server.database_url) as again, \
            CloudClient(again.url, world["token"], timeout_seconds=10) as client:
        rest = _push(world, client, batch_size=50, kinds=(MasterKind.ARTICLES,))
        assert not rest.errors
        assert rest.records[MasterKind.ARTICLES] == total_articles - 150
        assert rest.unchanged == 150
        assert _cloud(again, "SELECT COUNT(*) FROM md_articles")[0][0] == total_articles
        assert _push(world, client, kinds=(MasterKind.ARTICLES,)).total == 0


def test_the_same_batch_delivered_twice_leaves_the_same_state(world):
    client = world["client"]
    prices = [Price(price_list=1, article_code=f"X{i}", price=Decimal(f"{i}.50"))
              for i in range(20)]
    batch = MasterDataBatch.of(MasterKind.PRICES, "prices-repeated", prices, ["1|NOPE"])
    state = "SELECT record_key, price FROM md_prices WHERE article_code LIKE 'X%' ORDER BY 1"
    first = client.push_master_data(batch)
    before = _cloud(world["server"], state)
    second = client.push_master_data(batch)
    assert (first.upserted, second.upserted) == (20, 20)
    assert _cloud(world["server"], state) == before and len(before) == 20


def test_full_resync_forgets_the_hashes_and_sends_everything_again(world):
    first = _push(world)
    assert world["hashes"].forget() == first.total
    assert _push(world).total == first.total
