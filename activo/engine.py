"""The engine: an APScheduler ``BackgroundScheduler`` running the sync jobs. No GUI import.

Jobs (each one instance at most, coalesced, and guarded: an exception is logged and recorded
in the state store, never allowed to kill the scheduler):

- ``heartbeat`` every ``[cloud] heartbeat_seconds`` (first at start: it also tells us whether
  another agent holds the company, and whether the token is accepted);
- ``master_data`` every ``[sync] master_data_interval_seconds`` (first at start): the slow kinds,
  inside ``[sync] heavy_window`` if set; woken by a command it pushes every kind at once;
- ``master_fast`` every ``[sync] fast_interval_seconds``: prices and stock (see
  ``activo.master_schedule``);
- ``orders``: a loop of long-poll rounds, each followed at once (or after the retry policy's
  backoff) by the next, so a confirmed order reaches Tango within a second or two; a command
  cuts a backoff short. Started once; the ``commands`` job restarts it if it ever ended;
- ``images`` every ``[images] interval_seconds``, only with ``[images] folder`` set (first at
  start): the images folder's changes (see ``activo.push_images``);
- ``commands`` every half second: what the tray and the CLI asked for;
- ``retry``: on request, the parked orders someone asked to retry.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from activo import __version__
from activo.daemon_executor import DaemonThreadExecutor
from activo.engine_jobs import EngineJobs, EngineParts
from activo.journal import Journal
from activo.master_schedule import FAST_KINDS, SLOW_KINDS
from activo.state_store import Command, CommandName
from connectors.cloud.contract import PUSH_ORDER

log = structlog.get_logger(__name__)

COMMAND_POLL_SECONDS = 0.5
ALIVE_EVERY_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0


def new_run_code() -> str:
    """A short code bound to every log line of one job run (to follow a run in the log)."""
    return uuid.uuid4().hex[:8]


class Engine:
    def __init__(self, parts: EngineParts) -> None:
        self.parts = parts
        self.store = parts.store
        self.stop_event = threading.Event()
        self.jobs = EngineJobs(parts, self.stop_event)
        self._executor = DaemonThreadExecutor()
        self._scheduler = BackgroundScheduler(
            executors={"default": self._executor},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
            timezone="UTC",
        )
        self._last_alive = 0.0
        self._orders_wake = threading.Event()
        self._orders_running = threading.Event()
        self._master_asked = threading.Event()  # the next master push is someone's request
        self._master_first = threading.Event()  # the next master push is the first one
        self._master_first.set()

    # ------------------------------------------------------------------ life

    def start(self) -> None:
        now = self.parts.now()
        self.store.put("engine", {"pid": os.getpid(), "host": socket.gethostname(),
                                  "version": __version__, "started_at": now.isoformat()})
        self._alive(force=True)
        add = self._scheduler.add_job
        cloud = self.parts.config.cloud
        # Trigger objects, not their names: names resolve through package entry points, which a
        # frozen (PyInstaller) build may not carry.
        add(self._guarded("heartbeat", self.jobs.heartbeat),
            IntervalTrigger(seconds=cloud.heartbeat_seconds, timezone=UTC), id="heartbeat",
            next_run_time=now)
        add(self._guarded("master_data", self._master),
            IntervalTrigger(seconds=self.parts.config.sync.master_data_interval_seconds,
                            timezone=UTC),
            id="master_data", next_run_time=now + timedelta(seconds=0.5))
        add(self._guarded("master_fast", self._master_fast),
            IntervalTrigger(seconds=self.parts.config.sync.fast_interval_seconds, timezone=UTC),
            id="master_fast",
            next_run_time=now + timedelta(seconds=self.parts.config.sync.fast_interval_seconds))
        if self.parts.config.images.folder:
            add(self._guarded("images", self._images),
                IntervalTrigger(seconds=self.parts.config.images.interval_seconds, timezone=UTC),
                id="images", next_run_time=now + timedelta(seconds=1))
        add(self._guarded("commands", self._commands),
            IntervalTrigger(seconds=COMMAND_POLL_SECONDS, timezone=UTC), id="commands",
            next_run_time=now)
        self._start_orders()
        self._scheduler.start()
        log.info("engine_started", version=__version__, paused=self.store.paused,
                 take_over=self.parts.take_over)

    def stop(self) -> None:
        """Stop scheduling; give running jobs a few seconds to finish what they are writing."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        self._orders_wake.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        end = time.monotonic() + STOP_GRACE_SECONDS
        # Every wait is bounded: a long poll in flight is left to die with the process.
        while self._executor.running() and time.monotonic() < end:
            time.sleep(0.05)
        self.store.put("alive_at", None)
        self.store.put("phase", None)
        log.info("engine_stopped", jobs_still_running=self._executor.running())

    def run_until_stopped(self, stop: threading.Event) -> None:
        """Block the calling thread until ``stop`` is set (``activo run --no-tray``)."""
        self.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            self.stop()

    # ------------------------------------------------------------------ jobs

    def _guarded(self, name: str, body: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                with structlog.contextvars.bound_contextvars(job=name, run=new_run_code()):
                    body()
            except Exception as exc:
                log.exception("job_crashed", job=name)
                run_id = self.store.start_run(name)
                self.store.end_run(run_id, ok=False,
                                   errors=[f"Error inesperado en «{name}»: {exc}"[:500]])
        return run

    def _master(self) -> None:
        # At start every kind (the slow ones only inside the window); asked for (sync now,
        # full resync) every kind at once; otherwise the slow kinds, inside the window.
        asked, first = self._master_asked.is_set(), self._master_first.is_set()
        self._master_asked.clear()
        self._master_first.clear()
        kinds = PUSH_ORDER if asked or first else SLOW_KINDS
        retry_in = self.jobs.master_data(kinds, scheduled=not asked)
        if retry_in and asked:
            self._master_asked.set()
        elif retry_in and first:
            self._master_first.set()
        if retry_in and not self.stop_event.is_set():
            self._wake("master_data", retry_in)

    def _master_fast(self) -> None:
        self.jobs.master_data(FAST_KINDS, scheduled=True)  # a failure retries on its interval

    def _images(self) -> None:
        retry_in = self.jobs.images()
        if retry_in and not self.stop_event.is_set():
            self._wake("images", retry_in)

    def _orders_loop(self) -> None:
        self._orders_running.set()
        try:
            while not self.stop_event.is_set():
                delay = 1.0
                try:
                    with structlog.contextvars.bound_contextvars(job="orders",
                                                                 run=new_run_code()):
                        delay = self.jobs.orders_round()
                except Exception as exc:
                    log.exception("job_crashed", job="orders")
                    run_id = self.store.start_run("orders")
                    self.store.end_run(run_id, ok=False,
                                       errors=[f"Error inesperado en «orders»: {exc}"[:500]])
                    delay = 5.0
                if delay > 0:
                    self._orders_wake.wait(delay)
                self._orders_wake.clear()
        finally:
            self._orders_running.clear()

    def _start_orders(self) -> None:
        self._orders_running.set()  # claimed now, so the watchdog never starts a second loop
        self._scheduler.add_job(self._orders_loop, DateTrigger(run_date=self.parts.now()),
                                id="orders", replace_existing=True)

    def _wake(self, job_id: str, delay: float = 0.0) -> None:
        job = self._scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=self.parts.now() + timedelta(seconds=delay))

    def _alive(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last_alive >= ALIVE_EVERY_SECONDS:
            self.store.put_time("alive_at", self.parts.now())
            self._last_alive = time.monotonic()

    # ------------------------------------------------------------------ commands

    def _commands(self) -> None:
        self._alive()
        if not self._orders_running.is_set() and not self.stop_event.is_set():
            log.warning("orders_loop_restarted")
            self._start_orders()
        for command in self.store.take_commands():
            log.info("command_received", command=command.name.value, argument=command.argument,
                     source=command.source)
            self.store.finish_command(command.id, self._dispatch(command))

    def _dispatch(self, command: Command) -> str:
        now: datetime = self.parts.now()
        if command.name is CommandName.PAUSE:
            self.store.set_paused(True)
            return "paused"
        if command.name is CommandName.RESUME:
            self.store.set_paused(False)
            self._wake_all()
            return "resumed"
        if command.name is CommandName.FULL_RESYNC:
            forgotten = self.store.forget_master_hashes()
            self._master_asked.set()
            self._wake("master_data")
            return f"full resync ({forgotten} hashes forgotten)"
        if command.name is CommandName.RETRY_FAILED:
            codes = Journal(self.store).request_retry(command.argument or None)
            self._scheduler.add_job(self._guarded("retry", self.jobs.retry_parked),
                                    DateTrigger(run_date=now), id="retry",
                                    replace_existing=True)
            return f"retry {len(codes)}: {' '.join(codes)}"[:500]
        self._wake_all()
        return "sync now"

    def _wake_all(self) -> None:
        # "Sincronizar ahora" also means "try the token again now" after it was rejected.
        self.jobs.gate.last_probe = None
        self._wake("heartbeat")
        self._master_asked.set()
        self._wake("master_data", 0.5)
        self._wake("images", 1.0)  # no such job without [images] folder: nothing happens
        self._orders_wake.set()
