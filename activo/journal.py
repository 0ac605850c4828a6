"""The order journal: what the agent did with each cloud order, kept in the state store.

Written after Tango commits and before the ack, so an ack lost to a crash or a network cut is
sent first on the next start (``unacked``). A parked order keeps its body, so a person can ask
for a retry (``activo retry``) without the cloud offering it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from activo.state_store import StateStore, from_text, to_text
from connectors.cloud.contract import ConfirmedOrder


class JournalStatus(StrEnum):
    WRITTEN = "written"  # in Tango, ack not yet accepted by the cloud
    ACKED = "acked"  # in Tango and the cloud knows
    FAILED = "failed"  # transient failure: tried again by itself
    PARKED = "parked"  # business/configuration failure: waits for a person
    CONFLICT = "conflict"  # the cloud refused the ack (e.g. cancelled meanwhile)


@dataclass(frozen=True)
class JournalEntry:
    code: str
    status: JournalStatus
    tango_talonario: int | None
    tango_number: str | None
    lease_token: str | None
    attempts: int
    failure_kind: str | None
    last_error: str | None
    order_json: str | None
    reported_at: datetime | None
    next_attempt_at: datetime | None
    retry_requested_at: datetime | None
    first_seen_at: datetime
    updated_at: datetime
    written_at: datetime | None
    acked_at: datetime | None

    def order(self) -> ConfirmedOrder | None:
        return ConfirmedOrder.model_validate_json(self.order_json) if self.order_json else None


class Journal:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    def get(self, code: str) -> JournalEntry | None:
        rows = self.store.query("SELECT * FROM journal WHERE code = ?", code)
        return _entry(rows[0]) if rows else None

    def _upsert(self, code: str, **values: object) -> None:
        now = self.store.now_text()
        values["updated_at"] = now
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        with self.store.transaction() as conn:
            conn.execute(
                f"INSERT INTO journal (code, first_seen_at, {columns}) VALUES (?, ?, {marks}) "
                f"ON CONFLICT(code) DO UPDATE SET {updates}",
                (code, now, *values.values()),
            )

    def _update(self, code: str, **values: object) -> None:
        values["updated_at"] = self.store.now_text()
        assignments = ", ".join(f"{c} = ?" for c in values)
        with self.store.transaction() as conn:
            conn.execute(f"UPDATE journal SET {assignments} WHERE code = ?",
                         (*values.values(), code))

    def record_written(self, code: str, talonario: int, number: str, lease_token: str) -> None:
        """Tango committed the pedido: remember its number before telling the cloud."""
        self._upsert(code, status=JournalStatus.WRITTEN.value, tango_talonario=talonario,
                     tango_number=number, lease_token=lease_token,
                     written_at=self.store.now_text(), last_error=None, failure_kind=None,
                     next_attempt_at=None, retry_requested_at=None)

    def record_acked(self, code: str) -> None:
        # The body is not needed once the cloud knows: keep the journal small.
        self._update(code, status=JournalStatus.ACKED.value, acked_at=self.store.now_text(),
                     order_json=None)

    def record_failure(
        self, order: ConfirmedOrder, lease_token: str, *, kind: str, message_es: str,
        parked: bool, next_attempt_at: datetime | None,
    ) -> JournalEntry:
        previous = self.get(order.code)
        attempts = (previous.attempts if previous else 0) + 1
        self._upsert(
            order.code,
            status=(JournalStatus.PARKED if parked else JournalStatus.FAILED).value,
            lease_token=lease_token, attempts=attempts, failure_kind=kind,
            last_error=message_es, order_json=order.model_dump_json(),
            next_attempt_at=to_text(next_attempt_at), retry_requested_at=None,
        )
        entry = self.get(order.code)
        assert entry is not None
        return entry

    def record_reported(self, code: str) -> None:
        self._update(code, reported_at=self.store.now_text())

    def record_conflict(self, code: str, message_es: str) -> None:
        self._update(code, status=JournalStatus.CONFLICT.value, last_error=message_es)

    def unacked(self) -> list[JournalEntry]:
        """Written in Tango, not yet acknowledged: ack these before anything else."""
        return self._where("status = ?", JournalStatus.WRITTEN.value)

    def parked(self) -> list[JournalEntry]:
        return self._where("status = ?", JournalStatus.PARKED.value)

    def in_error(self) -> list[JournalEntry]:
        """Everything a person may want to look at: parked, failing, refused."""
        return self._where("status IN (?, ?, ?)", JournalStatus.PARKED.value,
                           JournalStatus.FAILED.value, JournalStatus.CONFLICT.value)

    def request_retry(self, code: str | None = None) -> list[str]:
        """Mark parked (or failing) orders for a retry; returns the codes marked."""
        entries = [e for e in self.in_error() if e.status is not JournalStatus.CONFLICT
                   and (code is None or e.code == code)]
        with self.store.transaction() as conn:
            conn.executemany(
                "UPDATE journal SET retry_requested_at = ?, next_attempt_at = NULL WHERE code = ?",
                [(self.store.now_text(), e.code) for e in entries],
            )
        return [e.code for e in entries]

    def retry_requested(self) -> list[JournalEntry]:
        return self._where("retry_requested_at IS NOT NULL AND status IN (?, ?)",
                           JournalStatus.PARKED.value, JournalStatus.FAILED.value)

    def written_since(self, since: datetime) -> int:
        rows = self.store.query(
            "SELECT COUNT(*) FROM journal WHERE written_at >= ? AND status IN (?, ?)",
            to_text(since), JournalStatus.WRITTEN.value, JournalStatus.ACKED.value,
        )
        return int(rows[0][0])

    def last_written_at(self) -> datetime | None:
        rows = self.store.query("SELECT MAX(written_at) FROM journal")
        return from_text(rows[0][0])

    def _where(self, condition: str, *params: object) -> list[JournalEntry]:
        rows = self.store.query(
            f"SELECT * FROM journal WHERE {condition} ORDER BY first_seen_at, code",
            *params,
        )
        return [_entry(r) for r in rows]


def _entry(row: object) -> JournalEntry:
    r = row  # sqlite3.Row
    return JournalEntry(
        code=r["code"], status=JournalStatus(r["status"]),  # type: ignore[index]
        tango_talonario=r["tango_talonario"], tango_number=r["tango_number"],  # type: ignore[index]
        lease_token=r["lease_token"], attempts=r["attempts"],  # type: ignore[index]
        failure_kind=r["failure_kind"], last_error=r["last_error"],  # type: ignore[index]
        order_json=r["order_json"],  # type: ignore[index]
        reported_at=from_text(r["reported_at"]),  # type: ignore[index]
        next_attempt_at=from_text(r["next_attempt_at"]),  # type: ignore[index]
        retry_requested_at=from_text(r["retry_requested_at"]),  # type: ignore[index]
        first_seen_at=from_text(r["first_seen_at"]),  # type: ignore[index,arg-type]
        updated_at=from_text(r["updated_at"]),  # type: ignore[index,arg-type]
        written_at=from_text(r["written_at"]),  # type: ignore[index]
        acked_at=from_text(r["acked_at"]),  # type: ignore[index]
    )
