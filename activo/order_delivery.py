"""One order's trip into Tango: write, journal, ack; or journal and report the failure.

The order of steps is the exactly-once argument: Tango commits (its ``ID_EXTERNO`` check makes
a repeat harmless), then the journal records the number, then the cloud is told. A crash
between any two steps is repaired on the next start: the journal's unacked entries are acked
first, and an order the cloud offers again is found by the writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import structlog

from activo import retry_policy
from activo.journal import Journal, JournalEntry, JournalStatus
from connectors.cloud.client import CloudAuthError, CloudClient, CloudError, CloudRejected
from connectors.cloud.contract import ConfirmedOrder, FailureKind, OrderAck, OrderFailure
from connectors.tango.errors import (
    TangoBusinessError,
    TangoConfigError,
    TangoError,
)

log = structlog.get_logger(__name__)

UNEXPECTED_ES = "Error inesperado del agente al escribir el pedido en Tango."


class WrittenPedido(Protocol):
    talonario: int
    nro_pedido: str
    already_present: bool


class PedidoSink(Protocol):
    """Writes one order into Tango (``connectors.tango``'s ``PedidoWriter``)."""

    def write(self, order: ConfirmedOrder) -> WrittenPedido: ...


class Outcome(StrEnum):
    WRITTEN = "written"
    ALREADY_PRESENT = "already_present"
    FAILED = "failed"
    DEFERRED = "deferred"  # backing off after a transient failure: handed back untouched


@dataclass(frozen=True)
class OrderResult:
    code: str
    outcome: Outcome
    tango_number: str | None = None
    message_es: str = ""
    failure_kind: FailureKind | None = None


@dataclass
class DeliveryLog:
    """Problems met while delivering (Spanish), and whether the cloud was lost meanwhile."""

    errors: list[str] = field(default_factory=list)
    cloud_lost: bool = False


def failure_kind(exc: TangoError) -> FailureKind:
    if isinstance(exc, TangoBusinessError):
        return FailureKind.BUSINESS
    if isinstance(exc, TangoConfigError):
        return FailureKind.CONFIGURATION
    return FailureKind.TRANSIENT


class Delivery:
    """Delivers orders with one client, one writer and the journal."""

    def __init__(self, client: CloudClient, writer: PedidoSink, journal: Journal,
                 now: Callable[[], datetime]) -> None:
        self.client = client
        self.writer = writer
        self.journal = journal
        self.now = now

    # ------------------------------------------------------------------ steps

    def deliver(self, order: ConfirmedOrder, lease_token: str, notes: DeliveryLog) -> OrderResult:
        """A freshly leased order: write it (unless the journal knows better), then ack."""
        entry = self.journal.get(order.code)
        if entry and entry.status in (JournalStatus.WRITTEN, JournalStatus.ACKED) \
                and entry.tango_number and entry.tango_talonario is not None:
            # Written before (the ack was lost): Tango need not be asked again.
            self.ack(entry.code, entry.tango_talonario, entry.tango_number, lease_token,
                     notes, already_present=True)
            return OrderResult(order.code, Outcome.ALREADY_PRESENT, entry.tango_number)
        if entry and _backing_off(entry, self.now()):
            self._report(order.code, lease_token, FailureKind.TRANSIENT,
                         entry.last_error or UNEXPECTED_ES, "agent backing off", notes)
            return OrderResult(order.code, Outcome.DEFERRED, message_es=entry.last_error or "")
        return self._write(order, lease_token, notes, report=True)

    def retry(self, entry: JournalEntry, notes: DeliveryLog) -> OrderResult:
        """A parked order someone asked to retry: from the journal's copy, acked with its old
        lease (the cloud accepts that; it parked the order, so it will not offer it again)."""
        order = entry.order()
        if order is None:
            return OrderResult(entry.code, Outcome.FAILED, message_es="Sin copia del pedido.")
        return self._write(order, entry.lease_token or "", notes, report=False)

    def ack_pending(self, entry: JournalEntry, notes: DeliveryLog) -> bool:
        """Send an ack that a crash or a network cut kept from the cloud; True when it landed."""
        assert entry.tango_number and entry.tango_talonario is not None
        return self.ack(entry.code, entry.tango_talonario, entry.tango_number,
                        entry.lease_token or "", notes, already_present=True)

    def ack(self, code: str, talonario: int, number: str, lease_token: str, notes: DeliveryLog,
            *, already_present: bool) -> bool:
        ack = OrderAck(lease_token=lease_token or "-", tango_talonario=talonario,
                       tango_number=number, already_present=already_present,
                       written_at=self.now())
        try:
            self.client.ack(code, ack)
        except CloudAuthError:
            raise
        except CloudRejected as exc:
            log.error("order_ack_refused", order=code, status=exc.status, error=str(exc))
            message = f"La nube rechazó la confirmación del pedido {code}: {exc.detail}"
            self.journal.record_conflict(code, message[:500])
            notes.errors.append(message)
            return False
        except CloudError as exc:
            # In Tango and in the journal: the next round (or start) acks it.
            log.warning("order_ack_failed", order=code, error=str(exc))
            notes.errors.append(f"Pedido {code}: escrito en Tango pero sin confirmar a la nube "
                                f"({exc.message_es})")
            notes.cloud_lost = notes.cloud_lost or exc.retriable
            return False
        self.journal.record_acked(code)
        return True

    # ------------------------------------------------------------------ plumbing

    def _write(self, order: ConfirmedOrder, lease_token: str, notes: DeliveryLog, *,
               report: bool) -> OrderResult:
        log_ = log.bind(order=order.code)
        try:
            # Bound for the connector's own log lines too.
            with structlog.contextvars.bound_contextvars(order=order.code):
                written = self.writer.write(order)
        except TangoError as exc:
            kind = failure_kind(exc)
            log_.warning("order_write_failed", kind=kind.value, error=str(exc))
            return self._failed(order, lease_token, kind, exc.message_es, str(exc), notes,
                                report=report)
        except Exception as exc:
            # A bug, not a Tango condition: the order shows an error instead of sitting leased.
            log_.exception("order_write_crashed")
            return self._failed(order, lease_token, FailureKind.TRANSIENT, UNEXPECTED_ES,
                                repr(exc), notes, report=report)
        log_.info("order_written", tango_number=written.nro_pedido, talonario=written.talonario,
                  already_present=written.already_present)
        self.journal.record_written(order.code, written.talonario, written.nro_pedido,
                                    lease_token)
        self.ack(order.code, written.talonario, written.nro_pedido, lease_token, notes,
                 already_present=written.already_present)
        outcome = Outcome.ALREADY_PRESENT if written.already_present else Outcome.WRITTEN
        return OrderResult(order.code, outcome, tango_number=written.nro_pedido)

    def _failed(self, order: ConfirmedOrder, lease_token: str, kind: FailureKind,
                message_es: str, detail: str, notes: DeliveryLog, *, report: bool) -> OrderResult:
        disposition = retry_policy.disposition(kind.value)
        previous = self.journal.get(order.code)
        failures = (previous.attempts if previous else 0) + 1
        parked = disposition is retry_policy.Disposition.PARK
        self.journal.record_failure(
            order, lease_token, kind=kind.value, message_es=message_es, parked=parked,
            next_attempt_at=None if parked else retry_policy.next_attempt_at(self.now(), failures),
        )
        notes.errors.append(f"Pedido {order.code}: {message_es}")
        if report:
            self._report(order.code, lease_token, kind, message_es, detail, notes)
        return OrderResult(order.code, Outcome.FAILED, message_es=message_es, failure_kind=kind)

    def _report(self, code: str, lease_token: str, kind: FailureKind, message_es: str,
                detail: str, notes: DeliveryLog) -> None:
        failure = OrderFailure(
            lease_token=lease_token, kind=kind,
            message_es=message_es[:500] or "Error al escribir el pedido en Tango.",
            detail=detail[:2000],
        )
        try:
            self.client.report_failure(code, failure)
        except CloudAuthError:
            raise
        except CloudError as exc:
            log.warning("order_failure_report_failed", order=code, error=str(exc))
            notes.errors.append(exc.message_es)
            notes.cloud_lost = notes.cloud_lost or exc.retriable
            return
        self.journal.record_reported(code)


def _backing_off(entry: JournalEntry, now: datetime) -> bool:
    return (entry.status is JournalStatus.FAILED and entry.retry_requested_at is None
            and entry.next_attempt_at is not None and entry.next_attempt_at > now)
