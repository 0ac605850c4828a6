"""A throwaway PostgreSQL cluster for tests and benchmarks, on 127.0.0.1 only.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user and
lives in a folder that user owns. ``fsync=off``: the data is thrown away anyway. The cluster
starts and stops in about a second.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.system import postgres_bin_dir

SUPERUSER = "castor"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_cluster_owner(argv: list[str]) -> list[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@dataclass
class PostgresCluster:
    """A running cluster: connection facts and database creation."""

    bin_dir: Path
    data_dir: Path
    port: int
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    password: str = ""

    def psycopg_conninfo(self, dbname: str = "postgres") -> str:
        return (
            f"host={self.host} port={self.port} dbname={dbname} "
            f"user={self.user} password={self.password}"
        )

    def psycopg_url(self, dbname: str) -> str:
        """SQLAlchemy URL for psycopg 3."""
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{dbname}"

    def odbc_connection_string(self, dbname: str) -> str:
        """psqlODBC connection string without the password (pass it separately)."""
        return (
            f"DRIVER={{PostgreSQL Unicode}};Server={self.host};Port={self.port};"
            f"Database={dbname};Uid={self.user};"
        )

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its name."""
        import psycopg

        name = name or f"t_{secrets.token_hex(6)}"
        with psycopg.connect(self.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """Fast restart (drops every connection): for fault tests."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "immediate")

    def _pg_ctl(self, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={self.host} -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c unix_socket_directories={self.data_dir} -c max_connections=200"
        )
        subprocess.run(
            _as_cluster_owner(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir / "db"), "-w",
                 "-t", "30", "-o", options, "-l", str(self.data_dir / "server.log"), *args]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """Start a fresh cluster; stop it and remove its files afterwards."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
    root = Path(tempfile.mkdtemp(prefix="castor-pg-"))
    password = secrets.token_urlsafe(12)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(
        _as_cluster_owner(
            [str(bin_dir / "initdb"), "-D", str(root / "db"), "-U", SUPERUSER,
             f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster = PostgresCluster(bin_dir=bin_dir, data_dir=root, port=free_port(), password=password)
    cluster._pg_ctl("start")
    try:
        _wait_ready(cluster)
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(cluster: PostgresCluster, timeout: float = 20.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(cluster.psycopg_conninfo(), connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
