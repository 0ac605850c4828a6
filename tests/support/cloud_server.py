"""Run the Castor cloud server as a real process on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.postgres import free_port

CLI = [sys.executable, "-m", "connectors.cloud.server.cli"]


@dataclass
class CloudServer:
    url: str
    database_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run a ``castor-cloud`` admin command against this server's database."""
        done = subprocess.run(
            [*CLI, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"castor-cloud {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def create_company(self, slug: str, name: str = "Distribuidora de Prueba") -> None:
        self.cli("company", "create", "--slug", slug, "--name", name)

    def create_user(self, company: str, email: str, role: str, password: str, **codes: str) -> None:
        args = ["user", "create", "--company", company, "--email", email, "--role", role,
                "--name", email.split("@")[0], "--password-stdin"]
        if "seller_code" in codes:
            args += ["--seller-code", codes["seller_code"]]
        if "customer_code" in codes:
            args += ["--customer-code", codes["customer_code"]]
        self.cli(*args, stdin=password + "\n")

    def create_agent_token(self, company: str) -> str:
        return self.cli("agent-token", "create", "--company", company).splitlines()[-1].strip()


@contextlib.contextmanager
def running_server(workdir: Path, database_url: str | None = None) -> Iterator[CloudServer]:
    """Migrate a fresh database, start ``castor-cloud serve`` and wait until it answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or f"sqlite:///{workdir / 'cloud.sqlite3'}"
    env = {**os.environ, "CASTOR_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    port = free_port()
    server = CloudServer(
        url=f"http://127.0.0.1:{port}",
        database_url=database_url,
        env=env,
        log_path=workdir / "server.log",
    )
    server.cli("migrate")
    with server.log_path.open("wb") as log:
        server.process = subprocess.Popen(
            [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_until_up(server)
            yield server
        finally:
            server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=10)


def _wait_until_up(server: CloudServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"server exited early: {server.log_path.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            requests.get(server.url + "/login", timeout=1)
            return
        time.sleep(0.1)
    raise RuntimeError(f"server did not start: {server.log_path.read_text()[-2000:]}")
