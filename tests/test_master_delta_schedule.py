"""Fast and slow master-data schedules and the heavy-push window."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from activo import engine_jobs
from activo.config import Config, ConfigError, load_config
from activo.engine_jobs import EngineJobs, EngineParts
from activo.master_schedule import FAST_KINDS, SLOW_KINDS, heavy_allowed, parse_window
from activo.push_master_data import PushResult
from activo.state_store import StateStore
from connectors.cloud.contract import PUSH_ORDER, MasterKind
from connectors.tango.settings import TangoSettings

BASE = """
[cloud]
url = "https://pedidos.example.com.ar"

[tango]
connection = "DRIVER={ODBC Driver 17 for SQL Server};SERVER=S;DATABASE=E;UID=activo"
"""


def test_prices_and_stock_are_fast_and_every_other_kind_slow():
    assert set(FAST_KINDS) == {MasterKind.PRICES, MasterKind.STOCK}
    assert set(FAST_KINDS) | set(SLOW_KINDS) == set(PUSH_ORDER)
    assert not set(FAST_KINDS) & set(SLOW_KINDS)


def test_windows_parse_and_wrap_midnight():
    assert parse_window("") is None and heavy_allowed("", time(12, 0))
    night = parse_window("22:00-06:00")
    assert night.contains(time(23, 30)) and night.contains(time(5, 59))
    assert not night.contains(time(6, 0)) and not night.contains(time(12, 0))
    day = parse_window(" 9:30 - 18:00 ")
    assert day.contains(time(9, 30)) and not day.contains(time(18, 0))
    with pytest.raises(ValueError):
        parse_window("22-06")


def test_config_defaults_and_a_bad_window(tmp_path: Path):
    path = tmp_path / "activo.toml"
    path.write_text(BASE, encoding="utf-8")
    sync = load_config(path, {}).sync
    assert (sync.fast_interval_seconds, sync.master_data_interval_seconds, sync.heavy_window) == (
        60, 900, "")
    path.write_text(BASE + '[sync]\nheavy_window = "de noche"\nfast_interval_seconds = 5\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    problems = " ".join(caught.value.problems)
    assert "heavy_window" in problems and "22:00-06:00" in problems
    assert "fast_interval_seconds" in problems


class _NoTango:
    def __init__(self, settings):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


@pytest.fixture
def jobs(tmp_path, monkeypatch):
    pushed: list[tuple[MasterKind, ...]] = []

    def fake_push(client, tango, *, batch_size, kinds, hashes):
        pushed.append(tuple(kinds))
        return PushResult()

    monkeypatch.setattr(engine_jobs, "push_master_data", fake_push)
    monkeypatch.setattr(engine_jobs, "TangoLink", _NoTango)
    clock = {"now": datetime(2026, 12, 4, 12, 0, tzinfo=UTC)}
    store = StateStore(tmp_path / "state.sqlite3")
    config = Config()
    config = dataclasses.replace(config, sync=dataclasses.replace(
        config.sync, heavy_window="00:00-00:01"))
    parts = EngineParts(client=None, tango=TangoSettings("sqlite:/x"), store=store,
                        config=config, started_at=clock["now"], now=lambda: clock["now"],
                        read_token=lambda: None)
    made = EngineJobs(parts, threading.Event())
    made.gate.ready.set()
    yield made, pushed
    store.close()


def test_outside_the_window_only_prices_and_stock_go_once_the_slow_kinds_went_once(jobs):
    made, pushed = jobs
    made.master_data(PUSH_ORDER, scheduled=True)  # never pushed: the window does not apply
    made.master_data(PUSH_ORDER, scheduled=True)
    made.master_data(SLOW_KINDS, scheduled=True)  # nothing to do outside the window
    made.master_data(PUSH_ORDER)  # asked for (sync now): every kind
    assert pushed == [PUSH_ORDER, tuple(k for k in PUSH_ORDER if k in FAST_KINDS), PUSH_ORDER]


def test_before_the_first_heartbeat_the_push_asks_to_be_tried_again_soon(jobs):
    made, pushed = jobs
    made.gate.ready.clear()
    assert made.master_data(PUSH_ORDER) == engine_jobs.GATE_WAIT_SECONDS
    assert pushed == []
