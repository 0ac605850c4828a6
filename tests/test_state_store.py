"""The local state store: schema migrations, WAL, commands claimed once, runs, problems."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from activo.journal import Journal, JournalStatus
from activo.state_schema import MIGRATIONS, latest_version
from activo.state_store import CommandName, Problem, StateStore
from tests.test_agent_pull_orders import _order


def test_a_fresh_store_is_migrated_to_the_latest_version_in_wal_mode(tmp_path):
    with StateStore(tmp_path / "state.sqlite3") as store:
        assert store.schema_version == latest_version() == len(MIGRATIONS)
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
        tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"journal", "runs", "master_hashes", "commands", "kv"} <= tables
    with StateStore(tmp_path / "state.sqlite3") as again:  # reopening migrates nothing
        assert again.schema_version == latest_version()


def test_migrations_run_from_the_version_found(tmp_path):
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")  # as if migration 1 had run
        conn.executescript(MIGRATIONS[0])
    with StateStore(path) as store:
        assert store.schema_version == latest_version()


def test_commands_are_claimed_once_in_order(tmp_path):
    with StateStore(tmp_path / "s.sqlite3") as store, StateStore(tmp_path / "s.sqlite3") as tray:
        tray.request(CommandName.PAUSE, source="tray")
        tray.request(CommandName.RETRY_FAILED, "CP-1", source="cli")
        assert store.pending_commands() == 2
        first = store.take_commands()
        assert [(c.name, c.argument, c.source) for c in first] == [
            (CommandName.PAUSE, None, "tray"), (CommandName.RETRY_FAILED, "CP-1", "cli")]
        assert store.take_commands() == []
        store.finish_command(first[0].id, "paused")
        assert store.query("SELECT result FROM commands WHERE id = ?", first[0].id)[0][0] == \
            "paused"


def test_runs_problems_pause_and_hashes(tmp_path):
    with StateStore(tmp_path / "s.sqlite3") as store:
        run = store.start_run("master_data")
        store.end_run(run, ok=False, records_pushed=3, errors=["sin conexión"])
        [last] = store.recent_runs()
        assert (last.job, last.ok, last.records_pushed, last.errors) == (
            "master_data", False, 3, ("sin conexión",))
        assert store.errors_since(datetime.now(UTC) - timedelta(hours=1)) == 1
        store.set_problem(Problem.AUTH, "Token inválido")
        assert store.problems() == {Problem.AUTH: "Token inválido"}
        store.set_problem(Problem.AUTH, None)
        assert store.problems() == {}
        store.set_paused(True)
        assert store.paused
        store.query("INSERT INTO master_hashes VALUES ('articles', 'A1', 'h', 'now')")
        assert store.forget_master_hashes() == 1


def test_the_journal_keeps_a_parked_order_until_a_retry_is_asked(tmp_path):
    with StateStore(tmp_path / "s.sqlite3") as store:
        journal = Journal(store)
        journal.record_failure(_order("CP-9"), "lease-9", kind="business",
                               message_es="El artículo A1 no existe.", parked=True,
                               next_attempt_at=None)
        [entry] = journal.parked()
        assert entry.status is JournalStatus.PARKED and entry.attempts == 1
        assert entry.order().code == "CP-9"
        assert journal.retry_requested() == []
        assert journal.request_retry("CP-8") == []
        assert journal.request_retry() == ["CP-9"]
        assert [e.code for e in journal.retry_requested()] == ["CP-9"]
        journal.record_written("CP-9", 6, "X0065200000001", "lease-9")
        assert journal.unacked()[0].tango_number == "X0065200000001"
        journal.record_acked("CP-9")
        assert journal.unacked() == [] and journal.in_error() == []
        assert journal.written_since(datetime.now(UTC) - timedelta(minutes=1)) == 1


def test_the_heartbeat_numbers_come_from_the_store(tmp_path):
    from activo.heartbeat import activity_from_store

    now = datetime.now(UTC)
    with StateStore(tmp_path / "s.sqlite3") as store:
        journal = Journal(store)
        journal.record_written("CP-1", 6, "X0065200000001", "l1")  # written, ack pending
        journal.record_failure(_order("CP-2"), "l2", kind="business", message_es="x",
                               parked=True, next_attempt_at=None)
        journal.record_failure(_order("CP-3"), "l3", kind="transient", message_es="y",
                               parked=False, next_attempt_at=now)
        store.end_run(store.start_run("orders"), ok=False, errors=["a", "b"])
        store.put_time("last_order_ok_at", now)
        store.put_time("last_master_sync_at", now - timedelta(minutes=5))
        activity = activity_from_store(store, started_at=now - timedelta(hours=1),
                                       take_over=True, now=now)
    assert activity.orders_pending == 2  # the unacked one and the one retrying by itself
    assert activity.orders_in_error == 1
    assert activity.errors_last_hour == 2
    assert activity.last_order_ok_at is not None
    assert activity.take_over is True
    assert activity.last_master_sync_at is not None
