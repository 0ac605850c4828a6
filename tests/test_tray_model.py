"""State → icon colour, tooltip and menu: the tray's decision as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activo.state_store import Problem
from activo.status import OrderError, Snapshot
from activo.tray_icons import draw_icon, rgb
from activo.tray_model import Action, IconColour, decide, new_failures

NOW = datetime(2024, 5, 1, 15, 0, tzinfo=UTC)
ENGINE = {"pid": 1, "host": "ERP", "version": "0.1.0", "started_at": NOW.isoformat()}


def snap(**kw) -> Snapshot:
    base = {"now": NOW, "engine_running": True, "engine": ENGINE,
            "last_sync_at": NOW - timedelta(minutes=2), "orders_today": 12}
    base.update(kw)
    return Snapshot(**base)


def _error(code: str) -> OrderError:
    return OrderError(code, "parked", "El artículo A9 no existe en Tango.", 1, NOW)


@pytest.mark.parametrize(("state", "colour", "headline"), [
    (snap(), IconColour.GREEN, "Todo en orden"),
    (snap(syncing=True), IconColour.BLUE, "Sincronizando…"),
    (snap(order_errors=(_error("CP-1"),)), IconColour.AMBER, "1 pedido con error"),
    (snap(master_stale=True), IconColour.AMBER, "Datos maestros desactualizados"),
    (snap(problems={Problem.AUTH: "x"}), IconColour.RED, "Token inválido"),
    (snap(problems={Problem.CLOUD: "No se pudo conectar con la nube."}), IconColour.RED,
     "No se pudo conectar con la nube."),
    (snap(problems={Problem.TANGO: "Tango no responde."}), IconColour.RED, "Tango no responde."),
    (snap(engine_running=False), IconColour.RED, "El motor de ACTIVO no está corriendo"),
    (snap(paused=True, problems={Problem.AUTH: "x"}), IconColour.GREY, "En pausa"),
])
def test_the_colour_follows_the_worst_state(state, colour, headline):
    view = decide(state)
    assert (view.colour, view.headline) == (colour, headline)


def test_red_beats_amber_beats_blue():
    both = snap(syncing=True, order_errors=(_error("CP-1"),),
                problems={Problem.CONFLICT: "otro ACTIVO ya está sincronizando esta empresa "
                                            "desde SRV2"})
    view = decide(both)
    assert view.colour is IconColour.RED
    assert "SRV2" in view.tooltip


def test_the_tooltip_reads_like_the_spec():
    view = decide(snap(order_errors=(_error("CP-1"),)))
    assert view.tooltip == "ACTIVO · último sync hace 2 min · 12 pedidos hoy · 1 con error"
    assert decide(snap(orders_today=1)).tooltip.endswith("1 pedido hoy")
    assert decide(snap(last_sync_at=None)).tooltip.startswith("ACTIVO · último sync nunca")
    assert len(decide(snap(problems={Problem.CLOUD: "x" * 400})).tooltip) <= 127


def test_the_menu_is_in_spanish_and_follows_the_state():
    labels = [e.label for e in decide(snap()).menu]
    assert labels == ["Sincronizar ahora", "Reenviar catálogo completo",
                      "Reintentar pedidos con error (0)", "Pausar", "Ver estado en la web",
                      "Abrir registro", "Abrir carpeta de configuración", "Acerca de ACTIVO",
                      "Salir"]
    menu = {e.action: e for e in decide(snap(order_errors=(_error("A"), _error("B")))).menu}
    assert menu[Action.RETRY_FAILED].label.endswith("(2)") and menu[Action.RETRY_FAILED].enabled
    assert not {e.action: e for e in decide(snap()).menu}[Action.RETRY_FAILED].enabled
    paused = {e.action: e for e in decide(snap(paused=True)).menu}
    assert paused[Action.TOGGLE_PAUSE].label == "Reanudar"
    assert not paused[Action.SYNC_NOW].enabled
    assert next(e for e in decide(snap()).menu if e.default).action is Action.SYNC_NOW


def test_only_new_failures_are_notified():
    state = snap(order_errors=(_error("CP-1"), _error("CP-2")))
    assert new_failures(frozenset({"CP-1"}), state) == ["CP-2"]
    assert new_failures(frozenset({"CP-1", "CP-2"}), state) == []


def test_each_colour_has_its_own_icon():
    images = {colour: draw_icon(colour) for colour in IconColour}
    assert all(img.size == (64, 64) and img.mode == "RGBA" for img in images.values())
    for colour, img in images.items():
        assert img.getpixel((14, 32))[:3] == rgb(colour)
    assert len({img.tobytes() for img in images.values()}) == len(IconColour)
