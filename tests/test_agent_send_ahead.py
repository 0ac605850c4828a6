"""``OneAhead``: a batch is sent while the next one is read, acknowledgements come back on the
caller's thread in order, at most one request is in flight, and errors surface."""

from __future__ import annotations

import threading

import pytest

from activo.send_ahead import OneAhead


def test_submit_returns_while_the_call_is_still_running():
    release = threading.Event()
    started = threading.Event()
    done: list[str] = []

    def call() -> str:
        started.set()
        assert release.wait(5), "the caller never got control back"
        return "ack"

    with OneAhead() as sender:
        sender.submit(call, done.append)
        assert started.wait(5)
        assert done == []  # still in flight: the caller is free to read the next batch
        release.set()
        sender.wait()
    assert done == ["ack"]


def test_results_are_recorded_in_order_on_the_callers_thread_one_in_flight():
    caller = threading.get_ident()
    in_flight = 0
    most = 0
    guard = threading.Lock()
    recorded: list[tuple[int, int]] = []

    def call(n: int):
        def run() -> int:
            nonlocal in_flight, most
            with guard:
                in_flight += 1
                most = max(most, in_flight)
            with guard:
                in_flight -= 1
            return n
        return run

    with OneAhead() as sender:
        for n in range(20):
            sender.submit(call(n), lambda r: recorded.append((r, threading.get_ident())))
        sender.wait()
    assert [r for r, _ in recorded] == list(range(20))
    assert {thread for _, thread in recorded} == {caller}
    assert most == 1


def test_an_error_raises_at_the_next_submit_and_the_next_call_does_not_start():
    calls: list[int] = []

    def failing() -> None:
        raise ConnectionError("cloud down")

    with OneAhead() as sender:
        sender.submit(failing, calls.append)
        with pytest.raises(ConnectionError):
            sender.submit(lambda: calls.append(2), calls.append)
        sender.wait()  # nothing in flight any more
    assert calls == []


def test_settle_records_a_success_and_swallows_a_failure():
    recorded: list[str] = []
    sender = OneAhead()
    sender.submit(lambda: "ok", recorded.append)
    sender.settle()
    assert recorded == ["ok"]
    sender.submit(lambda: 1 / 0, recorded.append)
    sender.settle()  # logged, not raised: the failure that made us settle is the one reported
    sender.close()
    assert recorded == ["ok"]
