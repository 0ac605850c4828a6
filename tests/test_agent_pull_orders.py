"""Pulling orders: what happens to each order and to the pass, per kind of failure.

The cloud here is an in-memory stand-in with the client's method signatures, so the decisions
(park, retry, stop) are checked one by one; the real server is exercised in
``test_agent_sync_real_server.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from activo.journal import Journal, JournalStatus
from activo.pull_orders import Outcome, pull_orders
from activo.state_store import StateStore
from connectors.cloud.client import CloudAuthError, CloudUnreachable
from connectors.cloud.contract import (
    Accepted,
    ConfirmedOrder,
    FailureKind,
    LeasedOrder,
    LeasedOrders,
    OrderAck,
    OrderFailure,
)
from connectors.tango.errors import TangoBusinessError, TangoConfigError, TangoTransientError

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _order(code: str) -> ConfirmedOrder:
    return ConfirmedOrder.model_validate({
        "code": code, "channel": "vendedor", "customer_code": "C0001", "price_list": 1,
        "prices_include_vat": False, "sale_condition": 1, "confirmed_at": NOW,
        "lines": [{"line_no": 1, "article_code": "A1", "quantity": "1", "unit_price": "10"}],
    })


@dataclass
class MemoryCloud:
    """Leases queued orders; a transient failure puts the order back at once."""

    queue: list[str] = field(default_factory=list)
    acks: dict[str, OrderAck] = field(default_factory=dict)
    failures: dict[str, OrderFailure] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    ack_error: Exception | None = None

    def lease_orders(self, wait_seconds: int, max_orders: int) -> LeasedOrders:
        self.waits.append(wait_seconds)
        taken, self.queue = self.queue[:max_orders], self.queue[max_orders:]
        return LeasedOrders(orders=[
            LeasedOrder(order=_order(c), lease_token=f"lease-{c}",
                        lease_expires_at=NOW + timedelta(minutes=2), attempt=1)
            for c in taken
        ])

    def ack(self, code: str, ack: OrderAck) -> Accepted:
        if self.ack_error:
            raise self.ack_error
        self.acks[code] = ack
        return Accepted(status="in_tango")

    def report_failure(self, code: str, failure: OrderFailure) -> Accepted:
        self.failures[code] = failure
        if failure.kind is FailureKind.TRANSIENT:
            self.queue.append(code)
        return Accepted(status="error")


@dataclass(frozen=True)
class Written:
    talonario: int
    nro_pedido: str
    already_present: bool = False


@dataclass
class ScriptedWriter:
    """Writes every order, except those given an exception to raise."""

    raises: dict[str, Exception] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    written: list[str] = field(default_factory=list)

    def write(self, order: ConfirmedOrder) -> Written:
        if order.code in self.raises:
            raise self.raises[order.code]
        self.written.append(order.code)
        number = f"X00001{len(self.written):08d}"
        return Written(6, number, already_present=order.code in self.present)


def memory_journal() -> Journal:
    """A journal in this test's own data folder (conftest sets ACTIVO_DATA_DIR per test)."""
    return Journal(StateStore(Path(os.environ["ACTIVO_DATA_DIR"]) / "state.sqlite3"))


def _pull(cloud, writer, journal=None, **kw):
    return pull_orders(cloud, writer, journal or memory_journal(), max_orders=2,
                       now=lambda: NOW, **kw)


def test_every_order_is_written_and_acked_with_its_number():
    cloud = MemoryCloud(queue=["CP-1", "CP-2", "CP-3"])
    writer = ScriptedWriter(present={"CP-2"})
    result = _pull(cloud, writer)
    assert writer.written == ["CP-1", "CP-2", "CP-3"]
    assert cloud.acks["CP-1"].tango_number == "X0000100000001"
    assert cloud.acks["CP-1"].lease_token == "lease-CP-1"
    assert cloud.acks["CP-2"].already_present is True
    assert result.count(Outcome.WRITTEN) == 2
    assert result.count(Outcome.ALREADY_PRESENT) == 1
    assert result.errors == ()


def test_only_the_first_lease_long_polls():
    cloud = MemoryCloud(queue=["CP-1", "CP-2", "CP-3"])
    _pull(cloud, ScriptedWriter(), first_wait_seconds=20)
    assert cloud.waits == [20, 0, 0]


def test_a_business_failure_parks_that_order_and_the_others_go_on():
    cloud = MemoryCloud(queue=["CP-1", "CP-2", "CP-3"])
    writer = ScriptedWriter(raises={
        "CP-2": TangoBusinessError("unknown article A9", "El artículo A9 no existe en Tango.")
    })
    result = _pull(cloud, writer)
    assert set(cloud.acks) == {"CP-1", "CP-3"}
    failure = cloud.failures["CP-2"]
    assert failure.kind is FailureKind.BUSINESS
    assert failure.message_es == "El artículo A9 no existe en Tango."
    assert "unknown article" in failure.detail
    assert result.count(Outcome.FAILED) == 1
    assert result.errors == ("Pedido CP-2: El artículo A9 no existe en Tango.",)


