"""The tray's whole decision, as a pure function: snapshot → icon colour, tooltip, menu.

Colours: grey paused · red failing (engine not running, cloud or Tango unreachable, token
rejected, another agent) · amber attention (orders in error, master data stale) · blue
syncing · green all well. The tray module only draws what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from activo.state_store import Problem
from activo.status import Snapshot
from activo.status_text import ago_es

TOOLTIP_MAX = 127  # Windows truncates tray tooltips at 128 characters


class IconColour(StrEnum):
    GREEN = "green"
    BLUE = "blue"
    AMBER = "amber"
    RED = "red"
    GREY = "grey"


class Action(StrEnum):
    SYNC_NOW = "sync_now"
    FULL_RESYNC = "full_resync"
    RETRY_FAILED = "retry_failed"
    TOGGLE_PAUSE = "toggle_pause"
    OPEN_WEB = "open_web"
    OPEN_LOG = "open_log"
    OPEN_CONFIG = "open_config"
    ABOUT = "about"
    QUIT = "quit"


@dataclass(frozen=True)
class MenuEntry:
    label: str
    action: Action
    enabled: bool = True
    default: bool = False  # what a click on the icon does


@dataclass(frozen=True)
class TrayView:
    colour: IconColour
    tooltip: str
    headline: str  # the one thing to say about the state (also the first line of the menu)
    menu: tuple[MenuEntry, ...]


_PROBLEM_ORDER = (Problem.AUTH, Problem.CONFLICT, Problem.TANGO, Problem.CLOUD)


def decide(snap: Snapshot) -> TrayView:
    colour, headline = _colour(snap)
    parts = ["ACTIVO", f"último sync {ago_es(snap.last_sync_at, snap.now)}",
             f"{snap.orders_today} pedido{'s' if snap.orders_today != 1 else ''} hoy"]
    if snap.orders_in_error:
        parts.append(f"{snap.orders_in_error} con error")
    tooltip = " · ".join(parts)
    if colour in (IconColour.RED, IconColour.GREY) or headline.startswith("Datos"):
        tooltip = f"{tooltip}\n{headline}"
    return TrayView(colour=colour, tooltip=_clip(tooltip), headline=headline,
                    menu=_menu(snap))


def _colour(snap: Snapshot) -> tuple[IconColour, str]:
    if snap.paused:
        return IconColour.GREY, "En pausa"
    if not snap.engine_running:
        return IconColour.RED, "El motor de ACTIVO no está corriendo"
    for problem in _PROBLEM_ORDER:
        if problem in snap.problems:
            message = snap.problems[problem]
            if problem is Problem.AUTH:
                return IconColour.RED, "Token inválido"
            return IconColour.RED, message
    if snap.orders_in_error:
        n = snap.orders_in_error
        return IconColour.AMBER, f"{n} pedido{'s' if n != 1 else ''} con error"
    if snap.master_stale:
        return IconColour.AMBER, "Datos maestros desactualizados"
    if snap.syncing:
        return IconColour.BLUE, "Sincronizando…"
    return IconColour.GREEN, "Todo en orden"


def _menu(snap: Snapshot) -> tuple[MenuEntry, ...]:
    n = snap.orders_in_error
    return (
        MenuEntry("Sincronizar ahora", Action.SYNC_NOW, enabled=not snap.paused, default=True),
        MenuEntry("Reenviar catálogo completo", Action.FULL_RESYNC, enabled=not snap.paused),
        MenuEntry(f"Reintentar pedidos con error ({n})", Action.RETRY_FAILED, enabled=n > 0),
        MenuEntry("Reanudar" if snap.paused else "Pausar", Action.TOGGLE_PAUSE),
        MenuEntry("Ver estado en la web", Action.OPEN_WEB),
        MenuEntry("Abrir registro", Action.OPEN_LOG),
        MenuEntry("Abrir carpeta de configuración", Action.OPEN_CONFIG),
        MenuEntry("Acerca de ACTIVO", Action.ABOUT),
        MenuEntry("Salir", Action.QUIT),
    )


def new_failures(before: frozenset[str], snap: Snapshot) -> list[str]:
    """Order codes in error now that were not before: each gets one notification."""
    return [e.code for e in snap.order_errors if e.code not in before]


def _clip(text: str) -> str:
    return text if len(text) <= TOOLTIP_MAX else text[: TOOLTIP_MAX - 1] + "…"
