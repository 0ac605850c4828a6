"""``sync_once`` with the real pieces: the cloud server as a process, the seeded SQLite Tango,
the agent's client, reader and writer in this process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from activo.demo_seller import ScriptedSeller, article_codes
from activo.journal import Journal
from activo.pull_orders import Outcome
from activo.state_store import StateStore
from activo.sync_once import sync_once
from connectors.cloud.client import CloudAuthError, CloudClient
from connectors.cloud.contract import MasterKind
from connectors.tango.connection import open_connection
from connectors.tango.reader import MasterDataReader
from connectors.tango.seed import create_demo_database, demo_settings, seed_facts
from connectors.tango.writer import PedidoWriter
from tests.support.cloud_server import running_server

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path):
    facts = seed_facts()
    seller = next(s for s, cs in facts.customers_by_seller.items()
                  if set(cs) & set(facts.enabled_customers))
    customer = next(c for c in facts.customers_by_seller[seller] if c in facts.enabled_customers)
    db = create_demo_database(tmp_path / "tango")
    with running_server(tmp_path / "cloud") as server:
        server.create_company("acme")
        server.create_user("acme", "v@acme.com.ar", "vendedor", "clave-del-vendedor",
                           seller_code=seller)
        token = server.create_agent_token("acme")
        settings = demo_settings(db)
        with CloudClient(server.url, token, timeout_seconds=10) as client, \
                open_connection(settings) as conn:
            yield {
                "server": server, "client": client, "db": db, "customer": customer,
                "reader": MasterDataReader(conn, settings), "writer": PedidoWriter(conn, settings),
                "journal": Journal(StateStore(tmp_path / "state.sqlite3")),
            }


def _sync(world):
    return sync_once(world["client"], world["reader"], world["writer"], world["journal"],
                     batch_size=200, max_orders=10)


def test_a_pass_pushes_master_data_then_writes_the_orders_placed_meanwhile(world):
    first = _sync(world)
    assert first.ok, first.errors
    assert first.master.records[MasterKind.CUSTOMERS] > 0
    assert first.master.records[MasterKind.PRICES] > 0
    assert first.orders.orders == ()

    seller = ScriptedSeller(world["server"].url)
    seller.login("v@acme.com.ar", "clave-del-vendedor")
    codes = article_codes(seller.catalog(world["customer"]))[:2]
    order = seller.place_order(world["customer"], {c: "3" for c in codes}, "prueba")

    second = _sync(world)
    assert second.ok, second.errors
    [result] = second.orders.orders
    assert result.code == order and result.outcome is Outcome.WRITTEN
    assert seller.order_status(order).status == "in_tango"
    assert seller.order_status(order).tango_number == result.tango_number
    with sqlite3.connect(world["db"]) as conn:
        rows = conn.execute("SELECT NRO_PEDIDO FROM GVA21 WHERE ID_EXTERNO = ?", [order]).fetchall()
    assert rows == [(result.tango_number,)]
    assert "1 escritos en Tango" in second.line_es()

    third = _sync(world)
    assert third.orders.orders == ()  # acknowledged: never offered again
    seller.close()


def test_a_revoked_token_is_an_auth_error(world):
    world["server"].cli("agent-token", "revoke", "--company", "acme")
    with pytest.raises(CloudAuthError):
        _sync(world)


def test_activo_sync_once_prints_a_spanish_summary_and_exits_0(world, tmp_path):
    token = world["server"].create_agent_token("acme")
    config = tmp_path / "activo.toml"
    config.write_text(
        f'[cloud]\nurl = "{world["server"].url}"\n[tango]\nconnection = "sqlite:{world["db"]}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "ACTIVO_CLOUD_TOKEN": token, "ACTIVO_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "activo", "--config", str(config), "sync", "--once"],
        capture_output=True, text=True, env=env, timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Sincronización OK:")
    assert "Traceback" not in done.stderr
    log_text = (tmp_path / "data" / "logs" / "activo.log").read_text(encoding="utf-8")
    assert "master_data_batch_sent" in log_text
    assert token not in log_text and token not in done.stderr
