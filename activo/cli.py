"""``activo``: the command line. A thin layer: parse, call, print.

Exit status: 0 fine; 1 the sync (or a check) failed; 2 configuration or usage error. Expected
errors are printed as one Spanish line each, never as a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from activo import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``activo`` console script and ``python -m activo``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    return _run(args.handler, args, os.environ)


def _parser() -> argparse.ArgumentParser:
    # --config is accepted before or after the command: `activo --config X sync` or
    # `activo sync --config X`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="RUTA",
                        help="archivo de configuración (por defecto activo.toml en la carpeta "
                             "de datos)")
    parser = argparse.ArgumentParser(
        prog="activo", parents=[common],
        description="ACTIVO: pasa los pedidos de Castor Pedidos a Tango Gestión.",
    )
    parser.add_argument("--version", action="version", version=f"ACTIVO {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMANDO")

    sync = sub.add_parser("sync", parents=[common], help="sincronizar con la nube")
    sync.add_argument("--once", action="store_true",
                      help="una sola pasada: enviar datos maestros, escribir pedidos y salir")
    sync.set_defaults(handler=_sync)

    doctor = sub.add_parser("doctor", parents=[common], help="revisar configuración y conexiones")
    doctor.set_defaults(handler=_doctor)

    secrets = sub.add_parser("secrets", help="guardar token y contraseña en el almacén seguro")
    secrets_sub = secrets.add_subparsers(dest="action", required=True, metavar="ACCIÓN")
    set_secret = secrets_sub.add_parser("set", help="guardar un secreto")
    set_secret.add_argument("name", choices=["cloud-token", "tango-password"])
    set_secret.set_defaults(handler=_secrets_set)

    demo = sub.add_parser("demo", help="demostración completa en esta máquina")
    demo.add_argument("--data-dir", type=Path, default=Path(".demo"), metavar="CARPETA")
    demo.add_argument("--smoke", action="store_true",
                      help="prueba desatendida: 5 pedidos de punta a punta, y salir")
    demo.add_argument("--port", type=int, default=0, help="puerto del servidor (libre si 0)")
    demo.set_defaults(handler=_demo)
    return parser


def _run(handler: Callable[..., int], args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Call the command, turning every expected error into one line and an exit status."""
    from activo.config import ConfigError
    from activo.secrets import SecretError
    from connectors.cloud.client import CloudAuthError, CloudError
    from connectors.tango.errors import TangoConfigError, TangoError

    try:
        return handler(args, environ)
    except ConfigError as exc:
        _error("hay problemas en la configuración:", *exc.problems)
        return EXIT_CONFIG
    except (SecretError, CloudAuthError, TangoConfigError) as exc:
        _error(exc.message_es)
        return EXIT_CONFIG
    except (CloudError, TangoError) as exc:
        _error(exc.message_es)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK


def _error(first: str, *more: str) -> None:
    print(f"activo: {first}", file=sys.stderr)
    for line in more:
        print(f"  - {line}", file=sys.stderr)


def _config_arg(args: argparse.Namespace) -> Path | None:
    return getattr(args, "config", None)


# --------------------------------------------------------------------------- commands


def _sync(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.composition import open_agent, start
    from activo.sync_loop import run_sync_loop
    from activo.sync_once import sync_once

    startup = start(_config_arg(args), environ)
    with open_agent(startup) as agent:
        if args.once:
            summary = sync_once(
                agent.client, agent.reader, agent.writer,
                batch_size=agent.config.sync.batch_size,
                max_orders=agent.config.cloud.lease_max_orders,
            )
            print(summary.line_es())
            for problem in summary.errors:
                print(f"  - {problem}", file=sys.stderr)
            return EXIT_OK if summary.ok else EXIT_FAILED
        # SIGTERM (the demo, a service manager) stops the loop like Ctrl+C, even mid long-poll.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        stop = threading.Event()
        try:
            run_sync_loop(agent.client, agent.reader, agent.writer,
                          config=agent.config, stop=stop)
        except KeyboardInterrupt:
            stop.set()
            print("activo: sincronización detenida.", file=sys.stderr)
        return EXIT_OK


def _doctor(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.composition import start
    from activo.doctor import run_doctor

    startup = start(_config_arg(args), environ, console=False)
    results = run_doctor(startup)
    for result in results:
        print(f"{'✓' if result.ok else '✗'} {result.name}: {result.message_es}")
    print(f"Registro: {startup.log_file}")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _secrets_set(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.secrets import SecretName, SecretStore

    name = SecretName(args.name)
    if sys.stdin.isatty():
        value = getpass.getpass(f"Valor de {name.value} (no se muestra): ")
    else:
        value = sys.stdin.readline().rstrip("\r\n")
    SecretStore(environ).set(name, value)
    print(f"Guardado {name.value} en el almacén de credenciales del sistema.")
    return EXIT_OK


def _demo(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from activo.demo import DemoOptions, run_demo

    # SIGTERM stops the demo like Ctrl+C: everything it started is stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    return run_demo(
        DemoOptions(data_dir=args.data_dir.absolute(), smoke=args.smoke, port=args.port),
        environ,
    )
