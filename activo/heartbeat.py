"""The agent's heartbeat: tells the cloud it is alive, so the admin panel shows it online."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from activo import __version__
from connectors.cloud.client import CloudAuthError, CloudClient, CloudError
from connectors.cloud.contract import Heartbeat

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AgentActivity:
    """What the heartbeat reports; the state store (a later issue) will keep these for real."""

    started_at: datetime
    last_order_ok_at: datetime | None = None
    last_master_sync_at: datetime | None = None
    orders_in_error: int = 0


def send_heartbeat(
    client: CloudClient,
    activity: AgentActivity,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str | None:
    """Send one heartbeat. Returns None when it landed, or the Spanish reason it did not.

    A missed heartbeat is not worth stopping for (the next one will tell); a bad token is.
    """
    beat = Heartbeat(
        agent_version=__version__,
        host=socket.gethostname()[:255],
        started_at=activity.started_at,
        sent_at=now(),
        last_order_ok_at=activity.last_order_ok_at,
        last_master_sync_at=activity.last_master_sync_at,
        orders_in_error=activity.orders_in_error,
    )
    try:
        ack = client.heartbeat(beat)
    except CloudAuthError:
        raise
    except CloudError as exc:
        log.warning("heartbeat_failed", error=str(exc))
        return exc.message_es
    log.info("heartbeat_sent", company=ack.company)
    return None
