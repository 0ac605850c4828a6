"""Push Tango's master data (articles, prices, customers, …) up to the cloud, in batches.

Delta push: each record read from Tango is hashed (``activo.record_hashes``) and sent only when
its hash differs from the one the cloud last acknowledged. Keys acknowledged before and no longer
read from Tango are sent as deletions, once the kind was read to the end (a failed read deletes
nothing). Disabled customers, sellers, price lists and depósitos and non-sellable articles are
still read from Tango, so they travel as changed records (``enabled`` / ``sellable`` false) and the
cloud keeps them for history; only rows gone from Tango are deleted. The hashes of each
acknowledged batch are stored in one local transaction, so a push cut off half-way resumes
without re-sending what was acknowledged. Tango is read as a stream: per kind only the keys seen
and the pending batch are held in memory.

With change tracking (``activo.push_changes``: the source has ``changes()`` and the hash book
carries ``watermarks``) an unchanged kind is not read whole: only rows changed since the kind's
watermark are read, and they are still hashed, so only real differences travel.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

import structlog

from activo.push_changes import (
    ChangeSource,
    WatermarkBook,
    change_source,
    close_quietly,
    push_tracked,
)
from activo.record_hashes import record_hash
from activo.send_ahead import OneAhead
from connectors.cloud.client import (
    CloudAuthError,
    CloudClient,
    CloudError,
    CloudUnreachable,
)
from connectors.cloud.contract import (
    PUSH_ORDER,
    MasterDataAck,
    MasterDataBatch,
    MasterKind,
    MasterRecord,
)
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


class HashBook(Protocol):
    """The acknowledged hashes (``activo.record_hashes.RecordHashes`` in the state store)."""

    def known(self, kind: MasterKind) -> dict[str, str]: ...

    def acknowledged(self, kind: MasterKind, upserted: Mapping[str, str],
                     deleted: Iterable[str]) -> None: ...

    def count(self, kind: MasterKind) -> int: ...

    def lookup(self, kind: MasterKind, keys: Sequence[str]) -> dict[str, str]: ...


@dataclass(frozen=True)
class PushResult:
    """What one push sent: records and deletions acknowledged by kind, batches, problems."""

    records: Mapping[MasterKind, int] = field(default_factory=dict)
    batches: int = 0
    errors: tuple[str, ...] = ()
    cloud_unavailable: bool = False  # the push stopped because the cloud could not be reached
    tango_failed: bool = False  # some kind could not be read from Tango
    deleted: Mapping[MasterKind, int] = field(default_factory=dict)
    unchanged: int = 0  # records read from Tango whose hash the cloud already had

    @property
    def total(self) -> int:
        return sum(self.records.values())

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())


_LOOKUP_CHUNK = 1000  # changed records compared with the acknowledged hashes at a time


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


@dataclass
class _KindPush:
    """One kind's delta: compares, batches, sends and records what the cloud acknowledged."""

    client: CloudClient
    hashes: HashBook | None
    kind: MasterKind
    batch_size: int
    batch_id: Callable[[MasterKind], str]
    sender: OneAhead
    sent: int = 0
    deleted: int = 0
    batches: int = 0
    unchanged: int = 0

    def run(self, records: Iterable[MasterRecord]) -> None:
        """Send what differs among ``records`` (the whole table), then what was deleted."""
        self._run(records)
        self.sender.wait()  # the last batch is acknowledged (or raised) before returning

    def run_changes(self, records: Iterable[MasterRecord], rows: ChangeSource,
                    untracked: int) -> int:
        """Send what differs among ``records`` (the rows changed since the watermark), then
        send what was deleted; returns how many rows of the table are not records."""
        result = self._run_changes(records, rows, untracked)
        self.sender.wait()
        return result

    def _run(self, records: Iterable[MasterRecord]) -> None:
        known = self.hashes.known(self.kind) if self.hashes is not None else {}
        seen: set[str] = set()
        pending: dict[str, tuple[MasterRecord, str]] = {}
        for record in records:
            key = record.key
            seen.add(key)
            digest = record_hash(record)
            if known.get(key) == digest:
                self.unchanged += 1
                continue
            pending = self._queue(pending, key, record, digest)
        if pending:
            self._send(pending, [])
        gone = [key for key in known if key not in seen]
        for start in range(0, len(gone), self.batch_size):
            self._send({}, gone[start : start + self.batch_size])

    def _run_changes(self, records: Iterable[MasterRecord], rows: ChangeSource,
                     untracked: int) -> int:
        assert self.hashes is not None
        known_count = self.hashes.count(self.kind)
        new_keys: set[str] = set()
        known_read = 0
        pending: dict[str, tuple[MasterRecord, str]] = {}
        for chunk in batches_of(records, _LOOKUP_CHUNK):
            acked = self.hashes.lookup(self.kind, [record.key for record in chunk])
            for record in chunk:
                key, digest = record.key, record_hash(record)
                previous = acked.get(key)
                if previous is None:
                    new_keys.add(key)
                else:
                    known_read += 1
                if previous == digest:
                    self.unchanged += 1
                    continue
                pending = self._queue(pending, key, record, digest)
        if pending:
            self._send(pending, [])
        not_read = known_count - known_read  # acknowledged and not changed since the mark
        if rows.row_count(self.kind) == known_count + len(new_keys) + untracked:
            self.unchanged += not_read
            return untracked
        present = set(rows.row_keys(self.kind))  # some row is gone (or not a record): find it
        known = self.hashes.known(self.kind)
        gone = [key for key in known if key not in present]
        for start in range(0, len(gone), self.batch_size):
            self._send({}, gone[start : start + self.batch_size])
        self.unchanged += not_read - len(gone)
        log.info("master_data_keys_checked", kind=self.kind.value, deleted=len(gone))
        return len(present.difference(known))

    def _queue(self, pending: dict[str, tuple[MasterRecord, str]], key: str,
               record: MasterRecord, digest: str) -> dict[str, tuple[MasterRecord, str]]:
        """Add a changed record; a full batch leaves at once and a fresh one is returned."""
        pending[key] = (record, digest)
        if len(pending) < self.batch_size:
            return pending
        self._send(pending, [])
        return {}

    def _send(self, pending: Mapping[str, tuple[MasterRecord, str]], gone: list[str]) -> None:
        """Send one batch while the caller goes on reading; its acknowledgement is recorded
        before the next batch leaves (``OneAhead``)."""
        batch = MasterDataBatch.of(self.kind, self.batch_id(self.kind),
                                   [record for record, _ in pending.values()], gone)
        digests = {k: d for k, (_, d) in pending.items()}

        def acknowledged(ack: MasterDataAck) -> None:
            if self.hashes is not None:
                self.hashes.acknowledged(self.kind, digests, gone)
            self.batches += 1
            self.sent += ack.upserted
            self.deleted += len(gone)
            log.info("master_data_batch_sent", kind=self.kind.value, batch_id=batch.batch_id,
                     records=len(digests), deleted=len(gone), upserted=ack.upserted)

        self.sender.submit(lambda: self.client.push_master_data(batch), acknowledged)



