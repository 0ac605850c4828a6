"""The CLI's state commands: ``status``, ``retry``, ``resync``, ``pause``, ``resume`` (they only
read the state store or write a command into it, so they work with the engine running or not,
and on a machine with no state yet), plus ``doctor``, ``secrets set`` and ``demo``."""

from __future__ import annotations

import argparse
import getpass
import json
import signal
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from activo.cli_result import EXIT_FAILED, EXIT_OK
from activo.config import Config, ConfigError, load_config
from activo.paths import Paths, resolve_paths
from activo.state_store import CommandName, StateStore


def _config_arg(args: argparse.Namespace) -> Path | None:
    return getattr(args, "config", None)


def _lenient_config(args: argparse.Namespace, paths: Paths,
                    environ: Mapping[str, str]) -> Config:
    """The configuration if it loads; the defaults otherwise (status must always answer)."""
    from activo.composition import config_path

    try:
        return load_config(config_path(paths, _config_arg(args)), environ, required=False)
    except ConfigError:
        return Config()


def stale_after(config: Config) -> timedelta:
    """Master data older than three push intervals is stale (amber)."""
    return timedelta(seconds=3 * config.sync.master_data_interval_seconds)


def _request(args: argparse.Namespace, environ: Mapping[str, str], name: CommandName,
             argument: str | None, done_es: str) -> int:
    from activo.status import read_snapshot

    paths = resolve_paths(environ)
    with StateStore(paths.state_db) as store:
        store.request(name, argument, source="cli")
        running = read_snapshot(store, datetime.now(UTC), stale_after=timedelta.max).engine_running
    when = "en un segundo" if running else "cuando el motor arranque (ahora no está corriendo)"
    print(f"{done_es} {when}.")
    return EXIT_OK


def resync(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    return _request(args, environ, CommandName.FULL_RESYNC, None,
                    "Pedido registrado: el motor reenviará el catálogo completo")


def pause(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    return _request(args, environ, CommandName.PAUSE, None, "El motor se pausará")


def resume(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    return _request(args, environ, CommandName.RESUME, None, "El motor se reanudará")


def retry(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.journal import Journal

    paths = resolve_paths(environ)
    with StateStore(paths.state_db) as store:
        failing = [e for e in Journal(store).in_error() if e.status.value != "conflict"]
    codes = [e.code for e in failing if args.code in (None, e.code)]
    if args.code and not codes:
        print(f"activo: el pedido {args.code} no está con error en este equipo.", file=sys.stderr)
        return EXIT_FAILED
    if not codes:
        print("No hay pedidos con error para reintentar.")
        return EXIT_OK
    return _request(args, environ, CommandName.RETRY_FAILED, args.code,
                    f"Se reintentarán {len(codes)} pedido(s) ({', '.join(codes)})")


def status(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.status import read_snapshot
    from activo.status_text import status_lines

    paths = resolve_paths(environ)
    config = _lenient_config(args, paths, environ)
    with StateStore(paths.state_db) as store:
        snapshot = read_snapshot(store, datetime.now(UTC), stale_after=stale_after(config))
    if args.json:
        data = snapshot.to_json()
        data["data_dir"] = str(paths.data_dir)
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(snapshot, paths)))
    return EXIT_OK


def doctor(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.composition import start
    from activo.doctor import run_doctor

    startup = start(_config_arg(args), environ, console=False)
    results = run_doctor(startup)
    for result in results:
        print(f"{'✓' if result.ok else '✗'} {result.name}: {result.message_es}")
    print(f"Registro: {startup.log_file}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def secrets_set(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.secrets import SecretName, SecretStore

    name = SecretName(args.name)
    if sys.stdin.isatty():
        value = getpass.getpass(f"Valor de {name.value} (no se muestra): ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    SecretStore(environ).set(name, value)
    print(f"Guardado {name.value} en el almacén de credenciales del sistema.")
    return EXIT_OK


def demo(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.demo import DemoOptions, run_demo

    # SIGTERM stops the demo like Ctrl+C: everything it started is stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return run_demo(
        DemoOptions(data_dir=args.data_dir.absolute(), smoke=args.smoke, port=args.port),
        environ,
    )
