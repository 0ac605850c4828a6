"""The tray icon: the ONLY module that imports the GUI toolkit (pystray, imported lazily).

Thin: it reads the state store every couple of seconds, draws what ``tray_model.decide``
says, and turns menu clicks into commands in the store (the engine picks them up within a
second). It never calls the engine, so it works the same attached to a headless engine running
as a scheduled task or service (``activo tray``) as inside ``activo run``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import structlog

from activo import __version__, desktop
from activo.state_store import CommandName, StateStore
from activo.status import read_snapshot
from activo.tray_icons import draw_icon
from activo.tray_model import Action, IconColour, TrayView, decide, new_failures

if TYPE_CHECKING:
    from activo.composition import Startup

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 2.0


class TrayUnavailable(Exception):
    """No desktop to show an icon on (a server session, SSH)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message_es = (
            "No hay un escritorio donde mostrar el ícono de ACTIVO "
            f"({detail}). Usá `activo run --no-tray` para el motor solo."
        )


@dataclass(frozen=True)
class TrayOptions:
    data_dir: Path
    log_dir: Path
    web_url: str
    attached: bool  # True: `activo tray` (Salir closes the icon only)
    stale_after: timedelta
    refresh_seconds: float = REFRESH_SECONDS

    @classmethod
    def from_startup(cls, startup: Startup, *, attached: bool) -> TrayOptions:
        url = startup.config.cloud.url.rstrip("/")
        return cls(
            data_dir=startup.paths.data_dir,
            log_dir=startup.paths.log_dir,
            web_url=f"{url}/inicio" if url else "",
            attached=attached,
            stale_after=timedelta(seconds=3 * startup.config.sync.master_data_interval_seconds),
        )


def load_pystray() -> ModuleType:
    """Import pystray now (it connects to the display on import)."""
    try:
        import pystray
    except Exception as exc:  # no display, no backend: all mean "no tray here"
        raise TrayUnavailable(f"{type(exc).__name__}: {exc}"[:200]) from exc
    return pystray


