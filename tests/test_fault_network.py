"""Network faults between the agent and the cloud: a fault-injecting proxy on 127.0.0.1 adds
latency, resets connections mid-request and drops responses after the server committed (the
lost ack). Orders keep coming; at the end none is lost and none is written twice."""

from __future__ import annotations

import os

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.tango_suite import fixtures
from tests.test_fault_world import OrderFeeder, fault_world, in_tango_count, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.odbc, pytest.mark.timeout(600)]
tango_pg_template = fixtures.tango_pg_template

ORDERS = int(os.environ.get("ACTIVO_FAULT_NETWORK_ORDERS", "25"))


def test_latency_resets_and_lost_acks_neither_lose_nor_duplicate(
        tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch, record_property):
    with fault_world(tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch,
                     lease_seconds=5) as world:
        port = int(world.server.url.rsplit(":", 1)[1])
        with FaultProxy(port, seed=8, latency_s=0.05, jitter_s=0.15) as proxy:
            world.write_config(proxy.url)
            world.start_agent()
            world.wait_for_master_data()
            # Faults only once the master data is in: the orders' trip is what is under test.
            # Leases answer rarely (one long poll takes a few orders), so theirs are raised.
            proxy.set_faults(reset_rate=0.12, lost_response_rate=0.18,
                             per_shape={"/orders/lease": (0.12, 0.3)})
            # Leases are few (one long poll takes several orders): make sure the lost-lease
            # and reset cases happen at least this often, whatever the random draws do.
            proxy.force("/orders/lease", "lost", "reset", "lost")
            feeder = OrderFeeder(world, ORDERS, threads=3).start()
            feeder.join(timeout=300)
            codes = list(feeder.codes)
            assert len(codes) == ORDERS, feeder.errors[:3]
            wait_until(lambda: in_tango_count(world) >= len(codes), 240,
                       "orders never all reached Tango through the faulty network")
            # Then a calm network: the acks that were lost must be resent by the agent.
            proxy.set_faults(reset_rate=0.0, lost_response_rate=0.0, per_shape={})
            wait_until(lambda: all(s == "in_tango" for s, _ in world.cloud_orders().values()),
                       180, "the cloud never learnt every order's Tango number")
            figures = world.assert_exactly_once(codes)
            counts = proxy.counts
        figures.update(requests=counts.requests, resets=counts.resets,
                       lost_responses=counts.lost_responses, delayed=counts.delayed,
                       faults_by_path=dict(sorted(counts.faults_by_path.items())))
        record_property("network_figures", figures)
        print(f"\nNETWORK FIGURES {figures}")
        lost_acks = sum(n for k, n in counts.faults_by_path.items()
                        if k.startswith("lost") and k.endswith("/ack"))
        lost_leases = counts.faults_by_path.get("lost /orders/lease", 0)
        assert counts.resets >= 3 and lost_acks >= 2 and lost_leases >= 2, \
            f"too few faults hit the orders' path to prove anything: {counts}"
