"""One kind's push when the source can say which rows changed since a mark (change tracking).

The kind is read whole — exactly as without tracking — the first time, after a full resync, when
its tracking mode changed, and every ``full_read_interval`` (that catches anything the change
column missed). Otherwise only the rows changed since the watermark are read, hashed and the
differing ones sent: the hash stays the truth. Deletions leave no change value behind, so the
rows are counted; only when the count disagrees with the acknowledged keys plus the new ones
(plus the rows known not to be records) are the keys read alone to find what is gone.

The watermark moves after the kind's whole push was acknowledged, to the change value taken
before the read began: a row changed during the push is read again next time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from activo.change_watermarks import Watermark, full_read_due
from connectors.cloud.contract import MasterKind, MasterRecord

log = structlog.get_logger(__name__)


class ChangeSource(Protocol):
    """A master-data source that can read from a mark (``connectors.tango.reader``)."""

    full_read_interval: timedelta
    skipped: Mapping[MasterKind, int]

    def change_mode(self, kind: MasterKind) -> str | None: ...

    def change_anchor(self, kind: MasterKind) -> str | None: ...

    def read(self, kind: MasterKind, since: str | None = None) -> Iterable[MasterRecord]: ...

    def row_count(self, kind: MasterKind) -> int: ...

    def row_keys(self, kind: MasterKind) -> Iterator[str]: ...


class WatermarkBook(Protocol):
    """The watermarks in the state store (``activo.change_watermarks.ChangeWatermarks``)."""

    def now(self) -> datetime: ...

    def get(self, kind: MasterKind) -> Watermark | None: ...

    def put(self, kind: MasterKind, watermark: Watermark) -> None: ...


class KindPart(Protocol):
    """One kind's delta push (``activo.push_master_data._KindPush``)."""

    def run(self, records: Iterable[MasterRecord]) -> None: ...

    def run_changes(self, records: Iterable[MasterRecord], rows: ChangeSource,
                    untracked: int) -> int: ...


def change_source(source: object) -> ChangeSource | None:
    """The change-tracking side of a master-data source, if it has one (``changes()``)."""
    changes = getattr(source, "changes", None)
    return changes() if callable(changes) else None


def push_tracked(part: KindPart, source: ChangeSource, book: WatermarkBook,
                 kind: MasterKind) -> str:
    """Push ``kind`` reading whole or from its watermark; returns "full" or "changes"."""
    mode = source.change_mode(kind)
    if mode is None:
        _consume(part.run, source.read(kind))
        return "full"
    now = book.now()
    watermark = book.get(kind)
    anchor = source.change_anchor(kind)  # before reading: later changes are read next time
    if full_read_due(mode, watermark, now, source.full_read_interval):
        _consume(part.run, source.read(kind))
        book.put(kind, Watermark(mode, anchor, source.skipped.get(kind, 0), now))
        log.info("master_data_full_read", kind=kind.value, mode=mode, mark=anchor)
        return "full"
    assert watermark is not None and watermark.mark is not None
    records = source.read(kind, since=watermark.mark)
    try:
        untracked = part.run_changes(records, source, watermark.untracked)
    finally:
        close_quietly(records)
    book.put(kind, Watermark(mode, anchor or watermark.mark, untracked, watermark.full_read_at))
    return "changes"


def _consume(run: object, records: Iterable[MasterRecord]) -> None:
    try:
        run(records)  # type: ignore[operator]
    finally:
        close_quietly(records)


def close_quietly(records: object) -> None:
    """Release a read left half-way (its cursor) now, not at garbage collection."""
    close = getattr(records, "close", None)
    if callable(close):
        try:
            close()
        except Exception as exc:  # a broken connection: the link is closed right after anyway
            log.warning("master_data_read_close_failed", error=str(exc))
