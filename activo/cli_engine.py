"""The CLI's engine commands: ``run``, ``tray``, ``sync``. Parse → compose → run; no logic."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import structlog

from activo.cli_result import EXIT_FAILED, EXIT_OK
from activo.composition import Startup

log = structlog.get_logger(__name__)


def _config_arg(args: argparse.Namespace) -> Path | None:
    return getattr(args, "config", None)


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (a service manager, the demo) and Ctrl+C / Ctrl+Break stop the engine cleanly."""
    names = ("SIGTERM", "SIGINT", "SIGBREAK")
    wanted = [getattr(signal, n) for n in names if hasattr(signal, n)]
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in wanted}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """``activo run [--no-tray] [--take-over]``: engine (+ tray on the main thread)."""
    from activo.composition import start

    startup = start(_config_arg(args), environ, console=args.no_tray)
    return _run_engine(startup, tray=not args.no_tray, take_over=args.take_over)


def _run_engine(startup: Startup, *, tray: bool, take_over: bool) -> int:
    from activo.composition import cloud_client, engine_parts, open_store
    from activo.engine import Engine
    from activo.instance_lock import InstanceLock

    pystray = None
    if tray:  # the headless engine never loads the GUI (nor Pillow)
        from activo.tray import load_pystray

        pystray = load_pystray()  # no desktop? say so before starting anything

    # The lock first: a second engine must not even talk to the cloud.
    with InstanceLock(startup.paths.lock_file, command="run" if tray else "run --no-tray"), \
            cloud_client(startup) as client, open_store(startup.paths) as store:
        engine = Engine(engine_parts(startup, client, store, take_over=take_over))
        stop = threading.Event()
        if not tray:
            with _stop_on_signals(stop):
                engine.run_until_stopped(stop)
            print("activo: motor detenido.", file=sys.stderr)
            return EXIT_OK
        from activo.tray import TrayApp, TrayOptions

        engine.start()
        try:
            with _stop_on_signals(stop):
                app = TrayApp(store, TrayOptions.from_startup(startup, attached=False),
                              stop=stop, pystray=pystray)
                if not app.run():
                    # The desktop dropped the icon: the orders must keep flowing regardless.
                    log.warning("tray_lost_engine_continues")
                    while not stop.wait(1.0):
                        pass
        finally:
            engine.stop()
        return EXIT_OK


def tray(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """``activo tray``: the icon, attached to the engine running on this machine."""
    from activo.composition import open_store, start
    from activo.tray import TrayOptions, run_tray

    startup = start(_config_arg(args), environ, console=False)
    stop = threading.Event()
    with open_store(startup.paths) as store, _stop_on_signals(stop):
        run_tray(store, TrayOptions.from_startup(startup, attached=True), stop=stop)
    return EXIT_OK


def sync(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """``activo sync --once``: one pass; without ``--once`` the headless engine."""
    from activo.composition import start

    startup = start(_config_arg(args), environ)
    if not args.once:
        return _run_engine(startup, tray=False, take_over=args.take_over)
    return _sync_once(startup, take_over=args.take_over)


def _sync_once(startup: Startup, *, take_over: bool) -> int:
    from activo.composition import open_agent, open_store
    from activo.instance_lock import AlreadyRunning, InstanceLock
    from activo.journal import Journal
    from activo.state_store import CommandName
    from activo.sync_once import sync_once

    with open_store(startup.paths) as store:
        lock = InstanceLock(startup.paths.lock_file, command="sync --once")
        try:
            lock.acquire()
        except AlreadyRunning as exc:
            # The running engine does it: ask, don't compete with it for the same orders.
            store.request(CommandName.SYNC_NOW, source="cli")
            who = exc.holder.describe_es() if exc.holder else "otro proceso"
            print(f"El motor de ACTIVO ya está corriendo ({who}): se le pidió sincronizar "
                  "ahora. `activo status` muestra el resultado.")
            return EXIT_OK
        try:
            with open_agent(startup) as agent:
                run_id = store.start_run("sync_once")
                summary = sync_once(
                    agent.client, agent.reader, agent.writer, Journal(store),
                    batch_size=agent.config.sync.batch_size,
                    max_orders=agent.config.cloud.lease_max_orders,
                    take_over=take_over, images=agent.config.images,
                )
                written = summary.orders.count_ok()
                store.end_run(run_id, ok=summary.ok, orders_written=written,
                              orders_failed=summary.orders.count_failed(),
                              records_pushed=summary.master.total, errors=summary.errors)
        finally:
            lock.release()
    print(summary.line_es())
    for problem in summary.errors:
        print(f"  - {problem}", file=sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED
