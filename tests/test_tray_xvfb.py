"""One smoke run of the real tray under Xvfb: ``activo tray`` with pystray's xorg backend
stays up, then exits cleanly on SIGTERM. Skips locally without Xvfb; fails in CI."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.system import require_system

ROOT = Path(__file__).resolve().parent.parent

# A minimal freedesktop system-tray manager (what a desktop panel provides): owns the
# _NET_SYSTEM_TRAY_S0 selection, announces itself, and docks whatever icon asks. Bounded: it
# exits after 120 s whatever happens.
TRAY_MANAGER = """
import sys, time
from Xlib import X, display
from Xlib.protocol import event
d = display.Display()
screen = d.screen()
root = screen.root
panel = root.create_window(0, 0, 200, 40, 0, screen.root_depth,
                           event_mask=X.StructureNotifyMask | X.SubstructureNotifyMask)
panel.map()
selection = d.intern_atom("_NET_SYSTEM_TRAY_S0")
panel.set_selection_owner(selection, X.CurrentTime)
root.send_event(event.ClientMessage(window=root, client_type=d.intern_atom("MANAGER"),
                                    data=(32, [X.CurrentTime, selection, panel.id, 0, 0])),
                event_mask=X.StructureNotifyMask)
d.flush()
print("ready", flush=True)
opcode = d.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
end = time.monotonic() + 120
while time.monotonic() < end:
    if not d.pending_events():
        time.sleep(0.05)
        continue
    e = d.next_event()
    if e.type == X.ClientMessage and e.client_type == opcode and e.data[1][1] == 0:
        icon = d.create_resource_object("window", e.data[1][2])
        icon.reparent(panel, 0, 0)
        icon.map()
        d.flush()
        print("docked", flush=True)
"""


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private X server on a display it picks itself (``-displayfd``); yields ``:N``."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        with os.fdopen(read_end) as numbers:
            number = numbers.readline().strip()
        assert number.isdigit(), "Xvfb did not report its display"
        yield f":{number}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_activo_tray_runs_under_xvfb_and_stops_cleanly(tmp_path):
    require_system(shutil.which("Xvfb") is not None, "Xvfb not installed (apt-get install xvfb)")
    data = tmp_path / "data"
    with xvfb() as display:
        env = {**os.environ, "DISPLAY": display, "ACTIVO_DATA_DIR": str(data),
               "ACTIVO_CLOUD_URL": "http://127.0.0.1:9", "ACTIVO_TANGO_CONNECTION": "sqlite:x"}
        manager = subprocess.Popen([sys.executable, "-c", TRAY_MANAGER], env=env,
                                   stdout=subprocess.PIPE, text=True)
        assert manager.stdout.readline().strip() == "ready"
        log = (tmp_path / "tray.log").open("wb")
        tray = subprocess.Popen([sys.executable, "-m", "activo", "tray"], env=env, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            assert manager.stdout.readline().strip() == "docked"  # the real xorg backend docked
            time.sleep(3)
            output = (tmp_path / "tray.log").read_text(errors="replace")
            assert tray.poll() is None, f"the tray exited early: {output}"
            tray.send_signal(signal.SIGTERM)
            assert tray.wait(timeout=15) == 0
        finally:
            for child in (tray, manager):
                if child.poll() is None:
                    child.kill()
                    child.wait(timeout=10)
            log.close()
    app_log = (data / "logs" / "activo.log").read_text(encoding="utf-8")
    assert '"tray_started"' in app_log and '"tray_stopped"' in app_log
    assert "Failed to dock" not in app_log
    assert "Traceback" not in (tmp_path / "tray.log").read_text(errors="replace")


def test_activo_run_engine_and_tray_together_under_xvfb(tmp_path):
    require_system(shutil.which("Xvfb") is not None, "Xvfb not installed (apt-get install xvfb)")
    from tests.test_engine_world import engine_world, wait_until

    with engine_world(tmp_path) as world, xvfb() as display:
        manager = subprocess.Popen([sys.executable, "-c", TRAY_MANAGER],
                                   env={**os.environ, "DISPLAY": display},
                                   stdout=subprocess.PIPE, text=True)
        try:
            assert manager.stdout.readline().strip() == "ready"
            log = (tmp_path / "run.log").open("wb")
            agent = subprocess.Popen(
                [sys.executable, "-m", "activo", "--config", str(world.config), "run"],
                env=world.env(DISPLAY=display), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            log.close()
            world.agents.append(agent)
            assert manager.stdout.readline().strip() == "docked"
            world.wait_for_master_data()
            code = world.place_order("con ícono")
            wait_until(lambda: world.tango_number(code), 10, "the engine behind the tray idles")
            agent.send_signal(signal.SIGTERM)
            assert agent.wait(timeout=20) == 0
        finally:
            if manager.poll() is None:
                manager.kill()
                manager.wait(timeout=10)
