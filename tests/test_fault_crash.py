"""Crashes: orders keep being confirmed while ``activo run --no-tray`` is killed with SIGKILL at
random moments and restarted each time. At the end every order is in GVA21 exactly once, the
numbers are consecutive, ``PROXIMO`` is right, and the cloud shows each order in_tango with its
number.

Sizes: the issue's 1,000 orders run with ``ACTIVO_FAULT_CRASH_ORDERS=1000 .venv/bin/pytest
tests/test_fault_crash.py`` (about 6 minutes here; figures in docs/reliability.md); ``make test``
runs a smaller count with the same ≥ 20 kills, so the suite stays within its time budget on a
2-core machine. Seven kills in ten wait until the agent is writing (GVA21 grows), then strike
within 0.6 s; the rest strike blind (start-up, master data, long poll).
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest

from tests.tango_suite import fixtures
from tests.test_fault_world import OrderFeeder, fault_world, in_tango_count, wait_until

ORDERS = int(os.environ.get("ACTIVO_FAULT_CRASH_ORDERS", "120"))
KILLS = int(os.environ.get("ACTIVO_FAULT_CRASH_KILLS", "20"))
SEED = int(os.environ.get("ACTIVO_FAULT_SEED", "20261204"))
FEED_SECONDS = 120 + 2 * ORDERS  # the sellers confirm ~2–4 orders/s on a loaded 2-core box

pytestmark = [pytest.mark.fault, pytest.mark.odbc,
              pytest.mark.timeout(FEED_SECONDS + 600)]
tango_pg_template = fixtures.tango_pg_template


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
        tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch, record_property):
    rng = random.Random(SEED)
    with fault_world(tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch,
                     lease_seconds=5) as world:
        agent = world.start_agent()
        world.wait_for_master_data()
        feeder = OrderFeeder(world, ORDERS, threads=4).start()

        kills = kills_while_writing = 0
        deadline = time.monotonic() + FEED_SECONDS
        while (kills < KILLS or not feeder.done) and time.monotonic() < deadline:
            if agent.poll() is not None:
                pytest.fail(f"the agent exited by itself ({agent.returncode}): "
                            f"{world.agent_logs[-1].read_text()[-2000:]}")
            if rng.random() < 0.3:
                # A blind moment: start-up, master data, a long poll, a write…
                time.sleep(rng.uniform(0.2, 3.0))
                writing = False
            else:
                # While it writes: once this agent has written an order, within a second
                # (one order takes a few tens of ms: lease, Tango transaction, journal, ack).
                before = in_tango_count(world)
                writing = _wait_for_progress(world, before, agent, timeout=20.0)
                time.sleep(rng.uniform(0.0, 0.6))
            agent.send_signal(signal.SIGKILL)
            agent.wait(timeout=10)
            kills += 1
            kills_while_writing += writing
            agent = world.start_agent()

        feeder.join(timeout=60)
        assert kills >= KILLS, f"only {kills} kills before the deadline"
        codes = list(feeder.codes)
        assert len(codes) == ORDERS, f"sellers confirmed {len(codes)} of {ORDERS}: " \
                                     f"{feeder.errors[:3]}"

        wait_until(lambda: in_tango_count(world) >= len(codes), 300,
                   "the restarted agent never wrote every order")
        wait_until(lambda: all(s == "in_tango" for s, _ in world.cloud_orders().values()),
                   180, "the cloud never showed every order in_tango")
        figures = world.assert_exactly_once(codes)
        figures.update(kills=kills, kills_while_writing=kills_while_writing,
                       seller_retries=len(feeder.errors))
        record_property("crash_figures", figures)
        print(f"\nCRASH FIGURES {figures}")
        # 7 in 10 kills aim at a write; some find the agent still starting (no progress in
        # 20 s) and count as blind. A third is the floor that keeps the test meaningful.
        assert kills_while_writing >= KILLS // 3, \
            "too few kills hit while the agent was writing orders"


def _wait_for_progress(world, before: int, agent, timeout: float) -> bool:
    """Wait until GVA21 grows past ``before`` (the agent is writing); False on timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and agent.poll() is None:
        if in_tango_count(world) > before:
            return True
        time.sleep(0.05)
    return False
