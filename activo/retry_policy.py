"""When to try again: pure functions, so the engine's timing is tested without waiting.

Transient failures (cloud unreachable, Tango locked or down) back off exponentially with jitter,
up to a cap. Business and configuration failures are not retried by time: the order is parked
until someone asks (``activo retry`` or the tray), so one bad order never holds back the rest.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

BASE_SECONDS = 2.0
CAP_SECONDS = 300.0
AUTH_PROBE_SECONDS = 300.0  # after a rejected token, one probe every 5 minutes


class Disposition(StrEnum):
    RETRY_LATER = "retry_later"  # transient: back off and try again by itself
    PARK = "park"  # business/configuration: wait for a person to ask


def disposition(failure_kind: str) -> Disposition:
    """What to do with an order that failed with ``failure_kind`` (contract ``FailureKind``)."""
    return Disposition.RETRY_LATER if failure_kind == "transient" else Disposition.PARK


def backoff_seconds(
    failures: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    jitter: Callable[[float, float], float] = random.uniform,
) -> float:
    """Delay before the next try after ``failures`` consecutive failures (0 → no delay).

    "Equal jitter": half the exponential step fixed, half random, so many agents restarting
    together do not hammer the cloud in step, and the delay never collapses to zero.
    """
    if failures <= 0:
        return 0.0
    step = min(cap, base * (2 ** min(failures - 1, 30)))
    return step / 2 + jitter(0.0, step / 2)


def next_attempt_at(
    now: datetime,
    failures: int,
    *,
    base: float = BASE_SECONDS,
    cap: float = CAP_SECONDS,
    jitter: Callable[[float, float], float] = random.uniform,
) -> datetime:
    """The time before which an order that failed ``failures`` times is not tried again."""
    return now + timedelta(seconds=backoff_seconds(failures, base=base, cap=cap, jitter=jitter))


def probe_due(last_probe: datetime | None, now: datetime,
              every: float = AUTH_PROBE_SECONDS) -> bool:
    """After a rejected token: is it time for the one slow probe?"""
    return last_probe is None or (now - last_probe).total_seconds() >= every
