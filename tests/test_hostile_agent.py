"""Bad data on the agent's side, end to end (cloud server process + ``activo sync --once`` +
SQLite Tango): a customer disabled in Tango after the order was confirmed in the cloud is a
business error in plain Spanish shown in the cloud, and does not hold back the next order."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from activo.demo_seller import ScriptedSeller, article_codes
from connectors.tango.seed import create_demo_database, seed_facts
from tests.support.cloud_server import running_server

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "clave-hostil-123"


def test_customer_disabled_after_confirmation_is_a_spanish_error_and_blocks_nothing(tmp_path):
    facts = seed_facts()
    tango = create_demo_database(tmp_path / "tango")
    seller_code = next(s for s, cs in facts.customers_by_seller.items()
                       if len([c for c in cs if c in facts.enabled_customers]) >= 2)
    first, second = [c for c in facts.customers_by_seller[seller_code]
                     if c in facts.enabled_customers][:2]
    with running_server(tmp_path / "cloud") as server:
        server.create_company("hostil")
        server.create_user("hostil", "v@hostil.com.ar", "vendedor", PASSWORD,
                           seller_code=seller_code)
        token = server.create_agent_token("hostil")
        config = tmp_path / "activo.toml"
        config.write_text(
            f'[cloud]\nurl = "{server.url}"\nlong_poll_seconds = 0\n\n[tango]\nconnection = '
            f'"sqlite:{tango.as_posix()}"\ntalonario = {facts.talonario}\n'
            f'deposit = "{facts.deposits[0]}"\n', encoding="utf-8")
        env = {**os.environ, "ACTIVO_CLOUD_TOKEN": token,
               "ACTIVO_DATA_DIR": str(tmp_path / "agent")}

        def sync() -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "activo", "--config", str(config),
                                   "sync", "--once"], capture_output=True, text=True, env=env,
                                  timeout=180, cwd=ROOT)

        assert sync().returncode == 0
        seller = ScriptedSeller(server.url)
        seller.login("v@hostil.com.ar", PASSWORD)
        codes = article_codes(seller.catalog(first))[:1]
        doomed = seller.place_order(first, {codes[0]: "1"}, "se inhabilita después")
        fine = seller.place_order(second, {codes[0]: "2"}, "este pasa")

        # IT disables the customer in Tango after the rep confirmed the order.
        with contextlib.closing(sqlite3.connect(tango)) as conn, conn:
            conn.execute("UPDATE GVA14 SET FECHA_INHA = (SELECT FECHA_INHA FROM GVA14 "
                         "WHERE COD_CLIENT = ?) WHERE COD_CLIENT = ?",
                         (facts.disabled_customers[0], first))
        done = sync()
        assert "Traceback" not in done.stderr
        bad = seller.order_status(doomed)
        good = seller.order_status(fine)
        assert bad.status == "error" and "inhabilitado" in (bad.error or ""), bad
        assert good.status == "in_tango" and good.tango_number, good
        with contextlib.closing(sqlite3.connect(tango)) as conn:
            rows = conn.execute("SELECT ID_EXTERNO FROM GVA21").fetchall()
        assert rows == [(fine,)]
        # A business error is parked, not retried in a loop: a third pass writes nothing new.
        sync()
        assert seller.order_status(doomed).status == "error"
