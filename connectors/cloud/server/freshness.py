"""When the company's data was last refreshed from Tango, and how the pages say it.

The agent's heartbeat row keeps ``last_master_sync_at``: the agent reports it after each
completed master-data cycle (an unchanged cycle confirms the data too), and every applied batch
moves it forward at once, so a price pushed a moment ago shows a fresh time without waiting for
the next heartbeat. The time only moves forward and never past the server's clock. Before any
heartbeat the newest price or stock row tells.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from connectors.cloud.server.formatting import format_datetime
from connectors.cloud.server.models import AgentHeartbeat, PriceRow, StockRow
from connectors.cloud.server.sqltypes import utcnow

# Prices and stock travel every minute; a quarter of an hour without news means something is off.
STALE_AFTER = timedelta(minutes=15)
LABEL_ES = "Precios y stock actualizados desde Tango"


@dataclass(frozen=True, slots=True)
class Freshness:
    """The last refresh and whether it is too old, as a page shows it."""

    at: datetime | None
    stale: bool

    @property
    def text(self) -> str:
        """«Precios y stock actualizados desde Tango: 04/12/2026 14:32» (Argentina time)."""
        return f"{LABEL_ES}: {format_datetime(self.at) if self.at else 'sin datos'}"


def describe(at: datetime | None, now: datetime, stale_after: timedelta = STALE_AFTER
             ) -> Freshness:
    """How fresh data refreshed at ``at`` is at ``now`` (no data at all counts as stale)."""
    return Freshness(at=at, stale=at is None or now - at > stale_after)


def newest(previous: datetime | None, reported: datetime | None, now: datetime
           ) -> datetime | None:
    """The sync time to keep: the later of both, a report from the future cut to ``now``."""
    if reported is not None and reported > now:
        reported = now
    if previous is None or (reported is not None and reported > previous):
        return reported
    return previous


def mark_applied(session: Session, company_id: int) -> None:
    """A batch was applied now: the company's data is fresh as of now (one time per company:
    every kind travels in the agent's cycles).

    One conditional UPDATE of the heartbeat row (none before the agent's first heartbeat: then
    the rows' own ``updated_at`` tells).
    """
    now = utcnow()
    session.execute(
        update(AgentHeartbeat)
        .where(AgentHeartbeat.company_id == company_id,
               or_(AgentHeartbeat.last_master_sync_at.is_(None),
                   AgentHeartbeat.last_master_sync_at < now))
        .values(last_master_sync_at=now)
        .execution_options(synchronize_session=False)
    )


def last_refreshed(session: Session, company_id: int) -> datetime | None:
    """When the company's data was last confirmed fresh from Tango; None when never."""
    beat = session.execute(
        select(AgentHeartbeat.last_master_sync_at).where(AgentHeartbeat.company_id == company_id)
    ).first()
    if beat is not None:
        return beat[0]
    found = [
        session.scalar(select(func.max(table.updated_at)).where(table.company_id == company_id))
        for table in (PriceRow, StockRow)
    ]
    return max((at for at in found if at is not None), default=None)

def company_freshness(session: Session, company_id: int, now: datetime | None = None
                      ) -> Freshness:
    """The freshness line of ``company_id`` right now."""
    return describe(last_refreshed(session, company_id), now or utcnow())


class FreshnessCache:
    """Per server process: each company's last refresh, read again at most every ``ttl``
    seconds, so the line on every page costs no database round trip of its own. Whether it is
    stale is judged on each call (against the clock, not the cache)."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, datetime | None]] = {}

    def get(self, company_id: int, load: Callable[[], datetime | None],
            now: datetime | None = None) -> Freshness:
        tick = self._clock()
        with self._lock:
            entry = self._entries.get(company_id)
        if entry is None or tick - entry[0] >= self.ttl:
            entry = (tick, load())
            with self._lock:
                self._entries[company_id] = entry
        return describe(entry[1], now or utcnow())
