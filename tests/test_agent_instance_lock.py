"""One engine per machine: the lock refuses a second holder and names the first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from activo.instance_lock import AlreadyRunning, InstanceLock, read_holder

HOLDER = """
import sys, time
from pathlib import Path
from activo.instance_lock import InstanceLock
with InstanceLock(Path(sys.argv[1]), command="run --no-tray"):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_second_process_is_refused_with_the_holders_pid_host_and_start(tmp_path):
    lock_file = tmp_path / "activo.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock_file)],
                              stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(lock_file).acquire()
        assert refused.value.holder.pid == holder.pid
        assert f"PID {holder.pid}" in refused.value.message_es
        assert "Ya hay un motor de ACTIVO corriendo" in refused.value.message_es
        data = json.loads(lock_file.read_text())
        assert data["command"] == "run --no-tray" and data["host"] and data["started_at"]
    finally:
        holder.kill()
        holder.wait(timeout=10)
    # The OS dropped the lock with the process: no stale lock after a crash.
    deadline = time.monotonic() + 5
    while True:
        try:
            with InstanceLock(lock_file) as lock:
                assert read_holder(lock_file).pid == os.getpid()
                assert lock.lock_file == lock_file
            break
        except AlreadyRunning:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_the_same_process_cannot_take_it_twice_and_release_frees_it(tmp_path):
    first = InstanceLock(tmp_path / "activo.lock")
    first.acquire()
    try:
        with pytest.raises(AlreadyRunning):
            InstanceLock(tmp_path / "activo.lock").acquire()
    finally:
        first.release()
    with InstanceLock(tmp_path / "activo.lock"):
        pass
