"""Which master kinds go on which schedule, and the optional window for the heavy pushes.

Prices and stock change all day and are what a rep quotes, so they go on the fast schedule
(``[sync] fast_interval_seconds``, default 60 s). The rest (articles, customers, lists, sellers,
conditions, depósitos, IVA) go on the slow one (``[sync] master_data_interval_seconds``, default
15 min), only inside ``[sync] heavy_window`` when one is set ("22:00-06:00" wraps midnight; empty
means any time). A push someone asks for (sync now, «Reenviar catálogo completo») ignores the
window.

Either schedule reads only the rows changed since the last acknowledged push where change
tracking is on (``[tango] change_tracking``), and each kind whole every
``[tango] full_read_minutes`` (``activo.push_changes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from connectors.cloud.contract import PUSH_ORDER, MasterKind

FAST_KINDS: tuple[MasterKind, ...] = (MasterKind.PRICES, MasterKind.STOCK)
SLOW_KINDS: tuple[MasterKind, ...] = tuple(k for k in PUSH_ORDER if k not in FAST_KINDS)

_WINDOW = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class Window:
    """A daily span of local time; ``start == end`` means the whole day."""

    start: time
    end: time

    def contains(self, when: time) -> bool:
        if self.start == self.end:
            return True
        if self.start < self.end:
            return self.start <= when < self.end
        return when >= self.start or when < self.end  # wraps midnight


def parse_window(text: str) -> Window | None:
    """``"22:00-06:00"`` → a Window; ``""`` → None (any time). Raises ValueError otherwise."""
    if not text.strip():
        return None
    match = _WINDOW.match(text)
    if match is None:
        raise ValueError(f"not a HH:MM-HH:MM window: {text!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    return Window(time(h1, m1), time(h2, m2))


def window_problem(text: str) -> str | None:
    """The config rule for ``[sync] heavy_window`` (Spanish), None when fine."""
    try:
        parse_window(text)
    except ValueError:
        return 'debe ser un horario como "22:00-06:00", o vacío para cualquier hora'
    return None


def heavy_allowed(window_text: str, local_now: time) -> bool:
    """Whether a scheduled slow push may run now."""
    window = parse_window(window_text)
    return window is None or window.contains(local_now)
