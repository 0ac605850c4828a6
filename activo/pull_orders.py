"""Pull confirmed orders from the cloud and write each one into Tango as a pedido.

Per order: write (the writer's ``ID_EXTERNO`` check makes a repeat delivery only report the
number it already has), then acknowledge with the Tango number. If the ack is lost the order is
already in Tango; when its lease expires the cloud offers it again and the writer finds it, so
every order lands exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import structlog

from connectors.cloud.client import CloudAuthError, CloudClient, CloudError, CloudUnreachable
from connectors.cloud.contract import (
    ConfirmedOrder,
    FailureKind,
    LeasedOrder,
    OrderAck,
    OrderFailure,
)
from connectors.tango.errors import (
    TangoBusinessError,
    TangoConfigError,
    TangoError,
    TangoTransientError,
)

log = structlog.get_logger(__name__)

MAX_ROUNDS = 1000  # a backstop: a well-behaved cloud empties its queue long before


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


@dataclass(frozen=True)
class OrderResult:
    code: str
    outcome: Outcome
    tango_number: str | None = None
    message_es: str = ""


@dataclass(frozen=True)
class PullResult:
    """The orders handled by one pull, and why it stopped early, if it did."""

    orders: tuple[OrderResult, ...] = ()
    errors: tuple[str, ...] = ()
    stopped_by_configuration: bool = False
    cloud_unavailable: bool = False  # the pass ended because the cloud could not be reached

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.orders if o.outcome is outcome)


@dataclass
class _Pass:
    orders: list[OrderResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: bool = False
    configuration: bool = False
    cloud_unavailable: bool = False


def pull_orders(
    client: CloudClient,
    writer: PedidoSink,
    *,
    first_wait_seconds: int = 0,
    max_orders: int = 10,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> PullResult:
    """Lease and write orders until the cloud has none left for us.

    The first lease may long-poll (``first_wait_seconds``); the rest don't wait, to drain the
    queue. A business failure parks that order and the others go on; a configuration failure
    stops the pull (nothing else would work); an unreachable cloud stops it too. A bad token
    raises ``CloudAuthError``.
    """
    state = _Pass()
    seen: set[str] = set()
    wait = first_wait_seconds
    for _ in range(MAX_ROUNDS):
        try:
            leased = client.lease_orders(wait_seconds=wait, max_orders=max_orders).orders
        except CloudAuthError:
            raise
        except CloudError as exc:
            log.warning("order_lease_failed", error=str(exc))
            state.errors.append(exc.message_es)
            state.cloud_unavailable = exc.retriable
            break
        wait = 0
        fresh = [lo for lo in leased if lo.order.code not in seen]
        if not fresh:
            # Nothing left, or only orders this pass already tried (a transient failure the
            # cloud offers again at once): leave them for the next pass.
            break
        for leased_order in fresh:
            seen.add(leased_order.order.code)
            _handle(client, writer, leased_order, now, state)
            if state.stop:
                break
        if state.stop:
            break
    return PullResult(
        orders=tuple(state.orders),
        errors=tuple(state.errors),
        stopped_by_configuration=state.configuration,
        cloud_unavailable=state.cloud_unavailable,
    )


def _handle(
    client: CloudClient,
    writer: PedidoSink,
    leased: LeasedOrder,
    now: Callable[[], datetime],
    state: _Pass,
) -> None:
    order = leased.order
    log_ = log.bind(order=order.code, attempt=leased.attempt)
    try:
        written = writer.write(order)
    except TangoError as exc:
        kind = _failure_kind(exc)
        log_.warning("order_write_failed", kind=kind.value, error=str(exc))
        state.orders.append(OrderResult(order.code, Outcome.FAILED, message_es=exc.message_es))
        state.errors.append(f"Pedido {order.code}: {exc.message_es}")
        state.configuration = state.stop = kind is FailureKind.CONFIGURATION
        _report(client, leased, kind, exc.message_es, str(exc), state)
        return
    except Exception as exc:
        # A bug, not a Tango condition: report it so the order shows an error instead of
        # sitting leased, and let the next pass try again.
        log_.exception("order_write_crashed")
        message = "Error inesperado del agente al escribir el pedido en Tango."
        state.orders.append(OrderResult(order.code, Outcome.FAILED, message_es=message))
        state.errors.append(f"Pedido {order.code}: {message}")
        _report(client, leased, FailureKind.TRANSIENT, message, repr(exc), state)
        return

    outcome = Outcome.ALREADY_PRESENT if written.already_present else Outcome.WRITTEN
    log_.info("order_written", tango_number=written.nro_pedido, talonario=written.talonario,
              already_present=written.already_present)
    state.orders.append(OrderResult(order.code, outcome, tango_number=written.nro_pedido))
    ack = OrderAck(
        lease_token=leased.lease_token,
        tango_talonario=written.talonario,
        tango_number=written.nro_pedido,
        already_present=written.already_present,
        written_at=now(),
    )
    try:
        client.ack(order.code, ack)
    except CloudAuthError:
        raise
    except CloudError as exc:
        # In Tango already: the cloud will offer it again and the writer will find it.
        log_.warning("order_ack_failed", error=str(exc))
        state.errors.append(f"Pedido {order.code}: escrito en Tango pero sin confirmar a la "
                            f"nube ({exc.message_es})")
        _stop_if_unreachable(state, exc)


def _stop_if_unreachable(state: _Pass, exc: CloudError) -> None:
    if isinstance(exc, CloudUnreachable):
        state.stop = state.cloud_unavailable = True


def _failure_kind(exc: TangoError) -> FailureKind:
    if isinstance(exc, TangoBusinessError):
        return FailureKind.BUSINESS
    if isinstance(exc, TangoConfigError):
        return FailureKind.CONFIGURATION
    if isinstance(exc, TangoTransientError):
        return FailureKind.TRANSIENT
    return FailureKind.TRANSIENT


def _report(
    client: CloudClient,
    leased: LeasedOrder,
    kind: FailureKind,
    message_es: str,
    detail: str,
    state: _Pass,
) -> None:
    failure = OrderFailure(
        lease_token=leased.lease_token,
        kind=kind,
        message_es=message_es[:500] or "Error al escribir el pedido en Tango.",
        detail=detail[:2000],
    )
    try:
        client.report_failure(leased.order.code, failure)
    except CloudAuthError:
        raise
    except CloudError as exc:
        log.warning("order_failure_report_failed", order=leased.order.code, error=str(exc))
        state.errors.append(exc.message_es)
        _stop_if_unreachable(state, exc)