def push_master_data(
    client: CloudClient,
    source: MasterDataSource,
    *,
    batch_size: int,
    kinds: Iterable[MasterKind] = PUSH_ORDER,
    batch_id: Callable[[MasterKind], str] = new_batch_id,
    hashes: HashBook | None = None,
    watermarks: WatermarkBook | None = None,
) -> PushResult:
    """Send what changed in each kind (referenced kinds first), ``batch_size`` per request.

    Without ``hashes`` every record is sent and nothing is deleted. A kind that cannot be read
    or is rejected is reported and the next kind goes on; an unreachable cloud ends the push
    (the next one resumes after the last acknowledged batch). A bad token raises.
    ``watermarks`` (default: the hash book's) enable change-tracked reads where the source
    offers them; a kind's watermark moves only once its whole push was acknowledged.
    """
    if watermarks is None and hashes is not None:
        watermarks = getattr(hashes, "watermarks", None)
    tracking = hashes is not None and watermarks is not None
    tracker = None  # opened inside the per-kind ``try``: a Tango that cannot open is reported
    counts: dict[MasterKind, int] = {}
    deleted: dict[MasterKind, int] = {}
    errors: list[str] = []
    batches = unchanged = 0
    cloud_unavailable = tango_failed = False
    with OneAhead() as sender:
        for kind in kinds:
            label = KIND_LABELS_ES[kind]
            part = _KindPush(client, hashes, kind, batch_size, batch_id, sender)
            records = None
            try:
                if tracking and tracker is None:
                    tracker = change_source(source)
                if tracker is not None and watermarks is not None:
                    push_tracked(part, tracker, watermarks, kind)
                else:
                    records = source.read(kind)
                    part.run(records)
            except TangoError as exc:
                log.error("master_data_read_failed", kind=kind.value, error=str(exc))
                errors.append(f"No se pudieron leer los {label} de Tango: {exc.message_es}")
                tango_failed = True
            except CloudAuthError:
                raise
            except CloudUnreachable as exc:
                log.warning("master_data_push_interrupted", kind=kind.value, error=str(exc))
                errors.append(exc.message_es)
                cloud_unavailable = True
            except CloudError as exc:
                log.error("master_data_batch_rejected", kind=kind.value, error=str(exc))
                errors.append(f"La nube no aceptó los {label}: {exc.message_es}")
            finally:
                sender.settle()  # a batch still in flight after a failure: recorded if it went
                close_quietly(records)  # a read left half-way releases its cursor now, not at GC
            counts[kind] = part.sent
            deleted[kind] = part.deleted
            batches += part.batches
            unchanged += part.unchanged
            if cloud_unavailable:
                break
    return PushResult(records=MappingProxyType(counts), batches=batches, errors=tuple(errors),
                      cloud_unavailable=cloud_unavailable, tango_failed=tango_failed,
                      deleted=MappingProxyType(deleted), unchanged=unchanged)

