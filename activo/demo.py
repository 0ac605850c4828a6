"""``activo demo``: the whole product on one machine — cloud server, agent, Tango-shaped DB.

Builds a fresh demo Tango database (SQLite) and a fresh cloud database, starts the cloud server
and the agent as real processes, creates a company with an admin, a seller and a customer, waits
until the agent's first master-data push has landed, and prints where to log in. ``--smoke``
then places five orders as a scripted seller through the public web pages and waits until all
five are in Tango, within a hard two-minute deadline. Everything started is stopped on the way
out, also on failure. The agent token reaches the agent only through its environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from connectors.tango.reader import MasterDataReader
from connectors.tango.seed import create_demo_database

from activo.demo_seller import ScriptedSeller, SellerFailed, article_codes
from activo.processes import Deadline, ProcessFailed, ProcessGroup
from activo.secrets import ENV_VARS, SecretName
from connectors.cloud.contract import MasterKind
from connectors.tango.connection import open_connection
from connectors.tango.errors import TangoError
from connectors.tango.settings import TangoSettings

SMOKE_DEADLINE_SECONDS = 120.0
STARTUP_DEADLINE_SECONDS = 120.0
SMOKE_ORDERS = 5
POLL_SECONDS = 0.3
MARKER = ".activo-demo"
COMPANY_SLUG = "demo"
COMPANY_NAME = "Distribuidora Demo S.A."
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    smoke: bool = False
    port: int = 0


@dataclass(frozen=True)
class DemoLogin:
    label_es: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo keeps its files, all inside one folder."""

    root: Path

    @property
    def tango_db(self) -> Path:
        return self.root / "tango.sqlite"

    @property
    def cloud_db(self) -> Path:
        return self.root / "cloud.sqlite3"

    @property
    def agent_config(self) -> Path:
        return self.root / "activo.toml"

    @property
    def agent_data(self) -> Path:
        return self.root / "agent"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def reset(self) -> None:
        """Start from nothing, but never empty a folder that is not a previous demo's."""
        if self.root.exists() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise DemoFailed(
                f"La carpeta {self.root} no está vacía y no es de una demo anterior: "
                "elegí otra con --data-dir."
            )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).write_text("ACTIVO demo folder: rebuilt on every run.\n")
        for path in (self.agent_data, self.logs):
            shutil.rmtree(path, ignore_errors=True)
        for base in (self.tango_db, self.cloud_db, self.agent_config):
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class DemoCast:
    """The seeded Tango codes the demo users are mapped to."""

    seller_code: str
    customer_code: str


class DemoFailed(Exception):
    def __init__(self, message_es: str, log_path: Path | None = None) -> None:
        super().__init__(message_es)
        self.message_es = message_es
        self.log_path = log_path


def run_demo(options: DemoOptions, environ: Mapping[str, str]) -> int:
    """Run the demo; returns the exit status (0 fine, 1 failed)."""
    layout = DemoLayout(options.data_dir)
    deadline = Deadline(SMOKE_DEADLINE_SECONDS if options.smoke else STARTUP_DEADLINE_SECONDS)
    began = time.monotonic()
    group = ProcessGroup(layout.logs)
    try:
        layout.reset()
        cast = _build_tango(layout)
        _say(f"Base Tango de demostración: {layout.tango_db}", began)
        url = _start_cloud(group, layout, options.port, environ, deadline)
        _say(f"Nube de demostración en {url}", began)
        logins, token = _provision(group, layout, cast, environ, deadline)
        _write_agent_config(layout, url)
        _start_agent(group, layout, token, environ)
        seller = ScriptedSeller(url)
        try:
            seller.login(logins[1].email, logins[1].password)
            _wait_for_master_data(group, seller, cast, deadline)
            _say("El agente envió los datos maestros de Tango a la nube.", began)
            if options.smoke:
                _smoke(group, seller, layout, cast, deadline, began)
                return 0
        finally:
            seller.close()
        _print_logins(url, logins, layout)
        _wait_until_interrupted(group)
        return 0
    except KeyboardInterrupt:
        print("\nDeteniendo la demo…", file=sys.stderr)
        return 0
    except (DemoFailed, ProcessFailed, SellerFailed) as exc:
        _fail(exc.message_es, getattr(exc, "log_path", None), layout)
        return 1
    except (TangoError, requests.RequestException) as exc:
        _fail(getattr(exc, "message_es", None) or str(exc), None, layout)
        return 1
    finally:
        group.stop_all()


# --------------------------------------------------------------------------- steps


