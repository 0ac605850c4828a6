"""The engine's jobs: orders, master data, heartbeat, local retries. No scheduling here (see
``activo.engine``), no GUI; each job reads and writes the state store.

Health is kept as "problems" in the store (cloud, Tango, token, another agent), raised and
cleared by the job that learns about them, so the tray and ``activo status`` show the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import structlog

from activo import retry_policy
from activo.config import Config
from activo.heartbeat import activity_from_store, send_heartbeat
from activo.image_state import ImageState
from activo.journal import Journal
from activo.master_schedule import SLOW_KINDS, heavy_allowed
from activo.order_delivery import Delivery, DeliveryLog, Outcome
from activo.pull_orders import PullResult, pull_orders
from activo.push_images import limits_for, push_images
from activo.push_master_data import push_master_data
from activo.record_hashes import RecordHashes
from activo.state_store import Problem, StateStore
from activo.tango_link import TangoLink
from connectors.cloud.client import CloudAgentConflict, CloudAuthError, CloudClient
from connectors.cloud.contract import PUSH_ORDER, FailureKind, MasterKind
from connectors.tango.settings import TangoSettings

log = structlog.get_logger(__name__)

AUTH_REJECTED_ES = (
    "Token inválido: la nube rechazó el token del agente. Generá uno nuevo en el panel y "
    "guardalo con `activo secrets set cloud-token`; ACTIVO lo vuelve a probar cada 5 minutos."
)
MASTER_RETRY_SECONDS = 60.0
GATE_WAIT_SECONDS = 2.0


@dataclass
class EngineParts:
    """What the engine works with; built by the composition root."""

    client: CloudClient
    tango: TangoSettings
    store: StateStore
    config: Config
    started_at: datetime
    now: Callable[[], datetime]
    read_token: Callable[[], str | None]  # the vault's current token, for the slow probe
    take_over: bool = False


@dataclass
class Gate:
    """Whether the cloud may be called: not after a rejected token (except the slow probe),
    not while another agent holds the company, not before the first heartbeat has spoken."""

    ready: threading.Event = field(default_factory=threading.Event)
    auth_failed_at: datetime | None = None
    last_probe: datetime | None = None
    conflict: bool = False

    @property
    def open(self) -> bool:
        return self.ready.is_set() and self.auth_failed_at is None and not self.conflict


class EngineJobs:
    def __init__(self, parts: EngineParts, stop: threading.Event) -> None:
        self.parts = parts
        self.store = parts.store
        self.journal = Journal(parts.store)
        self.stop = stop
        self.gate = Gate()
        self.order_failures = 0  # consecutive rounds that failed: the backoff's input
        self.take_over_pending = parts.take_over

    # ------------------------------------------------------------------ heartbeat

    def heartbeat(self) -> None:
        now = self.parts.now()
        if self.gate.auth_failed_at is not None:
            if not retry_policy.probe_due(self.gate.last_probe, now):
                return
            self.gate.last_probe = now
            token = self.parts.read_token()
            if token:
                self.parts.client.replace_token(token)
        activity = activity_from_store(self.store, started_at=self.parts.started_at,
                                       take_over=self.take_over_pending, now=now)
        try:
            problem = send_heartbeat(self.parts.client, activity, now=self.parts.now)
        except CloudAuthError as exc:
            self._token_rejected(exc)
            return
        except CloudAgentConflict as exc:
            log.error("agent_conflict", error=str(exc))
            self.gate.conflict = True
            self.store.set_problem(Problem.CONFLICT, exc.message_es)
            return
        finally:
            self.gate.ready.set()
        if problem:
            self.store.set_problem(Problem.CLOUD, problem)
            return
        if self.gate.auth_failed_at is not None:
            log.info("token_accepted_again")
        self.gate.auth_failed_at = None
        self.gate.conflict = False
        self.take_over_pending = False
        self.store.set_problem(Problem.AUTH, None)
        self.store.set_problem(Problem.CONFLICT, None)
        self.store.set_problem(Problem.CLOUD, None)
        self.store.put_time("last_heartbeat_at", now)

    def _token_rejected(self, exc: CloudAuthError) -> None:
        if self.gate.auth_failed_at is None:
            log.error("token_rejected", error=str(exc))
            self.gate.auth_failed_at = self.parts.now()
            self.gate.last_probe = self.gate.auth_failed_at
        self.store.set_problem(Problem.AUTH, AUTH_REJECTED_ES)

    # ------------------------------------------------------------------ orders

    def orders_round(self) -> float:
        """One long-poll round; returns the seconds to wait before the next one."""
        if self.store.paused or not self.gate.open or self.stop.is_set():
            return 1.0
        with TangoLink(self.parts.tango) as tango:
            try:
                pulled = pull_orders(
                    self.parts.client, tango, self.journal,
                    first_wait_seconds=self.parts.config.cloud.long_poll_seconds,
                    max_orders=self.parts.config.cloud.lease_max_orders,
                    now=self.parts.now,
                    # A pause takes effect from the next round: orders already leased are
                    # finished; only a stop leaves them to their lease's expiry.
                    should_stop=self.stop.is_set,
                )
            except CloudAuthError as exc:
                self._token_rejected(exc)
                return 1.0
            except CloudAgentConflict as exc:
                self.gate.conflict = True
                self.store.set_problem(Problem.CONFLICT, exc.message_es)
                return 1.0
        self._record_orders(pulled)
        failed_round = pulled.cloud_unavailable or pulled.stopped_by_configuration or (
            pulled.failed(FailureKind.TRANSIENT) > 0
            and not pulled.count(Outcome.WRITTEN) + pulled.count(Outcome.ALREADY_PRESENT)
        )
        self.order_failures = self.order_failures + 1 if failed_round else 0
        delay = retry_policy.backoff_seconds(self.order_failures)
        if pulled.retry_after:  # the cloud said how long; never less, within the cap
            delay = max(delay, min(pulled.retry_after, retry_policy.CAP_SECONDS))
        if delay:
            log.info("orders_backing_off", seconds=round(delay, 1), failures=self.order_failures)
        return delay

    def _record_orders(self, pulled: PullResult) -> None:
        now = self.parts.now()
        written = pulled.count(Outcome.WRITTEN) + pulled.count(Outcome.ALREADY_PRESENT)
        failed = pulled.count(Outcome.FAILED)
        if pulled.orders or pulled.errors or pulled.acks_resent:
            run = self.store.start_run("orders")
            self.store.end_run(run, ok=not pulled.errors and not failed, orders_written=written,
                               orders_failed=failed, errors=pulled.errors)
        if pulled.orders and failed:
            self.store.put("last_failed_orders",
                           [o.code for o in pulled.orders if o.outcome is Outcome.FAILED])
        if written:
            self.store.put_time("last_order_ok_at", now)
        self.store.set_problem(
            Problem.CLOUD, pulled.errors[-1] if pulled.cloud_unavailable else None)
        tango_down = pulled.stopped_by_configuration or (
            pulled.failed(FailureKind.TRANSIENT) and not written)
        if tango_down:
            self.store.set_problem(Problem.TANGO, next(
                (o.message_es for o in pulled.orders if o.outcome is Outcome.FAILED), None))
        elif written:
            self.store.set_problem(Problem.TANGO, None)
        if not pulled.cloud_unavailable:
            self.store.put_time("last_sync_at", now)

    # ------------------------------------------------------------------ master data

    def master_data(self, kinds: tuple[MasterKind, ...] = PUSH_ORDER, *,
                    scheduled: bool = False) -> float | None:
        """Push what changed in ``kinds``; returns a sooner retry (seconds) when it failed.

        A ``scheduled`` push leaves the slow kinds out while outside ``[sync] heavy_window``,
        once they have gone through at least once (a first push never waits). Before the first
        heartbeat has spoken it asks to be tried again in a moment.
        """
        if self.store.paused or self.stop.is_set():
            return None
        if not self.gate.open:
            return None if self.gate.ready.is_set() else GATE_WAIT_SECONDS
        sync = self.parts.config.sync
        if (scheduled and self.store.get_time("last_master_slow_at") is not None
                and not heavy_allowed(sync.heavy_window, self.parts.now().astimezone().time())):
            kinds = tuple(kind for kind in kinds if kind not in SLOW_KINDS)
            log.info("master_data_outside_window", window=sync.heavy_window)
            if not kinds:
                return None
        heavy = any(kind in SLOW_KINDS for kind in kinds)
        run = self.store.start_run("master_data")
        self.store.put("phase", "syncing")
        try:
            with TangoLink(self.parts.tango) as tango:
                pushed = push_master_data(self.parts.client, tango, batch_size=sync.batch_size,
                                          kinds=kinds, hashes=RecordHashes(self.store))
        except CloudAuthError as exc:
            self.store.end_run(run, ok=False, errors=[AUTH_REJECTED_ES])
            self._token_rejected(exc)
            return None
        finally:
            self.store.put("phase", None)
        self.store.end_run(run, ok=not pushed.errors,
                           records_pushed=pushed.total + pushed.total_deleted,
                           errors=pushed.errors)
        log.info("master_data_pushed", kinds=[k.value for k in kinds], records=pushed.total,
                 deleted=pushed.total_deleted, unchanged=pushed.unchanged,
                 batches=pushed.batches, errors=len(pushed.errors))
        now = self.parts.now()
        self.store.set_problem(Problem.CLOUD, pushed.errors[-1] if pushed.cloud_unavailable
                               else None)
        if pushed.tango_failed:
            self.store.set_problem(Problem.TANGO, pushed.errors[0])
        if pushed.errors:
            return MASTER_RETRY_SECONDS
        self.store.set_problem(Problem.TANGO, None)
        self.store.put_time("last_master_sync_at", now)
        if heavy:
            self.store.put_time("last_master_slow_at", now)
        self.store.put_time("last_sync_at", now)
        return None

    # ------------------------------------------------------------------ article images

    def images(self) -> float | None:
        """Send the images folder's changes; returns a sooner retry (seconds) before the first
        heartbeat has spoken. Only when ``[images] folder`` is set."""
        config = self.parts.config.images
        if not config.folder or self.store.paused or self.stop.is_set():
            return None
        if not self.gate.open:
            return None if self.gate.ready.is_set() else GATE_WAIT_SECONDS
        run = self.store.start_run("images")
        try:
            pushed = push_images(self.parts.client, Path(config.folder).expanduser(),
                                 ImageState(self.store), limits_for(config),
                                 should_stop=self.stop.is_set)
        except CloudAuthError as exc:
            self.store.end_run(run, ok=False, errors=[AUTH_REJECTED_ES])
            self._token_rejected(exc)
            return None
        self.store.end_run(run, ok=not pushed.errors, records_pushed=pushed.changes,
                           errors=pushed.errors)
        log.info("images_pushed", uploaded=len(pushed.uploaded), deleted=len(pushed.deleted),
                 unchanged=pushed.unchanged, skipped=len(pushed.skipped),
                 errors=len(pushed.errors))
        return None

    # ------------------------------------------------------------------ local retries

    def retry_parked(self) -> None:
        """Write again the orders someone asked to retry, from the journal's copy."""
        entries = self.journal.retry_requested()
        if not entries or not self.gate.open:
            return
        run = self.store.start_run("retry")
        notes = DeliveryLog()
        results = []
        self.store.put("phase", "syncing")
        try:
            with TangoLink(self.parts.tango) as tango:
                delivery = Delivery(self.parts.client, tango, self.journal, self.parts.now)
                for entry in entries:
                    if self.stop.is_set():
                        break
                    results.append(delivery.retry(entry, notes))
        except CloudAuthError as exc:
            self._token_rejected(exc)
        finally:
            self.store.put("phase", None)
        written = sum(r.outcome in (Outcome.WRITTEN, Outcome.ALREADY_PRESENT) for r in results)
        failed = sum(r.outcome is Outcome.FAILED for r in results)
        self.store.end_run(run, ok=not failed and not notes.errors, orders_written=written,
                           orders_failed=failed, errors=notes.errors)
        if written:
            self.store.put_time("last_order_ok_at", self.parts.now())
        log.info("retry_finished", written=written, failed=failed)
