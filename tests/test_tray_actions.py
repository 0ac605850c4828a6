"""The tray's menu driven through a fake pystray: clicks become commands in the state store,
the icon follows the store, new order failures are notified, Salir ends the loop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from activo.journal import Journal
from activo.state_store import CommandName, StateStore
from activo.tray import TrayApp, TrayOptions
from activo.tray_model import Action
from tests.test_agent_pull_orders import _order


class FakeIcon:
    HAS_NOTIFICATION = True

    def __init__(self, name, icon, title, menu):
        self.name, self.icon, self.title, self.menu = name, icon, title, menu
        self.notifications: list[tuple[str, str]] = []
        self.menu_updates = 0
        self.stopped = threading.Event()
        self.visible = False

    def notify(self, message, title=None):
        self.notifications.append((title, message))

    def update_menu(self):
        self.menu_updates += 1

    def run(self, setup=None):
        if setup:
            setup(self)
        self.stopped.wait(10)

    def stop(self):
        self.stopped.set()

    # What a click does in pystray: call the item's action with (icon, item).
    def click(self, label: str) -> None:
        item = next(i for i in self.menu.items if i.label() == label)
        assert item.is_enabled(), f"{label} is disabled"
        item.action(self, item)

    def labels(self) -> list[str]:
        return [i.label() for i in self.menu.items]


class FakeMenuItem:
    def __init__(self, text, action, enabled=True, default=False):
        self._text, self.action, self._enabled, self.default = text, action, enabled, default

    def label(self) -> str:
        return self._text(self) if callable(self._text) else self._text

    def is_enabled(self) -> bool:
        return self._enabled(self) if callable(self._enabled) else self._enabled


class FakeMenu:
    def __init__(self, *items):
        self.items = items


FAKE_PYSTRAY = SimpleNamespace(Icon=FakeIcon, Menu=FakeMenu, MenuItem=FakeMenuItem)


@pytest.fixture
def store(tmp_path):
    with StateStore(tmp_path / "state.sqlite3") as s:
        s.put_time("alive_at", datetime.now(UTC))
        s.put("engine", {"pid": 1, "host": "ERP", "version": "x",
                         "started_at": datetime.now(UTC).isoformat()})
        yield s


def _app(store, tmp_path, opened: list) -> TrayApp:
    options = TrayOptions(data_dir=tmp_path, log_dir=tmp_path / "logs",
                          web_url="https://pedidos.example.com.ar/inicio", attached=True,
                          stale_after=timedelta(hours=1), refresh_seconds=0.05)
    return TrayApp(store, options, stop=threading.Event(), pystray=FAKE_PYSTRAY,
                   open_path=lambda p: opened.append(Path(p)), open_url=opened.append)


def _commands(store) -> list[tuple[str, str]]:
    return [(r["name"], r["source"]) for r in store.query("SELECT * FROM commands ORDER BY id")]


def test_menu_clicks_write_commands_for_the_engine(store, tmp_path):
    app = _app(store, tmp_path, [])
    app.icon.click("Sincronizar ahora")
    app.icon.click("Reenviar catálogo completo")
    assert _commands(store) == [(CommandName.SYNC_NOW, "tray"), (CommandName.FULL_RESYNC, "tray")]


def test_pause_and_resume_toggle_the_label_at_once(store, tmp_path):
    app = _app(store, tmp_path, [])
    app.icon.click("Pausar")
    assert store.paused and "Reanudar" in app.icon.labels()
    assert app.icon.menu_updates >= 1
    app.icon.click("Reanudar")
    assert not store.paused
    assert _commands(store) == [(CommandName.PAUSE, "tray"), (CommandName.RESUME, "tray")]


def test_retry_is_enabled_with_failures_and_a_new_failure_is_notified(store, tmp_path):
    app = _app(store, tmp_path, [])
    app.refresh()
    assert "Reintentar pedidos con error (0)" in app.icon.labels()
    before = app.icon.icon
    Journal(store).record_failure(_order("CP-5"), "l", kind="business", parked=True,
                                  message_es="El cliente está inhabilitado.",
                                  next_attempt_at=None)
    app.refresh()
    assert app.icon.icon is not before  # amber now
    assert "1 con error" in app.icon.title
    [(_title, message)] = app.icon.notifications
    assert "CP-5" in message and "inhabilitado" in message
    app.refresh()
    assert len(app.icon.notifications) == 1  # once per failure
    app.icon.click("Reintentar pedidos con error (1)")
    assert _commands(store) == [(CommandName.RETRY_FAILED, "tray")]


def test_folders_web_and_about(store, tmp_path):
    opened: list = []
    app = _app(store, tmp_path, opened)
    app.icon.click("Abrir registro")
    app.icon.click("Abrir carpeta de configuración")
    app.icon.click("Ver estado en la web")
    assert opened == [tmp_path / "logs", tmp_path, "https://pedidos.example.com.ar/inicio"]
    app.icon.click("Acerca de ACTIVO")
    assert app.icon.notifications[-1][0] == "Acerca de ACTIVO"


def test_salir_ends_the_tray_loop(store, tmp_path):
    app = _app(store, tmp_path, [])
    runner = threading.Thread(target=app.run)
    runner.start()
    app.icon.click("Salir")
    runner.join(timeout=5)
    assert not runner.is_alive() and app.stop.is_set()


def test_a_stop_from_outside_closes_the_icon(store, tmp_path):
    app = _app(store, tmp_path, [])
    runner = threading.Thread(target=app.run)
    runner.start()
    app.stop.set()  # SIGTERM in `activo run`
    runner.join(timeout=5)
    assert not runner.is_alive() and app.icon.stopped.is_set()


def test_a_failing_action_never_takes_the_icon_down(store, tmp_path):
    def broken(_path):
        raise OSError("no file manager")

    options = TrayOptions(data_dir=tmp_path, log_dir=tmp_path, web_url="", attached=True,
                          stale_after=timedelta(hours=1))
    app = TrayApp(store, options, stop=threading.Event(), pystray=FAKE_PYSTRAY,
                  open_path=broken, open_url=lambda u: None)
    app.handle(Action.OPEN_LOG)  # logged, not raised
    assert not app.stop.is_set()
