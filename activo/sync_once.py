"""One full sync pass: heartbeat, master data and images up, orders down. ``activo sync --once``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from activo.config import ImagesConfig
from activo.heartbeat import AgentActivity, send_heartbeat
from activo.image_state import ImageState
from activo.journal import Journal
from activo.pull_orders import Outcome, PedidoSink, PullResult, pull_orders
from activo.push_images import ImagePushResult, limits_for, push_images
from activo.push_master_data import KIND_LABELS_ES, MasterDataSource, PushResult, push_master_data
from activo.record_hashes import RecordHashes
from connectors.cloud.client import CloudClient


@dataclass(frozen=True)
class SyncSummary:
    """What a pass did: master records by kind, orders by outcome, and every problem."""

    master: PushResult
    orders: PullResult
    heartbeat_error: str | None = None
    images: ImagePushResult | None = None  # None: no [images] folder

    @property
    def errors(self) -> tuple[str, ...]:
        extra = (self.heartbeat_error,) if self.heartbeat_error else ()
        image_errors = tuple(self.images.errors) if self.images else ()
        return (*extra, *self.master.errors, *image_errors, *self.orders.errors)

    @property
    def ok(self) -> bool:
        return not self.errors and self.orders.count(Outcome.FAILED) == 0

    def line_es(self) -> str:
        """One line for people, e.g. for ``activo sync --once``."""
        kinds = ", ".join(
            f"{KIND_LABELS_ES[k]} {n}" for k, n in self.master.records.items() if n
        )
        master = f"{self.master.total} registros enviados a la nube" + (
            f" ({kinds})" if kinds else ""
        )
        orders = (
            f"pedidos: {self.orders.count(Outcome.WRITTEN)} escritos en Tango, "
            f"{self.orders.count(Outcome.ALREADY_PRESENT)} ya estaban, "
            f"{self.orders.count(Outcome.FAILED)} con error"
        )
        if self.images is not None:
            master += (f"; imágenes: {len(self.images.uploaded)} enviadas, "
                       f"{len(self.images.deleted)} borradas, "
                       f"{len(self.images.skipped)} salteadas")
        status = "OK" if self.ok else f"{len(self.errors)} problema(s)"
        return f"Sincronización {status}: {master}; {orders}."


def sync_once(
    client: CloudClient,
    source: MasterDataSource,
    writer: PedidoSink,
    journal: Journal,
    *,
    batch_size: int,
    max_orders: int,
    started_at: datetime | None = None,
    take_over: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    images: ImagesConfig | None = None,
) -> SyncSummary:
    """Heartbeat, push what changed in each master kind, then write waiting orders (no poll).

    Acks the journal holds but the cloud never got go first (inside ``pull_orders``). A bad
    token or another active agent raises. Master data goes first so the cloud validates new
    orders against what Tango has now.
    """
    activity = AgentActivity(started_at=started_at or now(), take_over=take_over)
    heartbeat_error = send_heartbeat(client, activity, now=now)
    master = push_master_data(client, source, batch_size=batch_size,
                              hashes=RecordHashes(journal.store))
    pushed_images = None
    if images is not None and images.folder:
        pushed_images = push_images(client, Path(images.folder).expanduser(),
                                    ImageState(journal.store), limits_for(images))
    orders = pull_orders(client, writer, journal, first_wait_seconds=0, max_orders=max_orders,
                         now=now)
    return SyncSummary(master=master, orders=orders, heartbeat_error=heartbeat_error,
                       images=pushed_images)
