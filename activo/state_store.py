"""The local state store: one SQLite file (WAL) in the data folder, shared by the engine, the
tray and the CLI, each process with its own connection.

The engine writes runs, problems and its liveness; the tray and the CLI read them and write
commands, which the engine picks up within a second (flows 3 and 4 of the architecture). The
order journal lives here too (``activo.journal``). Times are stored as ISO-8601 UTC text.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from activo.state_schema import MIGRATIONS

BUSY_TIMEOUT_SECONDS = 10.0
KEEP_RUNS = 2000

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(when: datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat(timespec="milliseconds") if when else None


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class CommandName(StrEnum):
    SYNC_NOW = "sync_now"
    FULL_RESYNC = "full_resync"
    RETRY_FAILED = "retry_failed"
    PAUSE = "pause"
    RESUME = "resume"


class Problem(StrEnum):
    """What can turn the icon red; each holds its Spanish message while it lasts."""

    CLOUD = "cloud"  # unreachable or failing
    TANGO = "tango"  # unreachable or misconfigured
    AUTH = "auth"  # token rejected
    CONFLICT = "conflict"  # another agent syncs this company


@dataclass(frozen=True)
class Command:
    id: int
    name: CommandName
    argument: str | None
    source: str
    requested_at: datetime


@dataclass(frozen=True)
class Run:
    id: int
    job: str
    started_at: datetime
    ended_at: datetime | None
    ok: bool | None
    orders_written: int
    orders_failed: int
    records_pushed: int
    errors: tuple[str, ...]


class StateStore:
    """A connection to the state store; safe to share between the engine's threads."""

    def __init__(self, path: Path, *, clock: Clock = utcnow) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # ------------------------------------------------------------------ plumbing

    def _migrate(self) -> None:
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self.query("PRAGMA user_version")[0][0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); rolled back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def now_text(self) -> str:
        return to_text(self.clock()) or ""

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ key / value

    def put(self, name: str, value: Any) -> None:
        """Store a JSON-able value under ``name`` (None deletes it)."""
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM kv WHERE name = ?", (name,))
            else:
                conn.execute(
                    "INSERT INTO kv (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) "
                    "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (name, json.dumps(value, default=str), self.now_text()),
                )

    def get(self, name: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM kv WHERE name = ?", name)
        return json.loads(rows[0][0]) if rows else default

    def put_time(self, name: str, when: datetime | None) -> None:
        self.put(name, to_text(when))

    def get_time(self, name: str) -> datetime | None:
        return from_text(self.get(name))

    @property
    def paused(self) -> bool:
        return bool(self.get("paused", False))

    def set_paused(self, paused: bool) -> None:
        self.put("paused", paused or None)

    def set_problem(self, problem: Problem, message_es: str | None) -> None:
        """Raise (with its Spanish message) or clear (None) one of the red-icon problems."""
        self.put(f"problem:{problem.value}", message_es)

    def problems(self) -> dict[Problem, str]:
        rows = self.query("SELECT name, value FROM kv WHERE name LIKE 'problem:%'")
        return {Problem(r["name"].split(":", 1)[1]): json.loads(r["value"]) for r in rows}

    # ------------------------------------------------------------------ commands

    def request(self, name: CommandName, argument: str | None = None,
                source: str = "cli") -> int:
        """Queue a command for the engine (the tray and the CLI call this)."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO commands (name, argument, source, requested_at) VALUES (?, ?, ?, ?)",
                (name.value, argument, source, self.now_text()),
            )
            return int(cursor.lastrowid or 0)

    def take_commands(self, limit: int = 20) -> list[Command]:
        """Claim the oldest pending commands (marks them picked, so each runs once)."""
        with self.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM commands WHERE picked_at IS NULL ORDER BY id LIMIT ?", (limit,)
            ).fetchall()
            conn.executemany("UPDATE commands SET picked_at = ? WHERE id = ?",
                             [(self.now_text(), r["id"]) for r in rows])
        return [Command(r["id"], CommandName(r["name"]), r["argument"], r["source"],
                        from_text(r["requested_at"]) or self.clock()) for r in rows]

    def finish_command(self, command_id: int, result: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE commands SET done_at = ?, result = ? WHERE id = ?",
                         (self.now_text(), result[:500], command_id))

    def pending_commands(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM commands WHERE picked_at IS NULL")[0][0])

    # ------------------------------------------------------------------ runs

    def start_run(self, job: str) -> int:
        with self.transaction() as conn:
            cursor = conn.execute("INSERT INTO runs (job, started_at) VALUES (?, ?)",
                                  (job, self.now_text()))
            conn.execute("DELETE FROM runs WHERE id <= ?", ((cursor.lastrowid or 0) - KEEP_RUNS,))
            return int(cursor.lastrowid or 0)

    def end_run(self, run_id: int, *, ok: bool, orders_written: int = 0, orders_failed: int = 0,
                records_pushed: int = 0, errors: tuple[str, ...] | list[str] = ()) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET ended_at = ?, ok = ?, orders_written = ?, orders_failed = ?, "
                "records_pushed = ?, errors = ? WHERE id = ?",
                (self.now_text(), int(ok), orders_written, orders_failed, records_pushed,
                 json.dumps(list(errors), ensure_ascii=False), run_id),
            )

    def recent_runs(self, limit: int = 10) -> list[Run]:
        rows = self.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", limit)
        return [
            Run(r["id"], r["job"], from_text(r["started_at"]) or self.clock(),
                from_text(r["ended_at"]), None if r["ok"] is None else bool(r["ok"]),
                r["orders_written"], r["orders_failed"], r["records_pushed"],
                tuple(json.loads(r["errors"])))
            for r in rows
        ]

    def errors_since(self, since: datetime) -> int:
        rows = self.query("SELECT errors FROM runs WHERE started_at >= ?", to_text(since))
        return sum(len(json.loads(r[0])) for r in rows)

    # ------------------------------------------------------------------ master-data hashes

    def forget_master_hashes(self) -> int:
        """"Reenviar catálogo completo": the next push reads Tango whole and sends every record
        (the change watermarks go too)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM master_watermarks")
            return conn.execute("DELETE FROM master_hashes").rowcount
