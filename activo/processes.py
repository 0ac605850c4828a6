"""Child processes the demo starts: output to log files, and always stopped on the way out."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def _own_process_group() -> dict[str, object]:
    """Keep Ctrl+C away from the children: the parent stops them, in order, itself."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


class ProcessFailed(Exception):
    """A child process failed or died; ``message_es`` says which and where its log is."""

    def __init__(self, message_es: str, log_path: Path | None = None) -> None:
        super().__init__(message_es)
        self.message_es = message_es
        self.log_path = log_path


class Deadline:
    """A point in time every wait of a run must respect."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self.seconds = seconds

    def remaining(self) -> float:
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        return self.remaining() <= 0


@dataclass
class ManagedProcess:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes] = field(repr=False)

    def exited(self) -> int | None:
        return self.popen.poll()


class ProcessGroup:
    """Starts long-running children and one-shot commands; stops every child it started."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._children: list[ManagedProcess] = []

    def start(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> ManagedProcess:
        """Start ``argv`` in the background; its stdout and stderr go to ``logs/{name}.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        popen = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=dict(env), **_own_process_group(),
        )
        child = ManagedProcess(name=name, popen=popen, log_path=log_path, log=log)
        self._children.append(child)
        return child

    def run(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        timeout: float,
        stdin: str | None = None,
    ) -> str:
        """Run a command to completion and return its stdout; stderr goes to its log."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            try:
                done = subprocess.run(
                    list(argv), input=(stdin or "").encode(), stdout=subprocess.PIPE,
                    stderr=log, env=dict(env), timeout=max(timeout, 1.0), check=False,
                )
            except subprocess.TimeoutExpired:
                raise ProcessFailed(f"«{name}» no terminó a tiempo.", log_path) from None
        if done.returncode != 0:
            raise ProcessFailed(
                f"«{name}» falló (código {done.returncode}).", log_path
            )
        return done.stdout.decode("utf-8", errors="replace")

    def check_alive(self) -> None:
        """Raise ``ProcessFailed`` if a child has exited."""
        for child in self._children:
            code = child.exited()
            if code is not None:
                raise ProcessFailed(
                    f"El proceso «{child.name}» terminó inesperadamente (código {code}).",
                    child.log_path,
                )

    def stop_all(self, timeout: float = 10.0) -> None:
        """Ask every child to stop (newest first), then kill those still running."""
        for child in reversed(self._children):
            if child.exited() is None:
                child.popen.terminate()
        end = time.monotonic() + timeout
        for child in reversed(self._children):
            try:
                child.popen.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.popen.kill()
                child.popen.wait(timeout=5)
            child.log.close()
        self._children.clear()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
