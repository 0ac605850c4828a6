"""Database faults under a running agent (``activo run --no-tray``) writing into a Tango-shaped
PostgreSQL through psqlODBC:

- the talonario row (GVA43) locked by another session → the agent's lock timeout fires, the
  failure is classified transient, and the order is written once the lock is released;
- the PostgreSQL server restarted mid-run and the agent's connections killed with
  ``pg_terminate_backend`` → the agent recovers by itself; nothing lost, nothing doubled.

The cloud runs on SQLite here, so a PostgreSQL restart hits only the agent's side.
"""

from __future__ import annotations

import json
import random
import threading
import time

import psycopg
import pytest

from tests.tango_suite import fixtures
from tests.test_fault_world import OrderFeeder, fault_world, in_tango_count, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.odbc, pytest.mark.timeout(600)]
tango_pg_template = fixtures.tango_pg_template


def _events(world, name: str) -> list[dict]:
    found = []
    for path in world.data_dir.rglob("*.log*"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if f'"{name}"' in line:
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
    return found


def test_locked_talonario_times_out_as_transient_and_is_written_after_release(
        tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch):
    with fault_world(tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch,
                     cloud_on_postgres=False) as world:
        world.start_agent()
        world.wait_for_master_data()
        locker = psycopg.connect(odbc_pg_cluster.psycopg_conninfo(world.tango.name))
        try:
            locker.execute("SELECT * FROM GVA43 WHERE TALONARIO = %s FOR UPDATE",
                           (world.facts.talonario,))
            feeder = OrderFeeder(world, 2, threads=1).start()
            feeder.join(timeout=60)
            codes = feeder.codes
            failures = wait_until(
                lambda: [e for e in _events(world, "order_write_failed")
                         if e.get("order") in codes], 60,
                "the agent never reported the lock timeout")
            assert {e["kind"] for e in failures} == {"transient"}, failures
            time.sleep(3)  # a few more tries against the lock: still nothing written
            assert in_tango_count(world) == 0
            statuses = {s for s, _ in world.cloud_orders().values()}
            assert statuses <= {"confirmed", "leased"}, \
                f"a transient failure must not park the order as an error: {statuses}"
        finally:
            locker.rollback()
            locker.close()
        wait_until(lambda: in_tango_count(world) == len(codes), 120,
                   "the order was not written after the lock was released")
        wait_until(lambda: all(s == "in_tango" for s, _ in world.cloud_orders().values()),
                   60, "the cloud never learnt the numbers")
        world.assert_exactly_once(codes)
        assert len(_events(world, "order_write_failed")) >= 2, "retried while locked"


def test_postgres_restart_and_killed_connections_are_recovered_by_the_agent(
        tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch, record_property):
    rng = random.Random(15)
    with fault_world(tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch,
                     cloud_on_postgres=False) as world:
        agent = world.start_agent()
        world.wait_for_master_data()
        feeder = OrderFeeder(world, 40, threads=3).start()
        restarts = terminated = 0
        stop = threading.Event()

        def terminate_backends() -> None:
            nonlocal terminated
            while not stop.wait(rng.uniform(0.5, 1.5)):
                try:
                    with psycopg.connect(odbc_pg_cluster.psycopg_conninfo(), autocommit=True,
                                         connect_timeout=3) as conn:
                        rows = conn.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            (world.tango.name,)).fetchall()
                        terminated += sum(1 for (ok,) in rows if ok)
                except psycopg.OperationalError:
                    continue  # the server is restarting right now

        killer = threading.Thread(target=terminate_backends, daemon=True)
        killer.start()
        try:
            for _ in range(3):
                time.sleep(rng.uniform(2.0, 5.0))
                odbc_pg_cluster.restart()  # fast: every open transaction is cut
                restarts += 1
        finally:
            stop.set()
            killer.join(timeout=10)
        feeder.join(timeout=240)
        codes = list(feeder.codes)
        assert len(codes) == 40, feeder.errors[:3]
        wait_until(lambda: in_tango_count(world) >= len(codes), 180,
                   "the agent did not recover from the database faults")
        wait_until(lambda: all(s == "in_tango" for s, _ in world.cloud_orders().values()),
                   120, "the cloud never learnt every number")
        assert agent.poll() is None, "the agent must survive, not exit"
        figures = world.assert_exactly_once(codes)
        figures.update(restarts=restarts, backends_terminated=terminated,
                       write_failures=len(_events(world, "order_write_failed")))
        record_property("database_figures", figures)
        print(f"\nDATABASE FIGURES {figures}")
        assert terminated >= 1
