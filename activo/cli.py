"""``activo``: the command line. A thin layer: parse, call, print.

Exit status: 0 fine; 1 the sync (or a check) failed, or an engine already runs; 2 configuration
or usage error. Expected errors are printed as one Spanish line each, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from activo import __version__
from activo.cli_result import EXIT_CONFIG, EXIT_FAILED, EXIT_OK

__all__ = ["EXIT_CONFIG", "EXIT_FAILED", "EXIT_OK", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``activo`` console script and ``python -m activo``."""
    import os

    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    return _run(args.handler, args, os.environ)


class _SpanishParser(argparse.ArgumentParser):
    """argparse with its own fixed words in Spanish too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="mostrar esta ayuda y salir")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "uso:", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "uso:", 1)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _lazy(module: str, name: str) -> Callable[..., int]:
    """A handler imported only when its command runs, so ``--version`` and ``--help`` stay
    fast (the agent's modules pull in requests, pydantic and structlog)."""

    def handler(*args: object, **kwargs: object) -> int:
        from importlib import import_module

        return getattr(import_module(f"activo.{module}"), name)(*args, **kwargs)

    handler.__name__ = name
    return handler


def _parser() -> argparse.ArgumentParser:
    # --config is accepted before or after the command: `activo --config X sync` or
    # `activo sync --config X`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="RUTA",
                        help="archivo de configuración (por defecto activo.toml en la carpeta "
                             "de datos)")
    parser = _SpanishParser(
        prog="activo", parents=[common],
        description="ACTIVO: pasa los pedidos de Castor Pedidos a Tango Gestión y mantiene el "
                    "catálogo, los precios y los clientes al día en la nube.",
    )
    parser.add_argument("--version", action="version", version=f"ACTIVO {__version__}",
                        help="mostrar la versión y salir")
    sub = parser.add_subparsers(dest="command", metavar="COMANDO", title="comandos",
                                parser_class=_SpanishParser)

    def command(name: str, help_es: str, handler: Callable[..., int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_es, description=help_es)
        p.set_defaults(handler=handler)
        return p

    run = command("run", "iniciar el motor de sincronización con el ícono de la bandeja",
                  _lazy("cli_engine", "run"))
    run.add_argument("--no-tray", action="store_true",
                     help="solo el motor, sin ícono (para una tarea programada o un servicio)")
    run.add_argument("--take-over", action="store_true",
                     help="tomar el control aunque otro ACTIVO esté sincronizando esta empresa")
    command("tray", "mostrar el ícono de la bandeja de un motor que ya está corriendo",
            _lazy("cli_engine", "tray"))
    sync = command("sync", "sincronizar con la nube (sin --once: igual que run --no-tray)",
                   _lazy("cli_engine", "sync"))
    sync.add_argument("--once", action="store_true",
                      help="una sola pasada: enviar datos maestros, escribir pedidos y salir")
    sync.add_argument("--take-over", action="store_true",
                      help="tomar el control aunque otro ACTIVO esté sincronizando esta empresa")
    command("resync", "reenviar el catálogo completo a la nube", _lazy("cli_state", "resync"))
    retry = command("retry", "reintentar los pedidos con error (todos, o el indicado)",
                    _lazy("cli_state", "retry"))
    retry.add_argument("code", nargs="?", metavar="CÓDIGO",
                       help="código del pedido en la nube (ej. CP-00000012)")
    command("pause", "pausar la sincronización", _lazy("cli_state", "pause"))
    command("resume", "reanudar la sincronización", _lazy("cli_state", "resume"))
    status = command("status", "mostrar el estado: motor, últimas corridas, cola y errores",
                     _lazy("cli_state", "status"))
    status.add_argument("--json", action="store_true", help="salida en JSON")
    command("doctor", "revisar configuración y conexiones", _lazy("cli_state", "doctor"))

    secrets = sub.add_parser("secrets", help="guardar token y contraseña en el almacén seguro",
                             description="guardar token y contraseña en el almacén seguro")
    secrets_sub = secrets.add_subparsers(dest="action", required=True, metavar="ACCIÓN",
                                         title="acciones", parser_class=_SpanishParser)
    set_secret = secrets_sub.add_parser(
        "set", help="guardar un secreto (se pide sin mostrarlo, o se lee de la entrada)",
        description="guardar un secreto (se pide sin mostrarlo, o se lee de la entrada)")
    set_secret.add_argument("name", choices=["cloud-token", "tango-password"], metavar="NOMBRE",
                            help="cloud-token (token del agente) o tango-password "
                                 "(contraseña SQL de Tango)")
    set_secret.set_defaults(handler=_lazy("cli_state", "secrets_set"))

    demo = sub.add_parser("demo", help="demostración completa en esta máquina",
                          description="demostración completa en esta máquina: nube, agente y "
                                      "una base Tango de prueba")
    demo.add_argument("--data-dir", type=Path, default=Path(".demo"), metavar="CARPETA",
                      help="carpeta de la demo (se rehace en cada corrida)")
    demo.add_argument("--smoke", action="store_true",
                      help="prueba desatendida: 5 pedidos de punta a punta, y salir")
    demo.add_argument("--port", type=int, default=0, metavar="PUERTO",
                      help="puerto del servidor (libre si 0)")
    demo.set_defaults(handler=_lazy("cli_state", "demo"))
    return parser


def _run(handler: Callable[..., int], args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Call the command, turning every expected error into one line and an exit status."""
    from activo.config import ConfigError
    from activo.instance_lock import AlreadyRunning
    from activo.secrets import SecretError
    from activo.tray import TrayUnavailable
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
    except (CloudError, TangoError, AlreadyRunning, TrayUnavailable) as exc:
        _error(exc.message_es)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK


def _error(first: str, *more: str) -> None:
    print(f"activo: {first}", file=sys.stderr)
    for line in more:
        print(f"  - {line}", file=sys.stderr)