def test_a_transient_failure_is_reported_and_not_retried_in_the_same_pass():
    cloud = MemoryCloud(queue=["CP-1", "CP-2"])
    writer = ScriptedWriter(raises={"CP-1": TangoTransientError("lock timeout", "Tango ocupado.")})
    result = _pull(cloud, writer)
    assert cloud.failures["CP-1"].kind is FailureKind.TRANSIENT
    assert set(cloud.acks) == {"CP-2"}
    assert result.count(Outcome.FAILED) == 1  # once, though the cloud offered it again


def test_a_configuration_failure_stops_the_pull():
    cloud = MemoryCloud(queue=["CP-1", "CP-2", "CP-3"])
    writer = ScriptedWriter(raises={
        "CP-1": TangoConfigError("no talonario 6", "No existe el talonario 6 en Tango.")
    })
    result = _pull(cloud, writer)
    assert cloud.failures["CP-1"].kind is FailureKind.CONFIGURATION
    assert writer.written == []  # CP-2 was leased with it but not attempted
    assert cloud.queue == ["CP-3"]
    assert result.stopped_by_configuration


def test_an_unexpected_error_is_reported_instead_of_leaving_the_order_leased():
    cloud = MemoryCloud(queue=["CP-1"])
    result = _pull(cloud, ScriptedWriter(raises={"CP-1": KeyError("bug")}))
    assert cloud.failures["CP-1"].kind is FailureKind.TRANSIENT
    assert result.count(Outcome.FAILED) == 1


def test_a_lost_ack_is_an_error_but_the_order_counts_as_written():
    cloud = MemoryCloud(queue=["CP-1", "CP-2"],
                        ack_error=CloudUnreachable("down", "No se pudo conectar con la nube."))
    result = _pull(cloud, ScriptedWriter())
    assert result.count(Outcome.WRITTEN) == 1  # stopped after the first: the cloud is down
    assert result.cloud_unavailable
    assert "escrito en Tango pero sin confirmar" in result.errors[0]


def test_a_bad_token_raises():
    cloud = MemoryCloud(queue=["CP-1"], ack_error=CloudAuthError("401", "token inválido"))
    with pytest.raises(CloudAuthError):
        _pull(cloud, ScriptedWriter())


def test_a_lost_ack_is_sent_first_on_the_next_pull_without_writing_again():
    journal = memory_journal()
    cloud = MemoryCloud(queue=["CP-1"],
                        ack_error=CloudUnreachable("down", "No se pudo conectar con la nube."))
    writer = ScriptedWriter()
    _pull(cloud, writer, journal)
    assert journal.get("CP-1").status is JournalStatus.WRITTEN  # before the ack, after Tango
    cloud.ack_error = None
    result = _pull(cloud, writer, journal)
    assert result.acks_resent == 1
    assert cloud.acks["CP-1"].tango_number == "X0000100000001"
    assert writer.written == ["CP-1"]  # Tango was not asked again
    assert journal.get("CP-1").status is JournalStatus.ACKED
    assert journal.get("CP-1").order_json is None


def test_an_order_offered_again_after_a_lost_ack_is_acked_from_the_journal():
    journal = memory_journal()
    journal.record_written("CP-7", 6, "X0000100000042", "old-lease")
    journal.store.put("dummy", 1)
    cloud = MemoryCloud(queue=["CP-7"])
    # The journal's own resend goes first; the cloud offers the order too (its lease expired).
    cloud.ack_error = CloudUnreachable("down", "Sin conexión.")
    _pull(cloud, ScriptedWriter(), journal)
    cloud.ack_error = None
    writer = ScriptedWriter()
    result = _pull(cloud, writer, journal)
    assert writer.written == []
    assert cloud.acks["CP-7"].tango_number == "X0000100000042"
    assert result.count(Outcome.ALREADY_PRESENT) + result.acks_resent >= 1


def test_a_business_failure_is_parked_in_the_journal_with_its_reason_and_body():
    journal = memory_journal()
    cloud = MemoryCloud(queue=["CP-1", "CP-2"])
    writer = ScriptedWriter(raises={
        "CP-1": TangoBusinessError("disabled", "El cliente C0001 está inhabilitado en Tango.")})
    _pull(cloud, writer, journal)
    entry = journal.get("CP-1")
    assert entry.status is JournalStatus.PARKED
    assert entry.last_error == "El cliente C0001 está inhabilitado en Tango."
    assert entry.reported_at is not None and entry.order().code == "CP-1"
    assert journal.get("CP-2").status is JournalStatus.ACKED