class TrayApp:
    def __init__(
        self,
        store: StateStore,
        options: TrayOptions,
        *,
        stop: threading.Event,
        pystray: ModuleType,
        open_path: Callable[[Path], None] = desktop.open_path,
        open_url: Callable[[str], None] = desktop.open_url,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.options = options
        self.stop = stop
        self._pystray = pystray
        self._open_path = open_path
        self._open_url = open_url
        self._now = now
        self._view = self.current_view()
        self._known_failures: frozenset[str] | None = None
        self._colour: IconColour | None = None
        self._loop_ended = threading.Event()
        self.icon = self._build_icon()

    # ------------------------------------------------------------------ model

    def current_view(self) -> TrayView:
        snap = read_snapshot(self.store, self._now(), stale_after=self.options.stale_after)
        view = decide(snap)
        self._snapshot = snap
        return view

    def _build_icon(self) -> Any:
        ps = self._pystray
        items = [
            ps.MenuItem(
                (lambda i: lambda _item: self._view.menu[i].label)(index),
                (lambda a: lambda _icon, _item: self.handle(a))(entry.action),
                enabled=(lambda i: lambda _item: self._view.menu[i].enabled)(index),
                default=entry.default,
            )
            for index, entry in enumerate(self._view.menu)
        ]
        self._colour = self._view.colour
        return ps.Icon("ACTIVO", draw_icon(self._view.colour), self._view.tooltip,
                       menu=ps.Menu(*items))

    def refresh(self) -> None:
        """Read the store again; redraw only what changed; notify new order failures."""
        previous = self._view
        self._view = self.current_view()
        if self._view.colour is not self._colour:
            self.icon.icon = draw_icon(self._view.colour)
            self._colour = self._view.colour
        if self._view.tooltip != previous.tooltip:
            self.icon.title = self._view.tooltip
        if self._view.menu != previous.menu:
            self.icon.update_menu()
        failing = frozenset(e.code for e in self._snapshot.order_errors)
        if self._known_failures is not None:
            fresh = new_failures(self._known_failures, self._snapshot)
            if fresh:
                reason = self._snapshot.order_errors[-1].reason
                self._notify(f"{len(fresh)} pedido(s) con error: {', '.join(fresh)}. {reason}",
                             "ACTIVO: pedido con error")
        self._known_failures = failing

    # ------------------------------------------------------------------ actions

    def handle(self, action: Action) -> None:
        log.info("tray_action", action=action.value)
        try:
            self._handle(action)
        except Exception:  # a menu click must never take the icon down
            log.exception("tray_action_failed", action=action.value)
        if action is not Action.QUIT:
            self.refresh()

    def _handle(self, action: Action) -> None:
        commands = {Action.SYNC_NOW: CommandName.SYNC_NOW,
                    Action.FULL_RESYNC: CommandName.FULL_RESYNC,
                    Action.RETRY_FAILED: CommandName.RETRY_FAILED}
        if action in commands:
            self.store.request(commands[action], source="tray")
        elif action is Action.TOGGLE_PAUSE:
            paused = self.store.paused
            self.store.request(CommandName.RESUME if paused else CommandName.PAUSE,
                               source="tray")
            # Shown at once, even before the engine confirms (and if it is not running).
            self.store.set_paused(not paused)
        elif action is Action.OPEN_WEB and self.options.web_url:
            self._open_url(self.options.web_url)
        elif action is Action.OPEN_LOG:
            self._open_path(self.options.log_dir)
        elif action is Action.OPEN_CONFIG:
            self._open_path(self.options.data_dir)
        elif action is Action.ABOUT:
            self._notify(f"ACTIVO {__version__}: pasa los pedidos de Castor Pedidos a Tango "
                         f"Gestión. Carpeta: {self.options.data_dir}", "Acerca de ACTIVO")
        elif action is Action.QUIT:
            self.stop.set()
            self.icon.stop()

    def _notify(self, message: str, title: str) -> None:
        if getattr(self.icon, "HAS_NOTIFICATION", False):
            self.icon.notify(message[:250], title)
        log.info("tray_notification", title=title, text=message)

    # ------------------------------------------------------------------ loop

    def run(self) -> bool:
        """Show the icon on this (main) thread until Salir, or ``stop`` is set elsewhere.

        Returns whether it ended on purpose; False when the desktop took the icon away (a
        tray manager restart), so ``activo run`` keeps its engine going headless."""
        def setup(icon: Any) -> None:
            threading.Thread(target=self._refresh_loop, name="activo-tray-refresh",
                             daemon=True).start()
            icon.visible = True

        log.info("tray_started", attached=self.options.attached)
        try:
            self.icon.run(setup=setup)
        finally:
            self._loop_ended.set()
        ended_on_purpose = self.stop.is_set()
        log.info("tray_stopped", on_purpose=ended_on_purpose)
        return ended_on_purpose

    def _refresh_loop(self) -> None:
        while not self.stop.wait(self.options.refresh_seconds):
            try:
                self.refresh()
                self._flush_display()
            except Exception:
                log.exception("tray_refresh_failed")
        log.info("tray_closing")
        self.icon.stop()
        self._nudge_until_closed()

    def _flush_display(self) -> None:
        """Work around a python-xlib race (Linux only): a request queued from one thread while
        another sends may stay unsent while the icon's loop waits in ``select`` (the dock
        request, the window's destruction). Flushing again sends it; a no-op elsewhere."""
        display = getattr(self.icon, "_display", None)
        if display is not None:
            display.flush()

    def _nudge_until_closed(self) -> None:
        for _ in range(50):  # bounded: 5 s
            if self._loop_ended.wait(0.1):
                return
            self._flush_display()


def run_tray(store: StateStore, options: TrayOptions, *, stop: threading.Event) -> bool:
    """``activo tray``: the icon on the calling (main) thread."""
    return TrayApp(store, options, stop=stop, pystray=load_pystray()).run()
