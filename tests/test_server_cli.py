"""``castor-cloud`` admin CLI and migrations: exit codes, messages, schema up to date."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from connectors.cloud.server.db import make_engine
from connectors.cloud.server.models import Base
from tests.test_server_support import PASSWORD, CloudServer


@pytest.fixture
def cli(tmp_path) -> CloudServer:
    server = CloudServer(database_url=f"sqlite:///{tmp_path / 'cli.sqlite3'}", workdir=tmp_path)
    server.cli("migrate")
    return server


def test_migrate_is_repeatable_and_matches_the_models(cli):
    cli.cli("migrate")
    engine = make_engine(cli.database_url)
    try:
        with engine.connect() as conn:
            journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    Base.metadata)
    finally:
        engine.dispose()
    assert journal == "wal"
    assert diff == []


def test_default_database_is_a_file_in_the_current_folder(tmp_path):
    server = CloudServer(database_url="", workdir=tmp_path)
    server.cli("migrate")
    assert (tmp_path / "castor-cloud.sqlite3").exists()


def test_admin_commands_and_their_errors(cli):
    cli.cli("company", "create", "--slug", "acme", "--name", "Acme SA")
    again = cli.cli("company", "create", "--slug", "acme", "--name", "Acme SA", check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    bad_slug = cli.cli("company", "create", "--slug", "Not OK!", "--name", "x", check=False)
    assert bad_slug.returncode == 1

    ok = cli.cli("user", "create", "--company", "acme", "--email", "v@acme.example", "--role",
                 "vendedor", "--name", "Vero", "--seller-code", "V1", "--password-stdin",
                 stdin=PASSWORD + "\n")
    assert ok.stdout == ""
    short = cli.cli("user", "create", "--company", "acme", "--email", "w@acme.example", "--role",
                    "preventa", "--name", "W", "--password-stdin", stdin="corta\n", check=False)
    assert short.returncode == 1 and "at least 10" in short.stderr
    no_code = cli.cli("user", "create", "--company", "acme", "--email", "x@acme.example",
                      "--role", "vendedor", "--name", "X", "--password-stdin",
                      stdin=PASSWORD + "\n", check=False)
    assert no_code.returncode == 1 and "--seller-code" in no_code.stderr
    duplicate = cli.cli("user", "create", "--company", "acme", "--email", "V@acme.example",
                        "--role", "admin", "--name", "V", "--password-stdin",
                        stdin=PASSWORD + "\n", check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    unknown = cli.cli("user", "create", "--company", "nope", "--email", "y@acme.example",
                      "--role", "admin", "--name", "Y", "--password-stdin",
                      stdin=PASSWORD + "\n", check=False)
    assert unknown.returncode == 1 and "no company" in unknown.stderr
    bad_role = cli.cli("user", "create", "--company", "acme", "--email", "z@acme.example",
                       "--role", "jefe", "--name", "Z", "--password-stdin", check=False)
    assert bad_role.returncode == 2

    token = cli.cli("agent-token", "create", "--company", "acme").stdout
    assert token.count("\n") == 1 and token.strip().startswith("cst_")
    assert cli.cli("agent-token", "create", "--company", "nope", check=False).returncode == 1


def test_serve_refuses_an_unmigrated_database(tmp_path):
    server = CloudServer(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}", workdir=tmp_path)
    result = server.cli("serve", "--port", "1", check=False)
    assert result.returncode == 1 and "castor-cloud migrate" in result.stderr


def test_bad_setting_is_reported(tmp_path):
    server = CloudServer(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", workdir=tmp_path,
                         env_extra={"CASTOR_LEASE_SECONDS": "never"})
    result = server.cli("migrate", check=False)
    assert result.returncode == 1 and "CASTOR_LEASE_SECONDS" in result.stderr


def test_server_never_imports_the_agent_or_tango(tmp_path):
    import subprocess
    import sys

    from tests.test_server_support import server_env

    code = (
        "import sys\n"
        "import connectors.cloud.server.app, connectors.cloud.server.cli\n"
        "bad = [m for m in sys.modules if m == 'activo' or m.startswith(('activo.',"
        " 'connectors.tango'))]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=server_env("sqlite://"), cwd=tmp_path, check=True)
    assert result.stdout.strip() == "[]"
