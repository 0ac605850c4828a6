"""The engine facing a cloud that says no: a revoked token (red, no hammering), another
agent holding the company (409, ``--take-over``); and the logs of a full run hold no secret."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from connectors.cloud.client import CloudClient
from connectors.cloud.contract import Heartbeat
from tests.test_engine_world import SQL_PASSWORD, engine_world, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path):
    with engine_world(tmp_path) as w:
        yield w


def _agent_calls(world) -> int:
    return world.server.log_path.read_text(errors="replace").count("POST /api/v1/agent/")


def test_a_revoked_token_turns_red_and_the_engine_stops_calling(world):
    agent = world.start_agent()
    world.wait_for_master_data()
    world.server.cli("agent-token", "revoke", "--company", "motor")
    problems = wait_until(lambda: world.status()["problems"].get("auth"), 20,
                          "the rejected token was never reported")
    assert "Token inválido" in problems
    time.sleep(1.5)  # let a call in flight land
    before = _agent_calls(world)
    time.sleep(12)  # longer than the heartbeat interval (10 s) and two long polls
    assert _agent_calls(world) - before == 0, "the engine kept calling with a rejected token"
    assert world.status()["engine_running"] is True  # red, but alive: IT can fix the token
    assert world.stop_agent(agent) == 0


def test_another_agent_holding_the_company_is_shown_and_take_over_wins(world):
    with CloudClient(world.server.url, world.token, timeout_seconds=10) as other:
        now = datetime.now(UTC)
        other.heartbeat(Heartbeat(agent_version="0.0.9", host="OTRO-SERVIDOR", started_at=now,
                                  sent_at=now))
    agent = world.start_agent()
    message = wait_until(lambda: world.status()["problems"].get("conflict"), 20,
                         "the 409 was never shown")
    assert message == "otro ACTIVO ya está sincronizando esta empresa desde OTRO-SERVIDOR"
    assert world.stop_agent(agent) == 0
    assert "master_data_batch_sent" not in world.agent_log()  # it did not sync meanwhile

    agent = world.start_agent("--take-over", log_name="agent-2.log")
    world.wait_for_master_data()
    code = world.place_order("después de tomar el control")
    wait_until(lambda: world.tango_number(code), 15, "take-over did not start syncing")
    assert "conflict" not in world.status()["problems"]
    assert world.stop_agent(agent) == 0


def test_the_logs_of_a_full_run_hold_neither_the_token_nor_the_sql_password(world):
    agent = world.start_agent()
    world.wait_for_master_data()
    code = world.place_order("secretos")
    wait_until(lambda: world.tango_number(code), 15, "order not written")
    once = world.activo("sync", "--once")  # the engine runs: answered through a command
    assert once.returncode == 0
    assert world.stop_agent(agent) == 0
    doctor = world.activo("doctor")
    files = [p for p in world.data_dir.rglob("*") if p.is_file()]
    files.append(world.data_dir.parent / "agent.log")
    assert any(p.name == "activo.log" for p in files)
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert world.token not in text, f"token found in {path}"
        assert SQL_PASSWORD not in text, f"SQL password found in {path}"
    for output in (once.stdout, once.stderr, doctor.stdout, doctor.stderr):
        assert world.token not in output and SQL_PASSWORD not in output
    # JSON lines, with the run and the order bound as context.
    events = [json.loads(line) for line in
              (world.data_dir / "logs" / "activo.log").read_text(encoding="utf-8").splitlines()]
    written = [e for e in events if e["event"] == "order_written" and e.get("order") == code]
    assert written and written[0]["job"] == "orders" and len(written[0]["run"]) == 8
    connector = [e for e in events if e["event"] == "tango.pedido_written"]
    assert connector and connector[0]["order"] == code and connector[0]["run"]
