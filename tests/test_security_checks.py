"""Security checks not covered elsewhere (see docs/reliability.md for the whole list):

- agent tokens are stored hashed (the server's database never holds the token) and compared in
  constant time (``hmac.compare_digest``: a static check of the server's code);
- the agent refuses plain ``http://`` to any host but this machine (TLS enforced);
- after a full run (agent + server + ODBC Tango + orders + doctor + status) no log of either side
  holds the agent token or the SQL password.

Role × route isolation, CSRF on every POST, session fixation and login throttling are in
tests/test_server_roles_matrix.py and tests/test_server_accounts_security.py.
"""

from __future__ import annotations

import ast
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from connectors.cloud.client import CloudClient, base_url_problem
from connectors.tango.seed import create_demo_database, seed_facts
from tests.support.cloud_server import running_server
from tests.tango_suite import fixtures
from tests.test_fault_world import OrderFeeder, fault_world, in_tango_count, wait_until

pytestmark = pytest.mark.fault
tango_pg_template = fixtures.tango_pg_template

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "connectors" / "cloud" / "server"


def test_agent_tokens_are_stored_only_as_their_sha256(tmp_path):
    with running_server(tmp_path / "cloud") as server:
        server.create_company("seg")
        token = server.create_agent_token("seg")
        db = server.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(db) as conn:
            dump = "\n".join(conn.iterdump())
            hashes = [r[0] for r in conn.execute("SELECT token_hash FROM agent_tokens")]
    assert token.startswith("cst_") and len(token) >= 32
    assert token not in dump, "the plaintext token is in the server's database"
    assert token[12:] not in dump
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]


def test_secrets_are_compared_in_constant_time():
    """Every ``==`` between a secret and a digest in the server goes through compare_digest."""
    security = (SERVER / "security.py").read_text(encoding="utf-8")
    assert "hmac.compare_digest" in security
    agents = (SERVER / "agents.py").read_text(encoding="utf-8")
    assert "same_secret(" in agents
    suspicious = []
    for path in SERVER.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq))
                                                     for op in node.ops):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
                    n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                secretish = {n for n in names if any(w in n.lower() for w in (
                    "token", "secret", "password", "csrf", "digest"))}
                # ORM filters (Model.column == value) run in the database, not here.
                where = (path.relative_to(ROOT).as_posix(), frozenset(secretish))
                if secretish and not _is_orm_filter(node) and where not in NOT_CREDENTIALS:
                    suspicious.append(f"{path.relative_to(ROOT)}:{node.lineno} {secretish}")
    assert not suspicious, f"secrets compared with ==: {suspicious}"


# Comparisons that involve no credential, each with why.
NOT_CREDENTIALS = {
    # password.strip() != password: the policy check of a new password, not a verification.
    ("connectors/cloud/server/security.py", frozenset({"password"})),
    # password != password2: the two boxes the same person just typed.
    ("connectors/cloud/server/web/password_routes.py", frozenset({"password"})),
    # lease_token: an order's lease id, shown only to the already-authenticated agent of the
    # same company; it guards against stale reports, not against an attacker.
    ("connectors/cloud/server/orders.py", frozenset({"lease_token"})),
}


def _is_orm_filter(node: ast.Compare) -> bool:
    left = node.left
    return isinstance(left, ast.Attribute) and isinstance(left.value, ast.Name) and \
        left.value.id[:1].isupper()


@pytest.mark.parametrize("url", ["http://pedidos.ejemplo.com.ar", "http://10.0.0.5:8000",
                                 "http://127.0.0.1.nip.io", "http://localhost.evil.com",
                                 "ftp://pedidos.ejemplo.com.ar"])
def test_the_agent_refuses_plain_http_to_another_host(tmp_path, url):
    assert base_url_problem(url)
    with pytest.raises(ValueError):
        CloudClient(url, "cst_x")
    facts = seed_facts()
    tango = create_demo_database(tmp_path / "tango")
    config = tmp_path / "activo.toml"
    config.write_text(f'[cloud]\nurl = "{url}"\n\n[tango]\nconnection = "sqlite:'
                      f'{tango.as_posix()}"\ntalonario = {facts.talonario}\n', encoding="utf-8")
    env = {**os.environ, "ACTIVO_CLOUD_TOKEN": "cst_secret-token-value",
           "ACTIVO_DATA_DIR": str(tmp_path / "agent")}
    done = subprocess.run([sys.executable, "-m", "activo", "--config", str(config), "sync",
                           "--once"], capture_output=True, text=True, env=env, timeout=60,
                          cwd=ROOT)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "https://" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000",
                                 "http://[::1]:8000", "https://pedidos.ejemplo.com.ar"])
def test_https_anywhere_and_http_only_on_this_machine_are_accepted(url):
    assert base_url_problem(url) is None


@pytest.mark.odbc
@pytest.mark.timeout(300)
def test_no_secret_in_any_log_after_a_full_run(tmp_path, odbc_pg_cluster, tango_pg_template,
                                               monkeypatch):
    with fault_world(tmp_path, odbc_pg_cluster, tango_pg_template, monkeypatch) as world:
        # A password that could not be missed in a log (the cluster's own is random too).
        password = "Pw-" + os.urandom(6).hex() + "-ñ}"
        with psycopg.connect(odbc_pg_cluster.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE activo_seg LOGIN PASSWORD '{password}' SUPERUSER")
        try:
            world.tango.settings = world.tango.with_settings(
                connection=world.tango.settings.connection.replace(
                    f"Uid={odbc_pg_cluster.user}", "Uid=activo_seg"), password=password)
            world.write_config(world.server.url)
            world.start_agent()
            world.wait_for_master_data()
            feeder = OrderFeeder(world, 3, threads=1).start()
            feeder.join(timeout=60)
            wait_until(lambda: in_tango_count(world) == 3, 60, "orders not written")
            outputs = [world.activo("doctor"), world.activo("status"),
                       world.activo("status", "--json"), world.activo("sync", "--once")]
            world.stop_agents()
            # A wrong password too: its error must not echo it.
            world.tango.settings = world.tango.with_settings(password=password + "x")
            outputs.append(world.activo("doctor"))
            text = world.logs_text() + "".join(o.stdout + o.stderr for o in outputs)
        finally:
            with psycopg.connect(odbc_pg_cluster.psycopg_conninfo(), autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE usename = 'activo_seg'")
                conn.execute("DROP ROLE IF EXISTS activo_seg")
        assert len(text) > 1000, "the logs are there"
        for secret in (world.token, world.token[4:], password, password[:-3]):
            assert secret not in text, f"a secret ({secret[:6]}…) is in a log"
