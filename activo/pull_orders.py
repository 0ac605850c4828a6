"""Pull confirmed orders from the cloud and write each one into Tango as a pedido.

Per order see ``activo.order_delivery`` (write, journal, ack). Before leasing, acks that were
lost (journal entries written but not acknowledged) are sent first. If an ack is lost again the
order is in Tango and in the journal; when its lease expires the cloud offers it again and the
journal (or the writer's ``ID_EXTERNO`` check) answers, so every order lands exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from activo.journal import Journal
from activo.order_delivery import (
    Delivery,
    DeliveryLog,
    OrderResult,
    Outcome,
    PedidoSink,
    WrittenPedido,
)
from connectors.cloud.client import CloudAuthError, CloudClient, CloudError
from connectors.cloud.contract import FailureKind

__all__ = ["OrderResult", "Outcome", "PedidoSink", "PullResult", "WrittenPedido", "pull_orders"]

log = structlog.get_logger(__name__)

MAX_ROUNDS = 1000  # a backstop: a well-behaved cloud empties its queue long before


@dataclass(frozen=True)
class PullResult:
    """The orders handled by one pull, and why it stopped early, if it did."""

    orders: tuple[OrderResult, ...] = ()
    errors: tuple[str, ...] = ()
    stopped_by_configuration: bool = False
    cloud_unavailable: bool = False  # the pass ended because the cloud could not be reached
    acks_resent: int = 0
    retry_after: float | None = None  # the cloud asked to wait this long (429/503 Retry-After)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.orders if o.outcome is outcome)

    def count_ok(self) -> int:
        """Orders now in Tango (written by this pass or found already there)."""
        return self.count(Outcome.WRITTEN) + self.count(Outcome.ALREADY_PRESENT)

    def count_failed(self) -> int:
        return self.count(Outcome.FAILED)

    def failed(self, kind: FailureKind) -> int:
        return sum(1 for o in self.orders if o.failure_kind is kind)


def pull_orders(
    client: CloudClient,
    writer: PedidoSink,
    journal: Journal,
    *,
    first_wait_seconds: int = 0,
    max_orders: int = 10,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    should_stop: Callable[[], bool] = lambda: False,
) -> PullResult:
    """Resend lost acks, then lease and write orders until the cloud has none left for us.

    The first lease may long-poll (``first_wait_seconds``); the rest don't wait, to drain the
    queue. A business failure parks that order and the others go on; a configuration failure
    stops the pull (nothing else would work); an unreachable cloud stops it too; so does
    ``should_stop`` (checked between orders). A bad token raises ``CloudAuthError``.
    """
    delivery = Delivery(client, writer, journal, now)
    notes = DeliveryLog()
    results: list[OrderResult] = []
    resent = sum(delivery.ack_pending(entry, notes) for entry in journal.unacked())
    configuration = False
    retry_after: float | None = None
    seen: set[str] = set()
    wait = first_wait_seconds
    for _ in range(MAX_ROUNDS):
        if notes.cloud_lost or configuration or should_stop():
            break
        try:
            leased = client.lease_orders(wait_seconds=wait, max_orders=max_orders).orders
        except CloudAuthError:
            raise
        except CloudError as exc:
            log.warning("order_lease_failed", error=str(exc))
            notes.errors.append(exc.message_es)
            notes.cloud_lost = exc.retriable
            retry_after = getattr(exc, "retry_after", None)
            break
        wait = 0
        fresh = [lo for lo in leased if lo.order.code not in seen]
        if not fresh:
            # Nothing left, or only orders this pass already tried (a transient failure the
            # cloud offers again at once): leave them for the next pass.
            break
        for leased_order in fresh:
            if should_stop() or notes.cloud_lost or configuration:
                # Not written: its lease expires and the cloud offers it again.
                log.info("order_left_leased", order=leased_order.order.code)
                continue
            seen.add(leased_order.order.code)
            result = delivery.deliver(leased_order.order, leased_order.lease_token, notes)
            results.append(result)
            configuration = result.failure_kind is FailureKind.CONFIGURATION
    return PullResult(
        orders=tuple(results),
        errors=tuple(notes.errors),
        stopped_by_configuration=configuration,
        cloud_unavailable=notes.cloud_lost,
        acks_resent=resent,
        retry_after=retry_after,
    )
