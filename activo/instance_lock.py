"""One engine per machine: an exclusive OS lock on a file in the data folder.

The only module with platform-specific locking calls: ``msvcrt.locking`` on Windows,
``fcntl.flock`` elsewhere. The OS drops the lock when the process dies, so a crash never leaves
a stale lock behind. The holder writes its PID, host and start time into the file so a second
engine (and ``activo status``) can name the running one.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

# On Windows the locked byte sits far past the holder's text, so others can still read it.
_WINDOWS_LOCK_OFFSET = 1 << 30


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    started_at: str
    command: str = ""

    def describe_es(self) -> str:
        return f"PID {self.pid} en {self.host}, iniciado {self.started_at}"


class AlreadyRunning(Exception):
    """Another engine holds the lock; ``message_es`` names it."""

    def __init__(self, holder: LockHolder | None, lock_file: Path) -> None:
        who = holder.describe_es() if holder else "datos del otro proceso no disponibles"
        self.holder = holder
        self.message_es = (
            f"Ya hay un motor de ACTIVO corriendo en este equipo ({who}). "
            f"Detenelo antes de iniciar otro (archivo de bloqueo: {lock_file})."
        )
        super().__init__(f"engine lock {lock_file} held by {holder}")


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(_WINDOWS_LOCK_OFFSET)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def read_holder(lock_file: Path) -> LockHolder | None:
    """Who wrote the lock file last (may be a process that has since exited)."""
    try:
        data = json.loads(lock_file.read_text(encoding="utf-8").strip() or "{}")
        return LockHolder(int(data["pid"]), str(data["host"]), str(data["started_at"]),
                          str(data.get("command", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class InstanceLock:
    """Hold the machine's engine lock for as long as the context is open."""

    def __init__(self, lock_file: Path, command: str = "run") -> None:
        self.lock_file = lock_file
        self._command = command
        self._handle: IO[str] | None = None

    def acquire(self) -> LockHolder:
        """Take the lock or raise ``AlreadyRunning`` naming the holder."""
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        # "a+" never truncates: the holder's text must survive a failed attempt.
        handle = self.lock_file.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            handle.close()
            raise AlreadyRunning(read_holder(self.lock_file), self.lock_file)
        holder = LockHolder(
            pid=os.getpid(),
            host=socket.gethostname(),
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            command=self._command,
        )
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(holder.__dict__) + "\n")
        handle.flush()
        self._handle = handle
        return holder

    def release(self) -> None:
        if self._handle is None:
            return
        with contextlib.suppress(OSError):
            _unlock(self._handle)
        self._handle.close()
        self._handle = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
