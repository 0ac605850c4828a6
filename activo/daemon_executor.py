"""An APScheduler executor that runs each job in its own daemon thread.

The orders job spends most of its life inside a long poll (up to 30 s) that cannot be
cancelled; a thread pool's non-daemon workers would keep the process alive that long after
"Salir" or a service stop. Interrupting a Tango write is safe (one transaction, and the
``ID_EXTERNO`` check), so the process may exit under a daemon thread.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_job


class DaemonThreadExecutor(BaseExecutor):
    def __init__(self) -> None:
        super().__init__()
        self._threads: set[threading.Thread] = set()
        self._guard = threading.Lock()

    def _do_submit_job(self, job: Any, run_times: list[Any]) -> None:
        def target() -> None:
            try:
                events = run_job(job, job._jobstore_alias, run_times, self._logger.name)
            except BaseException:
                _, exc, tb = sys.exc_info()
                self._run_job_error(job.id, exc, tb)
            else:
                self._run_job_success(job.id, events)
            finally:
                with self._guard:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=target, name=f"activo-{job.id}", daemon=True)
        with self._guard:
            self._threads.add(thread)
        thread.start()

    def running(self) -> int:
        with self._guard:
            return len(self._threads)

    def shutdown(self, wait: bool = True) -> None:
        if not wait:
            return
        with self._guard:
            threads = list(self._threads)
        for thread in threads:
            thread.join()
