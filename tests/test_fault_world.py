"""Shared world for the fault tests (no tests here): the cloud server as a real process on a
PostgreSQL database, a Tango-shaped PostgreSQL database reached through psqlODBC, sellers
confirming orders through the web, and ``activo run --no-tray`` as a subprocess.

Orders are created only through the server's public web pages (``ScriptedSeller``), several
sellers in threads; nothing writes into the server's database directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from activo.demo_seller import ScriptedSeller, article_codes
from connectors.tango.numbering import decode_proximo, parse_nro_pedido
from tests.support.cloud_server import CloudServer, running_server
from tests.tango_suite.databases import TangoDb, fresh_pg

ROOT = Path(__file__).resolve().parent.parent
COMPANY = "fallas"
SELLER_PASSWORD = "clave-del-vendedor-fallas-1"


def seller_email(seller_code: str) -> str:
    return f"{seller_code.lower()}@fallas.com.ar"


@dataclass
class FaultWorld:
    server: CloudServer
    tango: TangoDb
    cloud_db: str
    config: Path
    data_dir: Path
    token: str
    facts: Any
    root: Path
    agents: list[subprocess.Popen] = field(default_factory=list)
    agent_logs: list[Path] = field(default_factory=list)

    # ------------------------------------------------------------------ the agent

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "ACTIVO_CLOUD_TOKEN": self.token,
               "ACTIVO_TANGO_PASSWORD": self.tango.settings.password or "",
               "ACTIVO_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1"}
        env.pop("DISPLAY", None)
        env.update(extra)
        return env

    def write_config(self, url: str, **cloud: object) -> None:
        settings = {"long_poll_seconds": 2, "heartbeat_seconds": 10, "timeout_seconds": 5.0,
                    "lease_max_orders": 10, **cloud}
        lines = ["[cloud]", f"url = {json.dumps(url)}"]
        lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
        lines += ["", "[tango]", f"connection = {json.dumps(self.tango.settings.connection)}",
                  f"talonario = {self.facts.talonario}",
                  f"deposit = {json.dumps(self.facts.deposits[0])}",
                  "lock_timeout_seconds = 2", "", "[sync]",
                  "master_data_interval_seconds = 600"]
        self.config.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def start_agent(self) -> subprocess.Popen:
        log_path = self.root / f"agent-{len(self.agents):03d}.log"
        self.agent_logs.append(log_path)
        with log_path.open("ab") as log:
            agent = subprocess.Popen(
                [sys.executable, "-m", "activo", "--config", str(self.config), "run",
                 "--no-tray"],
                stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=ROOT,
            )
        self.agents.append(agent)
        return agent

    def activo(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "activo", "--config", str(self.config), *args],
            capture_output=True, text=True, env=self.env(), timeout=timeout, cwd=ROOT,
        )

    def status(self) -> dict:
        done = self.activo("status", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def stop_agents(self) -> None:
        for agent in self.agents:
            if agent.poll() is None:
                agent.send_signal(signal.SIGTERM)
        for agent in self.agents:
            try:
                agent.wait(timeout=15)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait(timeout=10)

    def logs_text(self) -> str:
        """Every log the agent and the server wrote (files, consoles) as one text."""
        parts = [p.read_text(encoding="utf-8", errors="replace") for p in self.agent_logs
                 if p.exists()]
        parts += [p.read_text(encoding="utf-8", errors="replace")
                  for p in self.data_dir.rglob("*.log*") if p.is_file()]
        if self.server.log_path.exists():
            parts.append(self.server.log_path.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    # ------------------------------------------------------------------ sellers

    def seller(self, seller_code: str) -> ScriptedSeller:
        seller = ScriptedSeller(self.server.url)
        seller.login(seller_email(seller_code), SELLER_PASSWORD)
        return seller

    def pairs(self) -> list[tuple[str, str]]:
        """(seller, customer) pairs, one cart each, spread over the sellers."""
        by_seller = {s: [c for c in cs if c in self.facts.enabled_customers]
                     for s, cs in self.facts.customers_by_seller.items()}
        out: list[tuple[str, str]] = []
        for i in range(max(len(v) for v in by_seller.values())):
            out += [(s, cs[i]) for s, cs in sorted(by_seller.items()) if i < len(cs)]
        return out

    def wait_for_master_data(self, timeout: float = 120) -> None:
        seller_code, customer = self.pairs()[0]
        seller = self.seller(seller_code)
        try:
            wait_until(lambda: seller.sees_customer(customer), timeout,
                       "the agent's master data never reached the cloud")
        finally:
            seller.close()

    # ------------------------------------------------------------------ checks

    def tango_rows(self) -> list[tuple[str, str]]:
        with psycopg.connect(self.tango.cluster.psycopg_conninfo(self.tango.name)) as conn:
            return [(r[0], r[1]) for r in conn.execute(
                'SELECT ID_EXTERNO, NRO_PEDIDO FROM GVA21 ORDER BY NRO_PEDIDO')]

    def tango_scalar(self, sql: str, *params: object) -> Any:
        with psycopg.connect(self.tango.cluster.psycopg_conninfo(self.tango.name)) as conn:
            row = conn.execute(sql, params).fetchone()
            return None if row is None else row[0]

    def cloud_orders(self) -> dict[str, tuple[str, str | None]]:
        """Every order of the cloud: code → (status, tango_number), through the JSON API
        as an admin sees it."""
        admin = self.admin()
        try:
            return {code: _status(admin, code) for code in self.cloud_codes()}
        finally:
            admin.close()

    def cloud_codes(self) -> list[str]:
        # Reading (never writing) the server's DB to list every code it holds: the check
        # must also catch an order the sellers' threads lost track of.
        sql = "SELECT code FROM orders ORDER BY id"
        if not self.cloud_db:
            path = self.server.database_url.removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as conn:
                return [r[0] for r in conn.execute(sql)]
        with psycopg.connect(self.tango.cluster.psycopg_conninfo(self.cloud_db)) as conn:
            return [r[0] for r in conn.execute(sql)]

    def admin(self) -> ScriptedSeller:
        admin = ScriptedSeller(self.server.url)
        admin.login("admin@fallas.com.ar", SELLER_PASSWORD)
        return admin

    def assert_exactly_once(self, codes: list[str]) -> dict[str, int]:
        """Every code in GVA21 once, numbers consecutive, PROXIMO right, cloud in_tango with
        the same number. Returns figures for the report."""
        rows = self.tango_rows()
        by_code: dict[str, list[str]] = {}
        for code, nro in rows:
            by_code.setdefault(code, []).append(nro)
        duplicates = {c: n for c, n in by_code.items() if len(n) > 1}
        missing = sorted(set(codes) - set(by_code))
        strays = sorted(set(by_code) - set(codes))
        assert not duplicates, f"orders in GVA21 more than once: {list(duplicates.items())[:5]}"
        assert not missing, f"{len(missing)} confirmed orders never reached GVA21: {missing[:5]}"
        assert not strays, f"GVA21 holds orders nobody confirmed: {strays[:5]}"
        first = self.facts.first_number
        numbers = sorted(parse_nro_pedido(nro)[2] for _c, nro in rows)
        assert numbers == list(range(first, first + len(codes))), "numbers not consecutive"
        proximo = self.tango_scalar('SELECT PROXIMO FROM GVA43 WHERE TALONARIO = %s',
                                    self.facts.talonario)
        assert decode_proximo(proximo) == first + len(codes)
        lines = self.tango_scalar('SELECT COUNT(*) FROM GVA03')
        assert lines == 2 * len(codes), "each order has exactly its two lines"
        cloud = self.cloud_orders()
        assert set(cloud) == set(codes), "the cloud holds exactly the orders confirmed"
        tango_number = {c: n[0] for c, n in by_code.items()}
        wrong = {c: s for c, s in cloud.items()
                 if s[0] != "in_tango" or (s[1] or "").replace("-", "") not in
                 (tango_number[c], tango_number[c].replace("-", ""))}
        assert not wrong, f"cloud does not show in_tango with the number: {list(wrong.items())[:5]}"
        return {"orders": len(codes), "duplicates": len(duplicates), "lost": len(missing)}


def _status(client: ScriptedSeller, code: str) -> tuple[str, str | None]:
    status = client.order_status(code)
    return status.status, status.tango_number


class OrderFeeder:
    """Sellers in threads confirming ``total`` orders (two lines each) through the web."""

    def __init__(self, world: FaultWorld, total: int, threads: int = 4) -> None:
        self.world = world
        self.total = total
        self.threads = threads
        self.codes: list[str] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._left = total
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []

    def _take(self) -> bool:
        with self._lock:
            if self._left <= 0 or self._stop.is_set():
                return False
            self._left -= 1
            return True

    def _work(self, pairs: list[tuple[str, str]]) -> None:
        sellers: dict[str, ScriptedSeller] = {}
        articles: dict[str, list[str]] = {}
        i = 0
        try:
            while self._take():
                seller_code, customer = pairs[i % len(pairs)]
                i += 1
                for attempt in range(3):
                    try:
                        if seller_code not in sellers:
                            sellers[seller_code] = self.world.seller(seller_code)
                        seller = sellers[seller_code]
                        if customer not in articles:
                            articles[customer] = article_codes(seller.catalog(customer))[:2]
                        quantities = {c: str(1 + (i % 5)) for c in articles[customer]}
                        code = seller.place_order(customer, quantities, f"falla {i}")
                        with self._lock:
                            self.codes.append(code)
                        break
                    except Exception as exc:  # SellerFailed, requests errors: try again
                        with self._lock:
                            self.errors.append(f"{customer} try {attempt}: {exc}")
                        sellers.pop(seller_code, None)
                        time.sleep(0.5)
        finally:
            for seller in sellers.values():
                seller.close()

    def start(self) -> OrderFeeder:
        pairs = self.world.pairs()
        for n in range(self.threads):
            mine = pairs[n::self.threads]
            worker = threading.Thread(target=self._work, args=(mine,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    @property
    def done(self) -> bool:
        return not any(w.is_alive() for w in self._workers)

    def join(self, timeout: float) -> None:
        end = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(timeout=max(0.1, end - time.monotonic()))
        self._stop.set()
        assert self.done, "the sellers did not finish in time"


def wait_until(predicate: Callable[[], object], timeout: float, message: str,
               every: float = 0.2) -> object:
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s: {message}")
        time.sleep(every)


def in_tango_count(world: FaultWorld) -> int:
    return int(world.tango_scalar('SELECT COUNT(*) FROM GVA21'))


@contextlib.contextmanager
def fault_world(tmp_path: Path, cluster: Any, template: str, monkeypatch: pytest.MonkeyPatch,
                *, lease_seconds: int = 6, cloud_on_postgres: bool = True
                ) -> Iterator[FaultWorld]:
    """A fresh Tango DB, a fresh cloud (PostgreSQL by default), users, token, config."""
    monkeypatch.setenv("CASTOR_LEASE_SECONDS", str(lease_seconds))
    monkeypatch.setenv("CASTOR_TRANSIENT_RETRY_SECONDS", "1")
    monkeypatch.setenv("CASTOR_LONG_POLL_INTERVAL", "0.1")
    tango = fresh_pg(cluster, template)
    cloud_db = cluster.create_database() if cloud_on_postgres else ""
    url = cluster.psycopg_url(cloud_db) if cloud_on_postgres else None
    try:
        with running_server(tmp_path / "cloud", database_url=url) as server:
            server.create_company(COMPANY)
            facts = tango.facts
            for seller_code in facts.customers_by_seller:
                server.create_user(COMPANY, seller_email(seller_code), "vendedor",
                                   SELLER_PASSWORD, seller_code=seller_code)
            server.create_user(COMPANY, "admin@fallas.com.ar", "admin", SELLER_PASSWORD)
            token = server.create_agent_token(COMPANY)
            world = FaultWorld(server=server, tango=tango, cloud_db=cloud_db,
                               config=tmp_path / "activo.toml", data_dir=tmp_path / "agent",
                               token=token, facts=facts, root=tmp_path)
            world.write_config(server.url)
            try:
                yield world
            finally:
                world.stop_agents()
    finally:
        cluster.drop_database(tango.name)
        if cloud_on_postgres:
            cluster.drop_database(cloud_db)