def _build_tango(layout: DemoLayout) -> DemoCast:
    create_demo_database(layout.tango_db)
    settings = TangoSettings(connection=f"sqlite:{layout.tango_db}")
    with open_connection(settings) as conn:
        reader = MasterDataReader(conn, settings)
        customers = [c for c in reader.read(MasterKind.CUSTOMERS) if c.enabled and c.seller_code]
        sellers = {s.code for s in reader.read(MasterKind.SELLERS) if s.enabled}
    portfolio: dict[str, list[str]] = {}
    for customer in customers:
        if customer.seller_code in sellers:
            portfolio.setdefault(customer.seller_code, []).append(customer.code)
    if not portfolio:
        raise DemoFailed("La base de demostración no tiene vendedores con clientes.")
    seller_code = max(portfolio, key=lambda code: len(portfolio[code]))
    return DemoCast(seller_code=seller_code, customer_code=portfolio[seller_code][0])


def _child_env(environ: Mapping[str, str], **extra: str) -> dict[str, str]:
    # The user's own ACTIVO_* / CASTOR_* settings must not leak into the demo's processes.
    env = {k: v for k, v in environ.items() if not k.startswith(("ACTIVO_", "CASTOR_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _cloud_cli() -> list[str]:
    return [sys.executable, "-m", "connectors.cloud.server.cli"]


def _cloud_env(layout: DemoLayout, environ: Mapping[str, str]) -> dict[str, str]:
    return _child_env(environ, CASTOR_DATABASE_URL=f"sqlite:///{layout.cloud_db.as_posix()}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_cloud(
    group: ProcessGroup, layout: DemoLayout, port: int, environ: Mapping[str, str],
    deadline: Deadline,
) -> str:
    env = _cloud_env(layout, environ)
    group.run("cloud-admin", [*_cloud_cli(), "migrate"], env, timeout=deadline.remaining())
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    server = group.start(
        "cloud-server", [*_cloud_cli(), "serve", "--host", "127.0.0.1", "--port", str(port)], env
    )
    while not deadline.expired():
        group.check_alive()
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return url
        except requests.RequestException:
            pass
        time.sleep(POLL_SECONDS)
    raise DemoFailed("El servidor de la nube no arrancó a tiempo.", server.log_path)


def _provision(
    group: ProcessGroup, layout: DemoLayout, cast: DemoCast, environ: Mapping[str, str],
    deadline: Deadline,
) -> tuple[list[DemoLogin], str]:
    """Company, admin, seller and customer users, and the agent token (kept in memory)."""
    env = _cloud_env(layout, environ)

    def admin(*args: str, stdin: str | None = None) -> str:
        return group.run("cloud-admin", [*_cloud_cli(), *args], env,
                         timeout=deadline.remaining(), stdin=stdin)

    admin("company", "create", "--slug", COMPANY_SLUG, "--name", COMPANY_NAME,
          "--notify-email", "pedidos@demo.castor.com.ar")
    logins = [
        DemoLogin("Administrador", "admin@demo.castor.com.ar", "demo-admin-2024"),
        DemoLogin(f"Vendedor ({cast.seller_code})", "vendedor@demo.castor.com.ar",
                  "demo-vendedor-2024"),
        DemoLogin(f"Cliente ({cast.customer_code})", "cliente@demo.castor.com.ar",
                  "demo-cliente-2024"),
    ]
    roles = (("admin", {}), ("vendedor", {"--seller-code": cast.seller_code}),
             ("cliente", {"--customer-code": cast.customer_code}))
    for login, (role, codes) in zip(logins, roles, strict=True):
        extra = [part for pair in codes.items() for part in pair]
        admin("user", "create", "--company", COMPANY_SLUG, "--email", login.email, "--role", role,
              "--name", login.label_es, *extra, "--password-stdin", stdin=login.password + "\n")
    token = admin("agent-token", "create", "--company", COMPANY_SLUG).strip().splitlines()[-1]
    return logins, token.strip()


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_agent_config(layout: DemoLayout, url: str) -> None:
    layout.agent_config.write_text(
        "# Configuración de ACTIVO para la demo (se regenera en cada `activo demo`).\n"
        "[cloud]\n"
        f"url = {_toml_string(url)}\n"
        "long_poll_seconds = 20\n"
        "heartbeat_seconds = 30\n\n"
        "[tango]\n"
        f"connection = {_toml_string('sqlite:' + str(layout.tango_db))}\n\n"
        "[sync]\n"
        "master_data_interval_seconds = 300\n",
        encoding="utf-8",
    )


def _start_agent(
    group: ProcessGroup, layout: DemoLayout, token: str, environ: Mapping[str, str]
) -> None:
    env = _child_env(
        environ,
        ACTIVO_DATA_DIR=str(layout.agent_data),
        **{ENV_VARS[SecretName.CLOUD_TOKEN]: token},
    )
    group.start(
        "agent", [sys.executable, "-m", "activo", "--config", str(layout.agent_config), "sync"], env
    )


def _wait_for_master_data(
    group: ProcessGroup, seller: ScriptedSeller, cast: DemoCast, deadline: Deadline
) -> None:
    while not deadline.expired():
        group.check_alive()
        if seller.sees_customer(cast.customer_code):
            return
        time.sleep(POLL_SECONDS)
    raise DemoFailed("El agente no envió los datos maestros a tiempo.",
                     group.log_dir / "agent.log")


def _smoke(
    group: ProcessGroup, seller: ScriptedSeller, layout: DemoLayout, cast: DemoCast,
    deadline: Deadline, began: float,
) -> None:
    codes_offered = article_codes(seller.catalog(cast.customer_code))
    if len(codes_offered) < 3:
        raise DemoFailed(
            f"El catálogo del cliente {cast.customer_code} tiene menos de 3 artículos."
        )
    orders = []
    for n in range(SMOKE_ORDERS):
        picked = [codes_offered[(n + i) % len(codes_offered)] for i in range(3)]
        quantities = {code: str(i + n + 1) for i, code in enumerate(picked)}
        note = f"Pedido de prueba {n + 1}"
        orders.append(seller.place_order(cast.customer_code, quantities, note))
    _say(f"{SMOKE_ORDERS} pedidos confirmados en la nube: {', '.join(orders)}", began)
    numbers = _wait_in_tango(group, seller, layout, orders, deadline)
    _say("Los 5 pedidos están en Tango:", began)
    for code in orders:
        print(f"  {code} → pedido {numbers[code]}")
    print(f"Prueba completa en {time.monotonic() - began:.1f} s.")


def _wait_in_tango(
    group: ProcessGroup, seller: ScriptedSeller, layout: DemoLayout, orders: list[str],
    deadline: Deadline,
) -> dict[str, str]:
    """Wait until every order is in Tango's GVA21 and shown ``in_tango`` by the cloud."""
    pending = set(orders)
    numbers: dict[str, str] = {}
    while pending and not deadline.expired():
        group.check_alive()
        in_db = _tango_numbers(layout.tango_db, sorted(pending))
        for code in sorted(pending):
            status = seller.order_status(code)
            if status.status == "error":
                raise DemoFailed(f"El pedido {code} quedó con error: {status.error}",
                                 group.log_dir / "agent.log")
            if status.status == "in_tango" and code in in_db:
                numbers[code] = status.tango_number or in_db[code]
                pending.discard(code)
        if pending:
            time.sleep(POLL_SECONDS)
    if pending:
        raise DemoFailed(
            f"Se terminó el tiempo: {len(pending)} pedido(s) no llegaron a Tango "
            f"({', '.join(sorted(pending))}).",
            group.log_dir / "agent.log",
        )
    return numbers


def _tango_numbers(db: Path, codes: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(codes))
    # Read-only and short: the agent holds the write side of this database.
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute(
            f"SELECT ID_EXTERNO, NRO_PEDIDO FROM GVA21 WHERE ID_EXTERNO IN ({marks})", codes
        ).fetchall()
    return {str(code): str(number) for code, number in rows}


def _wait_until_interrupted(group: ProcessGroup) -> None:
    while True:
        group.check_alive()
        time.sleep(1.0)


# --------------------------------------------------------------------------- output


def _say(message: str, began: float) -> None:
    print(f"[{time.monotonic() - began:5.1f} s] {message}", flush=True)


def _print_logins(url: str, logins: list[DemoLogin], layout: DemoLayout) -> None:
    print()
    print(f"Castor Pedidos (demo): {url}/login")
    for login in logins:
        print(f"  {login.label_es:<24} {login.email:<32} contraseña: {login.password}")
    print(f"Registros: {layout.logs}  ·  Base Tango: {layout.tango_db}")
    print("Ctrl+C para terminar.", flush=True)


def _fail(message_es: str, log_path: Path | None, layout: DemoLayout) -> None:
    print(f"activo demo: {message_es}", file=sys.stderr)
    where = log_path or layout.logs
    print(f"  Ver registros en {where}", file=sys.stderr)
