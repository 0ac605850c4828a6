"""The retry policy: transient failures back off with jitter up to a cap; others park."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from activo import retry_policy
from activo.retry_policy import Disposition, backoff_seconds, disposition, probe_due

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_no_failure_no_delay():
    assert backoff_seconds(0) == 0.0


def test_the_delay_doubles_with_half_of_it_random_and_stops_at_the_cap():
    low = [backoff_seconds(n, jitter=lambda a, b: a) for n in range(1, 12)]
    high = [backoff_seconds(n, jitter=lambda a, b: b) for n in range(1, 12)]
    assert low[:4] == [1.0, 2.0, 4.0, 8.0]
    assert high[:4] == [2.0, 4.0, 8.0, 16.0]
    assert max(high) == retry_policy.CAP_SECONDS
    assert all(lo <= hi for lo, hi in zip(low, high, strict=True))
    assert all(backoff_seconds(1000) <= retry_policy.CAP_SECONDS for _ in range(50))


def test_real_jitter_stays_within_the_step():
    values = {round(backoff_seconds(3), 3) for _ in range(50)}
    assert all(4.0 <= v <= 8.0 for v in values)
    assert len(values) > 1


def test_only_transient_failures_retry_by_themselves():
    assert disposition("transient") is Disposition.RETRY_LATER
    assert disposition("business") is Disposition.PARK
    assert disposition("configuration") is Disposition.PARK


def test_next_attempt_and_the_slow_auth_probe():
    later = retry_policy.next_attempt_at(NOW, 2, jitter=lambda a, b: a)
    assert later == NOW + timedelta(seconds=2)
    assert probe_due(None, NOW)
    assert not probe_due(NOW, NOW + timedelta(minutes=4))
    assert probe_due(NOW, NOW + timedelta(minutes=5))
