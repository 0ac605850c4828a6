"""The demo's pieces: its folder, a fresh Tango DB, the cloud server, users, and the agent.

Everything is started through ``ProcessGroup`` (so it is always stopped) and through public
interfaces only: the ``castor-cloud`` CLI and HTTP for the cloud, the seed for Tango.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from activo.demo_images import demo_articles, write_demo_images
from activo.processes import Deadline, ProcessGroup
from activo.secrets import ENV_VARS, SecretName
from connectors.tango.seed import DEMO_FILE_NAME, create_demo_database, seed_facts

MARKER = ".activo-demo"
COMPANY_SLUG = "demo"
COMPANY_NAME = "Distribuidora Demo S.A."
POLL_SECONDS = 0.3
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DemoLogin:
    label_es: str
    email: str
    password: str


@dataclass(frozen=True)
class DemoUsers:
    admin: DemoLogin
    seller: DemoLogin
    customer: DemoLogin

    def all(self) -> tuple[DemoLogin, ...]:
        return (self.admin, self.seller, self.customer)


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo keeps its files, all inside one folder."""

    root: Path

    @property
    def tango_db(self) -> Path:
        return self.root / DEMO_FILE_NAME

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

    @property
    def images(self) -> Path:
        return self.root / "imagenes"

    def reset(self) -> None:
        """Start from nothing, but never empty a folder that is not a previous demo's."""
        if self.root.exists() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise DemoFailed(
                f"La carpeta {self.root} no está vacía y no es de una demo anterior: "
                "elegí otra con --data-dir."
            )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).write_text("ACTIVO demo folder: rebuilt on every run.\n")
        for path in (self.agent_data, self.logs, self.images):
            shutil.rmtree(path, ignore_errors=True)
        for base in (self.tango_db, self.cloud_db, self.agent_config):
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class DemoCast:
    """The seeded Tango codes the demo users are mapped to."""

    seller_code: str
    customer_code: str
    talonario: int
    deposit: str


class DemoFailed(Exception):
    def __init__(self, message_es: str, log_path: Path | None = None) -> None:
        super().__init__(message_es)
        self.message_es = message_es
        self.log_path = log_path


def build_tango(layout: DemoLayout) -> DemoCast:
    """A fresh demo database; the seller with most enabled customers, and one of them."""
    create_demo_database(layout.root, rebuild=True)
    facts = seed_facts()
    enabled = set(facts.enabled_customers)
    portfolio = {
        seller: [c for c in customers if c in enabled]
        for seller, customers in facts.customers_by_seller.items()
        if seller in facts.sellers
    }
    portfolio = {seller: codes for seller, codes in portfolio.items() if codes}
    if not portfolio:
        raise DemoFailed("La base de demostración no tiene vendedores con clientes.")
    seller_code = max(portfolio, key=lambda code: len(portfolio[code]))
    return DemoCast(seller_code=seller_code, customer_code=portfolio[seller_code][0],
                    talonario=facts.talonario, deposit=facts.deposits[0])


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


def start_cloud(
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


def provision(
    group: ProcessGroup, layout: DemoLayout, cast: DemoCast, environ: Mapping[str, str],
    deadline: Deadline,
) -> tuple[DemoUsers, str]:
    """Company, admin, seller and customer users, and the agent token (kept in memory)."""
    env = _cloud_env(layout, environ)

    def admin(*args: str, stdin: str | None = None) -> str:
        return group.run("cloud-admin", [*_cloud_cli(), *args], env,
                         timeout=deadline.remaining(), stdin=stdin)

    admin("company", "create", "--slug", COMPANY_SLUG, "--name", COMPANY_NAME,
          "--notify-email", "pedidos@demo.castor.com.ar")
    users = DemoUsers(
        admin=DemoLogin("Administrador", "admin@demo.castor.com.ar", "demo-admin-2024"),
        seller=DemoLogin(f"Vendedor ({cast.seller_code})", "vendedor@demo.castor.com.ar",
                         "demo-vendedor-2024"),
        customer=DemoLogin(f"Cliente ({cast.customer_code})", "cliente@demo.castor.com.ar",
                           "demo-cliente-2024"),
    )
    for login, role, codes in (
        (users.admin, "admin", []),
        (users.seller, "vendedor", ["--seller-code", cast.seller_code]),
        (users.customer, "cliente", ["--customer-code", cast.customer_code]),
    ):
        admin("user", "create", "--company", COMPANY_SLUG, "--email", login.email, "--role", role,
              "--name", login.label_es, *codes, "--password-stdin", stdin=login.password + "\n")
    # Only the token is on stdout; it stays in memory and reaches the agent by environment.
    token = admin("agent-token", "create", "--company", COMPANY_SLUG).strip().splitlines()[-1]
    return users, token.strip()


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_agent_config(layout: DemoLayout, url: str, cast: DemoCast) -> None:
    """The agent's TOML, and its images folder with pictures for the first catalog page."""
    write_demo_images(layout.images, demo_articles(layout.tango_db))
    layout.agent_config.write_text(
        "# Configuración de ACTIVO para la demo (se regenera en cada `activo demo`).\n"
        "[cloud]\n"
        f"url = {_toml_string(url)}\n"
        "long_poll_seconds = 20\n"
        "heartbeat_seconds = 30\n\n"
        "[tango]\n"
        f"connection = {_toml_string('sqlite:' + str(layout.tango_db))}\n"
        f"talonario = {cast.talonario}\n"
        f"deposit = {_toml_string(cast.deposit)}\n\n"
        "[sync]\n"
        "master_data_interval_seconds = 300\n\n"
        "[images]\n"
        f"folder = {_toml_string(str(layout.images))}\n",
        encoding="utf-8",
    )


def start_agent(
    group: ProcessGroup, layout: DemoLayout, token: str, environ: Mapping[str, str]
) -> None:
    env = _child_env(
        environ,
        ACTIVO_DATA_DIR=str(layout.agent_data),
        **{ENV_VARS[SecretName.CLOUD_TOKEN]: token},
    )
    group.start(
        "agent", [sys.executable, "-m", "activo", "--config", str(layout.agent_config), "run",
                  "--no-tray"], env
    )
