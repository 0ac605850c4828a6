"""One request in flight while the next batch is read: overlap Tango reading with the cloud.

A master-data push alternates reading and hashing a batch from Tango with sending it and
waiting for the cloud to apply it. ``OneAhead`` sends a batch from a worker thread while the
caller reads the next one, and hands each result back on the caller's thread, in order: at
most one request is in flight, so acknowledgements are recorded exactly in the order the
batches were sent (a push cut off half-way still resumes after the last acknowledged batch),
and the local state store is only ever touched from the caller's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class OneAhead:
    """Runs ``call()`` in the background; ``on_done(result)`` runs in the caller's thread."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="activo-send")
        self._pending: tuple[Future[Any], Callable[[Any], None]] | None = None

    def submit(self, call: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Finish the previous call (its error, if any, raises here), then start ``call``."""
        self.wait()
        self._pending = (self._executor.submit(call), on_done)

    def wait(self) -> None:
        """Finish the call in flight: its ``on_done`` runs, or its exception is raised."""
        if self._pending is None:
            return
        future, on_done = self._pending
        self._pending = None
        on_done(future.result())

    def settle(self) -> None:
        """After a failure elsewhere: finish the call in flight, recording it if it succeeded;
        its own error is logged, not raised (the first failure is the one reported)."""
        try:
            self.wait()
        except Exception as exc:  # reported by the failure that got us here
            log.warning("send_ahead_abandoned", error=str(exc))

    def close(self) -> None:
        self.settle()
        self._executor.shutdown(wait=True)

    def __enter__(self) -> OneAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
