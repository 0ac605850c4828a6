"""The agent's heartbeat: tells the cloud it is alive, so the admin panel shows it online."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from activo import __version__
from activo.journal import Journal
from activo.state_store import StateStore
from connectors.cloud.client import CloudAgentConflict, CloudAuthError, CloudClient, CloudError
from connectors.cloud.contract import Heartbeat

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AgentActivity:
    """What the heartbeat reports (built from the state store by ``activity_from_store``)."""

    started_at: datetime
    last_order_ok_at: datetime | None = None
    last_master_sync_at: datetime | None = None
    orders_pending: int = 0
    orders_in_error: int = 0
    errors_last_hour: int = 0
    take_over: bool = False


def activity_from_store(store: StateStore, *, started_at: datetime, take_over: bool,
                        now: datetime) -> AgentActivity:
    """The heartbeat's numbers, as the engine recorded them."""
    journal = Journal(store)
    failing = journal.in_error()
    return AgentActivity(
        started_at=started_at,
        last_order_ok_at=store.get_time("last_order_ok_at"),
        last_master_sync_at=store.get_time("last_master_sync_at"),
        orders_pending=len(journal.unacked()) + sum(e.status == "failed" for e in failing),
        orders_in_error=sum(e.status != "failed" for e in failing),
        errors_last_hour=store.errors_since(now - timedelta(hours=1)),
        take_over=take_over,
    )


def send_heartbeat(
    client: CloudClient,
    activity: AgentActivity,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str | None:
    """Send one heartbeat. Returns None when it landed, or the Spanish reason it did not.

    A missed heartbeat is not worth stopping for (the next one will tell); a bad token or
    another active agent (``CloudAgentConflict``) is, and raises.
    """
    beat = Heartbeat(
        agent_version=__version__,
        host=socket.gethostname()[:255],
        started_at=activity.started_at,
        sent_at=now(),
        last_order_ok_at=activity.last_order_ok_at,
        last_master_sync_at=activity.last_master_sync_at,
        orders_pending=activity.orders_pending,
        orders_in_error=activity.orders_in_error,
        errors_last_hour=activity.errors_last_hour,
        take_over=activity.take_over,
    )
    try:
        ack = client.heartbeat(beat)
    except (CloudAuthError, CloudAgentConflict):
        raise
    except CloudError as exc:
        log.warning("heartbeat_failed", error=str(exc))
        return exc.message_es
    log.info("heartbeat_sent", company=ack.company, take_over=activity.take_over)
    return None
