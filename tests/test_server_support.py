"""Helpers for the cloud server tests: a real ``castor-cloud serve`` process on loopback.

Not a test module by itself; the ``test_server_*`` modules import from it. Each server runs
``python -m connectors.cloud.server.cli`` (the same entry point as the ``castor-cloud`` script)
with its own database, in a temporary working folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import requests

from connectors.cloud.contract import (
    AGENT_API_PREFIX,
    CONTRACT_HEADER,
    CONTRACT_VERSION,
    Article,
    Channel,
    ConfirmedOrder,
    Customer,
    MasterDataBatch,
    MasterKind,
    OrderLine,
    Price,
    PriceList,
    SaleCondition,
    Stock,
)
from tests.support.postgres import free_port

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "clave-segura-123"


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASTOR_")}
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["CASTOR_DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class CloudServer:
    """A running server process and the CLI against the same database."""

    database_url: str
    workdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    start_args: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "connectors.cloud.server.cli", *args],
            input=stdin, capture_output=True, text=True, timeout=60, cwd=self.workdir,
            env=server_env(self.database_url, **self.env_extra),
        )
        if check and result.returncode != 0:
            raise AssertionError(f"castor-cloud {args} failed: {result.stderr}")
        return result

    def start(self) -> CloudServer:
        self.port = free_port()
        log = (self.workdir / f"server-{self.port}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "connectors.cloud.server.cli", "serve",
             "--host", "127.0.0.1", "--port", str(self.port), *self.start_args],
            cwd=self.workdir, env=server_env(self.database_url, **self.env_extra),
            stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server exited: {(self.workdir / f'server-{self.port}.log').read_text()}"
                )
            try:
                if requests.get(self.url("/healthz"), timeout=1).ok:
                    return self
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("server did not start in 30 s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(workdir: Path, database_url: str | None = None, **env_extra: str) -> CloudServer:
    """Migrate a database (a fresh SQLite file by default) and start a server on it."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{workdir / 'cloud.sqlite3'}"
    server = CloudServer(database_url=url, workdir=workdir, env_extra=dict(env_extra))
    server.cli("migrate")
    return server.start()


class Agent:
    """The agent side of the API, speaking through the contract models."""

    def __init__(self, server: CloudServer, token: str) -> None:
        self.server = server
        self.http = requests.Session()
        self.http.headers.update(
            {"Authorization": f"Bearer {token}", CONTRACT_HEADER: str(CONTRACT_VERSION)}
        )

    def post(self, path: str, body: object, timeout: float = 40) -> requests.Response:
        payload = body.model_dump(mode="json") if hasattr(body, "model_dump") else body
        return self.http.post(self.server.url(AGENT_API_PREFIX + path), json=payload,
                              timeout=timeout)

    def push(self, kind: MasterKind, records: list, deleted: list[str] | None = None,
             batch_id: str = "b") -> requests.Response:
        return self.post("/master-data", MasterDataBatch.of(kind, batch_id, records, deleted))


def create_company(server: CloudServer, slug: str) -> str:
    """A company with an agent token; returns the token."""
    server.cli("company", "create", "--slug", slug, "--name", f"{slug.title()} SA",
               "--notify-email", f"pedidos@{slug}.example")
    return server.cli("agent-token", "create", "--company", slug).stdout.strip()


def create_user(server: CloudServer, company: str, email: str, role: str, *extra: str) -> None:
    server.cli("user", "create", "--company", company, "--email", email, "--role", role,
               "--name", email.split("@")[0].title(), *extra, "--password-stdin",
               stdin=PASSWORD + "\n")


def push_demo_catalog(agent: Agent) -> None:
    """Two sellers' customers, a price list, articles (one unpriced, one unsellable), stock."""
    batches = [
        (MasterKind.SALE_CONDITIONS, [SaleCondition(code=1, description="Contado", cash=True),
                                      SaleCondition(code=2, description="30 días")]),
        (MasterKind.PRICE_LISTS, [PriceList(number=1, name="Mayorista", includes_vat=False)]),
        (MasterKind.ARTICLES, [
            Article(code="YER01", description="Yerba Mate Suave 1kg", vat_rate=Decimal("21")),
            Article(code="AZU01", description="Azúcar Común 1kg", vat_rate=Decimal("10.5")),
            Article(code="QUE01", description="Queso Cremoso", allows_fractions=True, unit="kg"),
            Article(code="SINPRE", description="Artículo sin precio"),
            Article(code="NOVEN", description="Artículo no vendible", sellable=False),
        ]),
        (MasterKind.PRICES, [
            Price(price_list=1, article_code="YER01", price=Decimal("2500.50")),
            Price(price_list=1, article_code="AZU01", price=Decimal("1234.56")),
            Price(price_list=1, article_code="QUE01", price=Decimal("8900")),
            Price(price_list=1, article_code="NOVEN", price=Decimal("10")),
        ]),
        (MasterKind.CUSTOMERS, [
            Customer(code="C0001", name="Almacén Don Pepe", tax_id="30-71234567-8",
                     sale_condition=2, price_list=1, discount_pct=Decimal("10"),
                     seller_code="V1", transport_code="T1"),
            Customer(code="C0002", name="Kiosco La Esquina", sale_condition=1, price_list=1,
                     seller_code="V1"),
            Customer(code="C0003", name="Cliente Inhabilitado", sale_condition=1, price_list=1,
                     seller_code="V1", enabled=False),
            Customer(code="C0009", name="Supermercado Ajeno", sale_condition=1, price_list=1,
                     seller_code="V2"),
        ]),
        (MasterKind.STOCK, [
            Stock(article_code="YER01", deposit_code="1", on_hand=Decimal("120"),
                  committed=Decimal("20")),
            Stock(article_code="YER01", deposit_code="2", on_hand=Decimal("5")),
        ]),
    ]
    for kind, records in batches:
        response = agent.push(kind, records, batch_id=f"seed-{kind.value}")
        assert response.status_code == 200, response.text


def insert_orders(database_url: str, company_slug: str, count: int,
                  customer_code: str = "C0001") -> list[str]:
    """Store ``count`` confirmed orders straight through the server's domain code."""
    from sqlalchemy import select

    from connectors.cloud.server import orders
    from connectors.cloud.server.db import Database
    from connectors.cloud.server.models import Company

    db = Database.from_url(database_url)
    codes = []
    try:
        with db.transaction() as session:
            company_id = session.scalar(select(Company.id).where(Company.slug == company_slug))
            for _ in range(count):
                number = orders.next_order_number(session, company_id)
                order = ConfirmedOrder(
                    code=orders.order_code("CP", number), channel=Channel.VENDEDOR,
                    customer_code=customer_code, seller_code="V1", price_list=1,
                    prices_include_vat=False, sale_condition=2,
                    confirmed_at=datetime.now(UTC), placed_by="test@example.com",
                    lines=[OrderLine(line_no=1, article_code="YER01", quantity=Decimal("2"),
                                     unit_price=Decimal("2500.50"), vat_rate=Decimal("21"))],
                )
                orders.store_order(session, company_id, order, number)
                codes.append(order.code)
    finally:
        db.dispose()
    return codes
