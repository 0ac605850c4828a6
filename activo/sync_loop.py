"""``activo sync``: keep syncing until told to stop.

Orders are long-polled (the cloud answers as soon as one is confirmed), master data is pushed
every ``[sync] master_data_interval_seconds`` and the heartbeat sent every
``[cloud] heartbeat_seconds``. The APScheduler engine (a later issue) takes over the timing; the
three jobs it schedules are the same functions called here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import structlog

from activo.config import Config
from activo.heartbeat import AgentActivity, send_heartbeat
from activo.pull_orders import Outcome, PedidoSink, pull_orders
from activo.push_master_data import MasterDataSource, push_master_data
from connectors.cloud.client import CloudClient

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 60.0
MASTER_RETRY_SECONDS = 60.0  # a failed master push is retried sooner than the regular interval
IDLE_PAUSE_SECONDS = 1.0  # with long_poll_seconds = 0, don't spin


@dataclass
class _Timers:
    next_heartbeat: float = 0.0
    next_master: float = 0.0
    backoff: float = 0.0


def run_sync_loop(
    client: CloudClient,
    source: MasterDataSource,
    writer: PedidoSink,
    *,
    config: Config,
    stop: threading.Event,
    monotonic: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Sync until ``stop`` is set. A bad token raises ``CloudAuthError`` (nothing would work)."""
    activity = AgentActivity(started_at=now())
    timers = _Timers()
    log.info("sync_loop_started", cloud=client.base_url)
    while not stop.is_set():
        started = monotonic()
        if started >= timers.next_heartbeat:
            send_heartbeat(client, activity, now=now)
            timers.next_heartbeat = started + config.cloud.heartbeat_seconds
        if started >= timers.next_master:
            pushed = push_master_data(client, source, batch_size=config.sync.batch_size)
            log.info("master_data_pushed", records=pushed.total, batches=pushed.batches,
                     errors=len(pushed.errors))
            if not pushed.errors:
                activity = replace(activity, last_master_sync_at=now())
            timers.next_master = started + (
                MASTER_RETRY_SECONDS if pushed.errors else config.sync.master_data_interval_seconds
            )
        pulled = pull_orders(
            client,
            writer,
            first_wait_seconds=config.cloud.long_poll_seconds,
            max_orders=config.cloud.lease_max_orders,
            now=now,
        )
        if pulled.count(Outcome.WRITTEN) or pulled.count(Outcome.ALREADY_PRESENT):
            activity = replace(activity, last_order_ok_at=now())
        if pulled.count(Outcome.FAILED):
            activity = replace(
                activity, orders_in_error=activity.orders_in_error + pulled.count(Outcome.FAILED)
            )
        if pulled.cloud_unavailable or pulled.stopped_by_configuration:
            timers.backoff = min(MAX_BACKOFF_SECONDS, max(1.0, timers.backoff * 2))
            log.info("sync_backing_off", seconds=timers.backoff)
            stop.wait(timers.backoff)
            continue
        timers.backoff = 0.0
        if not pulled.orders and monotonic() - started < IDLE_PAUSE_SECONDS:
            stop.wait(IDLE_PAUSE_SECONDS)
    log.info("sync_loop_stopped")
