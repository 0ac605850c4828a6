"""``activo sync`` (no --once): heartbeat, master data, then long-polled orders, until stopped."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from activo.config import load_config
from activo.sync_loop import run_sync_loop
from connectors.cloud.client import CloudUnreachable
from connectors.cloud.contract import HeartbeatAck, LeasedOrders, MasterDataAck
from tests.test_agent_pull_orders import ScriptedWriter
from tests.test_agent_push_master_data import MemorySource


class LoopCloud:
    base_url = "http://127.0.0.1:1"

    def __init__(self, stop: threading.Event, leases_before_stop: int, down: bool = False):
        self.stop = stop
        self.calls: list[str] = []
        self.leases_left = leases_before_stop
        self.down = down

    def heartbeat(self, beat):
        self.calls.append("heartbeat")
        return HeartbeatAck(server_time=datetime.now(UTC), company="demo")

    def push_master_data(self, batch):
        self.calls.append(f"master:{batch.kind.value}")
        return MasterDataAck(kind=batch.kind, batch_id=batch.batch_id,
                             upserted=len(batch.records), deleted=0)

    def lease_orders(self, wait_seconds, max_orders):
        self.calls.append(f"lease:{wait_seconds}")
        self.leases_left -= 1
        if self.leases_left <= 0:
            self.stop.set()
        if self.down:
            raise CloudUnreachable("down", "Sin conexión.")
        return LeasedOrders(orders=[])


def _config():
    return load_config(None, {"ACTIVO_CLOUD_URL": "http://127.0.0.1:1",
                              "ACTIVO_TANGO_CONNECTION": "sqlite:x",
                              "ACTIVO_CLOUD_LONG_POLL_SECONDS": "7"})


def test_the_loop_beats_pushes_then_long_polls_until_stopped():
    stop = threading.Event()
    cloud = LoopCloud(stop, leases_before_stop=3)
    clock = iter(range(0, 10_000, 5))  # 5 s per step: no interval is due again
    run_sync_loop(cloud, MemorySource(), ScriptedWriter(), config=_config(), stop=stop,
                  monotonic=lambda: float(next(clock)))
    assert cloud.calls[0] == "heartbeat"
    assert cloud.calls[1] == "master:vat_rates"
    assert [c for c in cloud.calls if c.startswith("lease")] == ["lease:7"] * 3
    assert sum(c == "heartbeat" for c in cloud.calls) == 1


def test_an_unreachable_cloud_backs_off_instead_of_spinning():
    stop = threading.Event()
    cloud = LoopCloud(stop, leases_before_stop=1, down=True)
    run_sync_loop(cloud, MemorySource(), ScriptedWriter(), config=_config(), stop=stop)
    assert [c for c in cloud.calls if c.startswith("lease")] == ["lease:7"]
