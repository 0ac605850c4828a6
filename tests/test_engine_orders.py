"""The engine as ``activo run --no-tray`` against the real cloud server process and a SQLite
Tango: orders in seconds, parked failures and ``activo retry``, pause/resume, commands."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from tests.test_engine_world import engine_world, rows_of, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path):
    with engine_world(tmp_path) as w:
        yield w


def test_an_order_confirmed_on_the_web_is_in_gva21_within_seconds(world):
    agent = world.start_agent()
    world.wait_for_master_data()
    code = world.place_order()
    confirmed = time.monotonic()
    number = wait_until(lambda: world.tango_number(code), 10, f"{code} never reached GVA21")
    latency = time.monotonic() - confirmed
    assert latency < 5, f"{latency:.1f} s from confirm to Tango"
    status = wait_until(lambda: world.seller.order_status(code).status == "in_tango", 10,
                        "the ack never reached the cloud")
    assert status
    assert world.seller.order_status(code).tango_number == number

    snapshot = world.status()
    assert snapshot["engine_running"] is True
    assert snapshot["orders_today"] == 1
    assert snapshot["order_errors"] == []
    assert any(r["job"] == "master_data" and r["ok"] for r in snapshot["runs"])
    assert world.stop_agent(agent) == 0
    assert world.status()["engine_running"] is False


def _disable_customer(world, code: str, disabled: bool) -> None:
    rows_of(world.tango_db, "UPDATE GVA14 SET FECHA_INHA = ? WHERE COD_CLIENT = ?",
            "2001-01-01 00:00:00" if disabled else None, code)


def test_a_business_failure_is_parked_does_not_block_others_and_is_retried(world):
    agent = world.start_agent()
    world.wait_for_master_data()
    # Tango disables the customer after the cloud learned it was enabled.
    _disable_customer(world, world.customer, True)
    bad = world.place_order("cliente inhabilitado")
    wait_until(lambda: world.seller.order_status(bad).status == "error", 15,
               "the business failure never reached the cloud")
    reason = world.seller.order_status(bad).error
    assert reason and "inhabilitado" in reason.lower()

    good = world.place_order("otro cliente", customer=world.second_customer)
    wait_until(lambda: world.tango_number(good), 10, "one bad order held back the next")

    snapshot = world.status()
    [error] = snapshot["order_errors"]
    assert error["code"] == bad and error["status"] == "parked" and error["reason"] == reason
    assert world.tango_number(bad) is None
    time.sleep(2)  # parked: not retried by itself
    assert world.tango_number(bad) is None

    _disable_customer(world, world.customer, False)
    done = world.activo("retry", bad)
    assert done.returncode == 0, done.stderr
    assert bad in done.stdout
    wait_until(lambda: world.tango_number(bad), 10, "activo retry did not write the order")
    wait_until(lambda: world.seller.order_status(bad).status == "in_tango", 10,
               "the retried order was not acknowledged")
    assert world.status()["order_errors"] == []
    assert world.stop_agent(agent) == 0


def test_pause_stops_writing_and_resume_picks_up_within_seconds(world):
    agent = world.start_agent()
    world.wait_for_master_data()
    assert world.activo("pause").returncode == 0
    wait_until(lambda: world.status()["paused"], 5, "pause not applied")
    time.sleep(6)  # a long poll started before the pause has ended (it would finish its orders)
    code = world.place_order("en pausa")
    time.sleep(4)
    assert world.tango_number(code) is None
    assert world.seller.order_status(code).status == "confirmed"  # not even leased
    assert world.activo("resume").returncode == 0
    wait_until(lambda: world.tango_number(code), 10, "resume did not pick the order up")
    assert world.stop_agent(agent) == 0


def test_commands_are_picked_up_within_a_second(world):
    from activo.state_store import StateStore

    agent = world.start_agent()
    wait_until(lambda: world.status()["engine_running"], 20, "engine never came up")
    assert world.activo("resync").returncode == 0
    with StateStore(world.data_dir / "state.sqlite3") as store:
        def picked():
            rows = store.query("SELECT requested_at, picked_at FROM commands "
                               "WHERE name = 'full_resync'")
            return rows if rows and rows[0]["picked_at"] else None

        [row] = wait_until(picked, 5, "the command was never picked up")
        delay = (datetime.fromisoformat(row["picked_at"])
                 - datetime.fromisoformat(row["requested_at"])).total_seconds()
    assert delay <= 1.2, f"picked up after {delay:.2f} s"
    assert world.stop_agent(agent) == 0


def test_a_second_engine_is_refused_naming_the_running_one(world):
    agent = world.start_agent()
    wait_until(lambda: world.status()["engine_running"], 20, "engine never came up")
    second = world.activo("run", "--no-tray", timeout=30)
    assert second.returncode == 1
    assert "Ya hay un motor de ACTIVO corriendo" in second.stderr
    assert f"PID {agent.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    once = world.activo("sync", "--once", timeout=30)
    assert once.returncode == 0 and "se le pidió sincronizar ahora" in once.stdout
    assert world.stop_agent(agent) == 0
