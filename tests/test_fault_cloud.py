"""Cloud faults: ``activo run --no-tray`` against a stub cloud on 127.0.0.1 that answers 500,
503 and 429 (the agent backs off instead of hammering), and 401 (the status turns red with
«Token inválido» and the agent goes quiet: one slow probe every 5 minutes)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from activo.state_store import StateStore
from activo.status import read_snapshot
from activo.tray_model import IconColour, decide
from connectors.tango.seed import create_demo_database, seed_facts
from tests.support.http_stub import HttpStub, healthy, json_answer

pytestmark = [pytest.mark.fault, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "cst_stub-token-for-cloud-faults"


def _agent(tmp_path: Path, url: str) -> tuple[subprocess.Popen, dict[str, str], Path]:
    facts = seed_facts()
    tango = create_demo_database(tmp_path / "tango")
    config = tmp_path / "activo.toml"
    config.write_text(
        f'[cloud]\nurl = "{url}"\nlong_poll_seconds = 1\nheartbeat_seconds = 10\n'
        "timeout_seconds = 5.0\n\n"
        f'[tango]\nconnection = "sqlite:{tango.as_posix()}"\ntalonario = {facts.talonario}\n'
        f'deposit = "{facts.deposits[0]}"\n\n[sync]\nmaster_data_interval_seconds = 600\n',
        encoding="utf-8")
    env = {**os.environ, "ACTIVO_CLOUD_TOKEN": TOKEN, "ACTIVO_DATA_DIR": str(tmp_path / "agent"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("DISPLAY", None)
    log = (tmp_path / "agent-console.log").open("ab")
    agent = subprocess.Popen([sys.executable, "-m", "activo", "--config", str(config), "run",
                              "--no-tray"], stdout=log, stderr=subprocess.STDOUT, env=env,
                             cwd=ROOT)
    log.close()
    return agent, env, config


def _stop(agent: subprocess.Popen) -> None:
    if agent.poll() is None:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(timeout=15)
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait(timeout=10)


def _wait_first(stub: HttpStub, suffix: str, timeout: float = 60) -> float:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        seen = stub.requests(path_suffix=suffix)
        if seen:
            return seen[0].at
        time.sleep(0.1)
    raise AssertionError(f"the agent never called {suffix}")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_failing_cloud_is_backed_off_not_hammered(tmp_path, status):
    def answer(path: str, body: bytes):
        if path.endswith("/orders/lease"):
            headers = {"Retry-After": "3"} if status == 429 else {}
            return json_answer(status, {"detail": "sobrecargado"}, **headers)
        return healthy(path, body)

    window = 20.0
    with HttpStub(answer) as stub:
        agent, _env, _config = _agent(tmp_path, stub.url)
        try:
            first = _wait_first(stub, "/orders/lease")
            time.sleep(window)
            assert agent.poll() is None, "a failing cloud must not stop the agent"
        finally:
            _stop(agent)
        leases = [s.at - first for s in stub.requests(path_suffix="/orders/lease")
                  if s.at - first <= window]
    # A tight loop would send one lease a second or more (the long poll is 1 s): 20+.
    # With the client's two in-call retries and the engine's exponential backoff it is ~12.
    assert len(leases) <= 14, f"{len(leases)} lease requests in {window} s: {leases}"
    gaps = [b - a for a, b in itertools.pairwise(leases)]
    assert max(gaps) >= 4.0, f"the pauses never grew: {gaps}"
    if status == 429:
        # Retry-After: 3 is honoured inside the call (capped at 10 s).
        assert min(gaps) >= 2.9, f"Retry-After ignored: {gaps}"


def test_rejected_token_turns_status_red_and_does_not_hammer(tmp_path):
    def answer(path: str, body: bytes):
        return json_answer(401, {"detail": "token inválido"})

    with HttpStub(answer) as stub:
        agent, env, config = _agent(tmp_path, stub.url)
        try:
            _wait_first(stub, "")
            deadline = time.monotonic() + 60
            while True:
                done = subprocess.run([sys.executable, "-m", "activo", "--config", str(config),
                                       "status", "--json"], capture_output=True, text=True,
                                      env=env, timeout=60, cwd=ROOT)
                problems = json.loads(done.stdout).get("problems", {})
                if "auth" in problems or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert "Token inválido" in problems.get("auth", ""), problems
            with StateStore(tmp_path / "agent" / "state.sqlite3") as store:
                view = decide(read_snapshot(store, datetime.now(UTC),
                                            stale_after=timedelta(hours=1)))
            assert view.colour is IconColour.RED and view.headline == "Token inválido"
            start = time.monotonic()
            time.sleep(20)
            during = stub.requests(since=start)
            assert agent.poll() is None, "a rejected token must not stop the engine"
        finally:
            _stop(agent)
    total = stub.requests()
    # The first heartbeat (and at most a job already on its way) meets the 401; after that the
    # agent waits for the 5-minute probe.
    assert len(during) <= 1, f"{len(during)} requests in 20 s after the 401: {during}"
    assert len(total) <= 6, [(s.path, s.status) for s in total]
    assert all(s.authorization == f"Bearer {TOKEN}" for s in total)
