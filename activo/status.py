"""What the engine is doing, read from the state store: for the tray, ``activo status`` and
the heartbeat. Reading only; a machine with no state yet gets an empty snapshot."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from activo.journal import Journal
from activo.state_store import Problem, Run, StateStore

ALIVE_WITHIN = timedelta(seconds=20)  # the engine refreshes alive_at every 5 s


@dataclass(frozen=True)
class OrderError:
    code: str
    status: str
    reason: str
    attempts: int
    since: datetime


@dataclass(frozen=True)
class Snapshot:
    now: datetime
    engine_running: bool = False
    engine: dict[str, Any] | None = None
    paused: bool = False
    syncing: bool = False
    problems: dict[Problem, str] = field(default_factory=dict)
    last_sync_at: datetime | None = None
    last_order_ok_at: datetime | None = None
    last_master_sync_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    orders_today: int = 0
    pending_acks: int = 0
    pending_commands: int = 0
    order_errors: tuple[OrderError, ...] = ()
    runs: tuple[Run, ...] = ()
    master_stale: bool = False

    @property
    def orders_in_error(self) -> int:
        return len(self.order_errors)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able form for ``activo status --json`` (times as ISO text)."""
        data = asdict(self)
        data["problems"] = {k.value: v for k, v in self.problems.items()}
        data["orders_in_error"] = self.orders_in_error
        return _jsonable(data)


def read_snapshot(store: StateStore, now: datetime, *, stale_after: timedelta) -> Snapshot:
    """The state as the engine last recorded it."""
    journal = Journal(store)
    alive_at = store.get_time("alive_at")
    running = alive_at is not None and now - alive_at <= ALIVE_WITHIN
    last_master = store.get_time("last_master_sync_at")
    engine = store.get("engine")
    started = datetime.fromisoformat(engine["started_at"]) if engine else None
    # Stale: no good push for too long (counted from start, so a fresh engine is not amber).
    reference = last_master or started
    stale = running and reference is not None and now - reference > stale_after
    local_midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return Snapshot(
        now=now,
        engine_running=running,
        engine=engine,
        paused=store.paused,
        syncing=running and store.get("phase") == "syncing",
        problems=store.problems() if running else {},
        last_sync_at=store.get_time("last_sync_at"),
        last_order_ok_at=store.get_time("last_order_ok_at"),
        last_master_sync_at=last_master,
        last_heartbeat_at=store.get_time("last_heartbeat_at"),
        orders_today=journal.written_since(local_midnight),
        pending_acks=len(journal.unacked()),
        pending_commands=store.pending_commands(),
        order_errors=tuple(
            OrderError(e.code, e.status.value, e.last_error or "", e.attempts, e.updated_at)
            for e in journal.in_error()
        ),
        runs=tuple(store.recent_runs(10)),
        master_stale=stale,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
