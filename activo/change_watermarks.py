"""Change watermarks of the master-data push, by kind, kept in the state store.

A watermark says: every row of this kind whose change value (ROW_VERSION, FECHA_MODI) is at or
below ``mark`` was read and the cloud acknowledged it, so the next push reads only newer rows.
It moves only after a kind's whole push was acknowledged, to the value taken *before* that read
began, so a row changed during a push is read again next time. ``untracked`` is how many rows of
the table are not records (invalid rows the reader skips): the deletion check expects them.
A full resync forgets the watermarks together with the hashes (``StateStore``).

``full_read_due`` is the pure decision whether this push must read the kind whole anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from activo.state_store import StateStore, from_text, to_text
from connectors.cloud.contract import MasterKind


@dataclass(frozen=True)
class Watermark:
    mode: str  # row_version | fecha_modi
    mark: str | None  # None: nothing to compare with yet (empty table)
    untracked: int = 0
    full_read_at: datetime | None = None


def full_read_due(mode: str | None, watermark: Watermark | None, now: datetime,
                  every: timedelta) -> bool:
    """Whether a kind tracked with ``mode`` (None: not tracked) must be read whole now."""
    if mode is None or watermark is None or watermark.mode != mode or watermark.mark is None:
        return True
    if watermark.full_read_at is None:
        return True
    return now - watermark.full_read_at >= every


class ChangeWatermarks:
    """The ``master_watermarks`` table of the state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    def now(self) -> datetime:
        return self.store.clock()

    def get(self, kind: MasterKind) -> Watermark | None:
        rows = self.store.query("SELECT mode, mark, untracked, full_read_at FROM "
                                "master_watermarks WHERE kind = ?", kind.value)
        if not rows:
            return None
        row = rows[0]
        return Watermark(row["mode"], row["mark"], int(row["untracked"]),
                         from_text(row["full_read_at"]))

    def put(self, kind: MasterKind, watermark: Watermark) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO master_watermarks (kind, mode, mark, untracked, full_read_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind) DO UPDATE SET "
                "mode = excluded.mode, mark = excluded.mark, untracked = excluded.untracked, "
                "full_read_at = excluded.full_read_at, updated_at = excluded.updated_at",
                (kind.value, watermark.mode, watermark.mark, watermark.untracked,
                 to_text(watermark.full_read_at), self.store.now_text()))

    def drop(self, kind: MasterKind) -> None:
        """The kind is read whole next time (its tracking was turned off or changed)."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM master_watermarks WHERE kind = ?", (kind.value,))

    def forget(self) -> int:
        """Every kind is read whole next time."""
        with self.store.transaction() as conn:
            return conn.execute("DELETE FROM master_watermarks").rowcount
