"""Push Tango's master data (articles, prices, customers, …) up to the cloud, in batches.

This cut sends every record of every kind on each push. The hash diff (issue 6) will filter
``records`` before batching against the state store's ``master_hashes`` table and record each
acknowledged batch there, so ``batches_of`` and the per-batch loop stay as they are.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

import structlog

from connectors.cloud.client import (
    CloudAuthError,
    CloudClient,
    CloudError,
    CloudUnreachable,
)
from connectors.cloud.contract import PUSH_ORDER, MasterDataBatch, MasterKind, MasterRecord
from connectors.tango.errors import TangoError

log = structlog.get_logger(__name__)

KIND_LABELS_ES: Mapping[MasterKind, str] = MappingProxyType(
    {
        MasterKind.ARTICLES: "artículos",
        MasterKind.PRICE_LISTS: "listas de precios",
        MasterKind.PRICES: "precios",
        MasterKind.CUSTOMERS: "clientes",
        MasterKind.SELLERS: "vendedores",
        MasterKind.SALE_CONDITIONS: "condiciones de venta",
        MasterKind.DEPOSITS: "depósitos",
        MasterKind.STOCK: "stock",
        MasterKind.VAT_RATES: "alícuotas de IVA",
    }
)


class MasterDataSource(Protocol):
    """Where master records come from (``connectors.tango`` reads them from Tango)."""

    def read(self, kind: MasterKind) -> Iterable[MasterRecord]: ...


@dataclass(frozen=True)
class PushResult:
    """What one push sent: records acknowledged by kind, batches, and problems (Spanish)."""

    records: Mapping[MasterKind, int] = field(default_factory=dict)
    batches: int = 0
    errors: tuple[str, ...] = ()
    cloud_unavailable: bool = False  # the push stopped because the cloud could not be reached
    tango_failed: bool = False  # some kind could not be read from Tango

    @property
    def total(self) -> int:
        return sum(self.records.values())


def new_batch_id(kind: MasterKind) -> str:
    """A batch id unique per batch (the cloud uses it to make a repeated batch harmless)."""
    return f"{kind.value}-{uuid.uuid4().hex}"


def batches_of(records: Iterable[MasterRecord], size: int) -> Iterator[list[MasterRecord]]:
    """Split ``records`` into lists of at most ``size``, reading lazily."""
    batch: list[MasterRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def push_master_data(
    client: CloudClient,
    source: MasterDataSource,
    *,
    batch_size: int,
    kinds: Iterable[MasterKind] = PUSH_ORDER,
    batch_id: Callable[[MasterKind], str] = new_batch_id,
) -> PushResult:
    """Send every record of each kind (referenced kinds first), ``batch_size`` per request.

    A kind that cannot be read or is rejected is reported and the next kind goes on; an
    unreachable cloud ends the push (the next one starts over). A bad token raises.
    """
    counts: dict[MasterKind, int] = {}
    errors: list[str] = []
    batches = 0
    cloud_unavailable = tango_failed = False
    for kind in kinds:
        label = KIND_LABELS_ES[kind]
        sent = 0
        try:
            for chunk in batches_of(source.read(kind), batch_size):
                batch = MasterDataBatch.of(kind, batch_id(kind), chunk)
                ack = client.push_master_data(batch)
                batches += 1
                sent += ack.upserted
                log.info("master_data_batch_sent", kind=kind.value, batch_id=batch.batch_id,
                         records=len(chunk), upserted=ack.upserted)
        except TangoError as exc:
            log.error("master_data_read_failed", kind=kind.value, error=str(exc))
            errors.append(f"No se pudieron leer los {label} de Tango: {exc.message_es}")
            tango_failed = True
        except CloudAuthError:
            raise
        except CloudUnreachable as exc:
            log.warning("master_data_push_interrupted", kind=kind.value, error=str(exc))
            errors.append(exc.message_es)
            counts[kind] = sent
            cloud_unavailable = True
            break
        except CloudError as exc:
            log.error("master_data_batch_rejected", kind=kind.value, error=str(exc))
            errors.append(f"La nube no aceptó los {label}: {exc.message_es}")
        counts[kind] = sent
    return PushResult(records=MappingProxyType(counts), batches=batches, errors=tuple(errors),
                      cloud_unavailable=cloud_unavailable, tango_failed=tango_failed)
