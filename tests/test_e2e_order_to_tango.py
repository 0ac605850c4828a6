"""End to end, each part a real process: the cloud server on 127.0.0.1, a seller confirming an
order over HTTP, ``activo sync --once`` writing it into a SQLite Tango database, and the ack
showing in the cloud. A second sync writes nothing new."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from activo.demo_seller import ScriptedSeller, article_codes
from connectors.tango.numbering import decode_proximo, display_nro_pedido, format_nro_pedido
from connectors.tango.seed import create_demo_database, seed_facts
from tests.support.cloud_server import running_server

pytestmark = pytest.mark.e2e

COMPANY = "e2e"
SELLER_EMAIL = "vendedor@e2e.com.ar"
SELLER_PASSWORD = "clave-de-prueba-123"


def _activo(config: Path, token: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ACTIVO_CLOUD_TOKEN": token, "ACTIVO_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "activo", "--config", str(config), *args],
        capture_output=True, text=True, env=env, timeout=180,
    )


def _rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def world(tmp_path):
    facts = seed_facts()
    tango_db = create_demo_database(tmp_path / "tango")
    with running_server(tmp_path / "cloud") as server:
        server.create_company(COMPANY)
        seller = next(code for code, customers in facts.customers_by_seller.items() if customers)
        server.create_user(COMPANY, SELLER_EMAIL, "vendedor", SELLER_PASSWORD, seller_code=seller)
        token = server.create_agent_token(COMPANY)
        config = tmp_path / "activo.toml"
        config.write_text(
            f'[cloud]\nurl = "{server.url}"\nlong_poll_seconds = 0\n\n'
            f'[tango]\nconnection = "sqlite:{tango_db.as_posix()}"\n'
            f"talonario = {facts.talonario}\ndeposit = \"{facts.deposits[0]}\"\n",
            encoding="utf-8",
        )
        customer = next(c for c in facts.customers_by_seller[seller]
                        if c in facts.enabled_customers)
        yield server, config, token, tango_db, customer, facts, tmp_path / "agent"


def test_confirmed_order_lands_in_tango_exactly_once(world):
    server, config, token, tango_db, customer, facts, data_dir = world

    first = _activo(config, token, data_dir, "sync", "--once")
    assert first.returncode == 0, first.stderr + first.stdout
    assert _rows(tango_db, "SELECT COUNT(*) FROM GVA21") == [(0,)]

    seller = ScriptedSeller(server.url)
    seller.login(SELLER_EMAIL, SELLER_PASSWORD)
    assert seller.sees_customer(customer), "master data pushed by the agent must reach the seller"
    codes = article_codes(seller.catalog(customer))[:3]
    assert len(codes) == 3
    order_code = seller.place_order(customer, {codes[0]: "2", codes[1]: "1", codes[2]: "5"},
                                    observations="Entregar por la mañana")
    assert len(order_code) <= 20
    assert seller.order_status(order_code).status == "confirmed"

    second = _activo(config, token, data_dir, "sync", "--once")
    assert second.returncode == 0, second.stderr + second.stdout
    assert second.stdout.strip().count("\n") == 0, "the summary is one line"

    expected = format_nro_pedido(facts.tipo, facts.sucursal, facts.first_number)
    header = _rows(tango_db, "SELECT NRO_PEDIDO, ID_EXTERNO, COD_CLIENT, TALON_PED, ID_GVA21 "
                             "FROM GVA21")
    assert header == [(expected, order_code, customer, facts.talonario, header[0][4])]
    lines = _rows(tango_db, "SELECT N_RENGLON, COD_ARTICU, CANT_PEDID FROM GVA03 "
                            "WHERE NRO_PEDIDO = ? ORDER BY N_RENGLON", expected)
    assert [(n, a, Decimal(str(q))) for n, a, q in lines] == [
        (1, codes[0], Decimal(2)), (2, codes[1], Decimal(1)), (3, codes[2], Decimal(5))]
    [(proximo,)] = _rows(tango_db, "SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?",
                         facts.talonario)
    assert decode_proximo(proximo) == facts.first_number + 1

    status = seller.order_status(order_code)
    assert status.status == "in_tango"
    assert status.tango_number in (expected, display_nro_pedido(expected))

    third = _activo(config, token, data_dir, "sync", "--once")
    assert third.returncode == 0, third.stderr + third.stdout
    assert _rows(tango_db, "SELECT COUNT(*) FROM GVA21") == [(1,)]
    assert _rows(tango_db, "SELECT COUNT(*) FROM GVA03") == [(3,)]
    [(proximo_after,)] = _rows(tango_db, "SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?",
                               facts.talonario)
    assert proximo_after == proximo


def test_sync_reports_unreachable_server_by_url(world, tmp_path):
    _server, _config, token, tango_db, _customer, facts, data_dir = world
    config = tmp_path / "unreachable.toml"
    config.write_text(
        '[cloud]\nurl = "http://127.0.0.1:9"\n\n'
        f'[tango]\nconnection = "sqlite:{tango_db.as_posix()}"\ntalonario = {facts.talonario}\n',
        encoding="utf-8",
    )
    done = _activo(config, token, data_dir, "sync", "--once")
    assert done.returncode != 0
    assert "http://127.0.0.1:9" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
