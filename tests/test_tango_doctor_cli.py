"""``activo doctor`` end to end, as IT runs it, against a Tango-shaped PostgreSQL via psqlODBC.

A real subprocess (``python -m activo --config CFG doctor``) with the ODBC connection string in
the config, the password in ``ACTIVO_TANGO_PASSWORD`` and the cloud on a closed localhost port
(so the cloud check is ✗ and the exit code is never 0: the assertions are on the Tango lines).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.postgres import free_port
from tests.tango_suite import fixtures
from tests.tango_suite.databases import fresh_pg, psql

pytestmark = pytest.mark.odbc
tango_pg_template = fixtures.tango_pg_template

ROOT = Path(__file__).resolve().parents[1]
TANGO_CHECKS = ("driver", "conexion", "tablas", "columnas", "talonario", "deposito", "estado",
                "columnas_obligatorias", "permisos")


@pytest.fixture
def pg_db(odbc_pg_cluster, tango_pg_template):
    db = fresh_pg(odbc_pg_cluster, tango_pg_template)
    try:
        yield db
    finally:
        odbc_pg_cluster.drop_database(db.name)


def _doctor(db, tmp_path: Path) -> tuple[int, dict[str, str], str]:
    """Exit code, ``{check: line}`` and the whole output of ``activo doctor``."""
    config = tmp_path / "activo.toml"
    config.write_text(
        "[cloud]\n"
        f"url = {json.dumps(f'http://127.0.0.1:{free_port()}')}\n"  # nothing listens there
        "timeout_seconds = 2.0\n"
        "[tango]\n"
        f"connection = {json.dumps(db.settings.connection)}\n"
        f"talonario = {db.facts.talonario}\n"
        f"deposit = {json.dumps(db.facts.deposits[0])}\n",
        encoding="utf-8")
    env = dict(os.environ)
    env.update({"ACTIVO_TANGO_PASSWORD": db.settings.password, "ACTIVO_CLOUD_TOKEN": "t0ken",
                "PYTHONIOENCODING": "utf-8"})
    done = subprocess.run([sys.executable, "-m", "activo", "--config", str(config), "doctor"],
                          cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)
    output = done.stdout + done.stderr
    lines = {}
    for line in done.stdout.splitlines():
        mark, _, rest = line.partition(" ")
        name = rest.split(":", 1)[0]
        if mark in {"✓", "✗"} and name:
            lines[name] = line
    assert db.settings.password not in output
    return done.returncode, lines, output


def test_doctor_passes_every_tango_check_on_a_good_database(pg_db, tmp_path):
    code, lines, output = _doctor(pg_db, tmp_path)
    for name in TANGO_CHECKS:
        assert name in lines, output
        assert lines[name].startswith("✓ "), lines[name]
    assert "X00652-00001018" in lines["talonario"]
    assert lines["nube"].startswith("✗ "), output  # the cloud port is closed
    assert code != 0
    assert int(pg_db.scalar("SELECT COUNT(*) AS n FROM GVA21")) == 0  # probes rolled back


def test_doctor_reports_a_deleted_talonario_in_spanish_and_fails(odbc_pg_cluster, pg_db,
                                                                  tmp_path):
    psql(odbc_pg_cluster, pg_db.name,
         f"DELETE FROM GVA43 WHERE TALONARIO = {int(pg_db.facts.talonario)}")
    code, lines, output = _doctor(pg_db, tmp_path)
    assert lines["talonario"].startswith("✗ "), output
    assert f"No existe el talonario {pg_db.facts.talonario}" in lines["talonario"]
    assert "tango.talonario" in lines["talonario"]  # the hint: which setting to fix
    for name in ("driver", "conexion", "tablas", "columnas", "deposito"):
        assert lines[name].startswith("✓ "), lines[name]
    assert code != 0
