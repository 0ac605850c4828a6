"""The engine in this process (a thread), against the real cloud server process: a failing
job updates the status and never stops the scheduler; commands still land within a second;
the engine stops by itself in bounded time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from activo.config import load_config
from activo.engine import Engine
from activo.engine_jobs import EngineParts
from activo.state_store import CommandName, Problem, StateStore
from connectors.cloud.client import CloudClient
from connectors.tango.seed import create_demo_database, demo_settings
from tests.support.cloud_server import running_server
from tests.test_engine_world import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def cloud(tmp_path):
    with running_server(tmp_path / "cloud") as server:
        server.create_company("hilo")
        yield server, server.create_agent_token("hilo")


def _engine(server, token, tmp_path, tango_db):
    config = load_config(None, {"ACTIVO_CLOUD_URL": server.url, "ACTIVO_TANGO_CONNECTION": "x",
                                "ACTIVO_CLOUD_LONG_POLL_SECONDS": "2"})
    client = CloudClient(server.url, token, timeout_seconds=5)
    store = StateStore(tmp_path / "state.sqlite3")
    parts = EngineParts(client=client, tango=demo_settings(tango_db), store=store,
                        config=config, started_at=datetime.now(UTC),
                        now=lambda: datetime.now(UTC), read_token=lambda: token)
    return Engine(parts), store, client


def test_a_tango_that_cannot_be_opened_is_a_problem_not_a_crash(cloud, tmp_path):
    server, token = cloud
    engine, store, client = _engine(server, token, tmp_path, tmp_path / "missing.sqlite")
    engine.start()
    try:
        wait_until(lambda: Problem.TANGO in store.problems(), 15, "the Tango failure not shown")
        wait_until(lambda: store.get("last_heartbeat_at"), 10, "no heartbeat")
        [run] = [r for r in store.recent_runs() if r.job == "master_data"]
        assert run.ok is False and "Tango" in run.errors[0]
        store.request(CommandName.PAUSE)
        wait_until(lambda: store.paused, 2, "commands stopped being picked up")
    finally:
        began = time.monotonic()
        engine.stop()
        assert time.monotonic() - began < 7
        client.close()
        store.close()


def test_a_job_that_raises_is_recorded_and_the_scheduler_goes_on(cloud, tmp_path):
    server, token = cloud
    tango_db = create_demo_database(tmp_path / "tango")
    engine, store, client = _engine(server, token, tmp_path, tango_db)

    def broken(*args: object, **kwargs: object) -> None:  # master_data(kinds, scheduled=…)
        raise RuntimeError("a bug in the master job")

    engine.jobs.master_data = broken  # type: ignore[method-assign]
    engine.start()
    try:
        crashed = wait_until(
            lambda: [r for r in store.recent_runs() if r.job == "master_data" and r.errors],
            15, "the crash was not recorded")
        assert "Error inesperado en «master_data»" in crashed[0].errors[0]
        assert "a bug in the master job" in crashed[0].errors[0]
        store.request(CommandName.SYNC_NOW)  # runs the broken job again: still no harm
        store.request(CommandName.PAUSE)
        wait_until(lambda: store.paused, 2, "the scheduler died with the job")
        wait_until(lambda: store.get("last_heartbeat_at"), 10, "heartbeats stopped")
    finally:
        engine.stop()
        client.close()
        store.close()
