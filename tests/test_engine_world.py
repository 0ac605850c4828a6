"""Shared world for the engine tests (no tests here): the real cloud server as a process, the
seeded SQLite Tango, a seller on the web, and ``activo`` run as a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from activo.demo_seller import ScriptedSeller, article_codes
from connectors.tango.seed import create_demo_database, seed_facts
from tests.support.cloud_server import CloudServer, running_server

ROOT = Path(__file__).resolve().parent.parent
COMPANY = "motor"
SELLER_EMAIL = "vendedor@motor.com.ar"
SELLER_PASSWORD = "clave-del-vendedor-1"
SQL_PASSWORD = "Sql-Pa55word-de-prueba!"  # sqlite ignores it; the logs must never show it


@dataclass
class World:
    server: CloudServer
    tango_db: Path
    config: Path
    data_dir: Path
    token: str
    customer: str
    facts: object
    seller: ScriptedSeller
    second_customer: str = ""
    agents: list[subprocess.Popen] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "ACTIVO_CLOUD_TOKEN": self.token,
               "ACTIVO_TANGO_PASSWORD": SQL_PASSWORD, "ACTIVO_DATA_DIR": str(self.data_dir),
               "PYTHONUNBUFFERED": "1"}
        env.pop("DISPLAY", None)
        env.update(extra)
        return env

    def activo(self, *args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "activo", "--config", str(self.config), *args],
            capture_output=True, text=True, env=self.env(**extra), timeout=timeout, cwd=ROOT,
        )

    def status(self) -> dict:
        done = self.activo("status", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def start_agent(self, *args: str, log_name: str = "agent.log", **extra: str
                    ) -> subprocess.Popen:
        log = (self.data_dir.parent / log_name).open("ab")
        agent = subprocess.Popen(
            [sys.executable, "-m", "activo", "--config", str(self.config), "run", "--no-tray",
             *args],
            stdout=log, stderr=subprocess.STDOUT, env=self.env(**extra), cwd=ROOT,
        )
        log.close()
        self.agents.append(agent)
        return agent

    def stop_agent(self, agent: subprocess.Popen, timeout: float = 15) -> int:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
        return agent.wait(timeout=timeout)

    def agent_log(self, log_name: str = "agent.log") -> str:
        return (self.data_dir.parent / log_name).read_text(encoding="utf-8", errors="replace")

    def wait_for_master_data(self, timeout: float = 60) -> None:
        wait_until(lambda: self.seller.sees_customer(self.customer), timeout,
                   "the agent's master data never reached the cloud")

    def place_order(self, note: str = "prueba del motor", customer: str | None = None) -> str:
        customer = customer or self.customer
        codes = article_codes(self.seller.catalog(customer))[:2]
        return self.seller.place_order(customer, {c: "2" for c in codes}, note)

    def tango_number(self, code: str) -> str | None:
        rows = rows_of(self.tango_db, "SELECT NRO_PEDIDO FROM GVA21 WHERE ID_EXTERNO = ?", code)
        return rows[0][0] if rows else None


def rows_of(db: Path, sql: str, *params: object) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn, conn:
        return conn.execute(sql, params).fetchall()


def wait_until(predicate: Callable[[], object], timeout: float, message: str,
               every: float = 0.1) -> object:
    """Poll ``predicate`` until truthy (returned) or fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s: {message}")
        time.sleep(every)


def write_config(path: Path, url: str, tango_db: Path, facts, **cloud: object) -> None:
    settings = {"long_poll_seconds": 5, "heartbeat_seconds": 10, **cloud}
    lines = ["[cloud]", f'url = "{url}"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["", "[tango]", f'connection = "sqlite:{tango_db.as_posix()}"',
              f"talonario = {facts.talonario}", f'deposit = "{facts.deposits[0]}"', "",
              "[sync]", "master_data_interval_seconds = 60"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@contextlib.contextmanager
def engine_world(tmp_path: Path, **cloud: object) -> Iterator[World]:
    facts = seed_facts()
    seller_code = next(s for s, cs in facts.customers_by_seller.items()
                       if len(set(cs) & set(facts.enabled_customers)) >= 2)
    customers = [c for c in facts.customers_by_seller[seller_code]
                 if c in facts.enabled_customers]
    tango_db = create_demo_database(tmp_path / "tango")
    with running_server(tmp_path / "cloud") as server:
        server.create_company(COMPANY)
        server.create_user(COMPANY, SELLER_EMAIL, "vendedor", SELLER_PASSWORD,
                           seller_code=seller_code)
        token = server.create_agent_token(COMPANY)
        config = tmp_path / "activo.toml"
        write_config(config, server.url, tango_db, facts, **cloud)
        seller = ScriptedSeller(server.url)
        seller.login(SELLER_EMAIL, SELLER_PASSWORD)
        world = World(server=server, tango_db=tango_db, config=config,
                      data_dir=tmp_path / "agent-data", token=token, customer=customers[0],
                      facts=facts, seller=seller, second_customer=customers[1])
        try:
            yield world
        finally:
            for agent in world.agents:
                if agent.poll() is None:
                    agent.kill()
                    agent.wait(timeout=10)
            seller.close()
