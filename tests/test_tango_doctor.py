"""``run_checks``: all ✓ on a good database; the right ✗ (with a Spanish hint) on broken ones."""

from __future__ import annotations

import secrets

import pytest

from connectors.tango.doctor import run_checks
from connectors.tango.writer import PedidoWriter
from tests.tango_suite import fixtures
from tests.tango_suite.databases import psql
from tests.tango_suite.orders import make_order

tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template


def _by_name(results):
    return {r.name: r for r in results}


def test_good_database_passes_every_check_and_changes_nothing(tango_db):
    settings = tango_db.with_settings(commit_stock=True, estado="auto")
    results = run_checks(settings)
    assert [r.name for r in results if not r.ok] == []
    assert {r.name for r in results} == {
        "driver", "conexion", "tablas", "columnas", "talonario", "deposito", "estado",
        "columnas_obligatorias", "seguimiento_cambios", "permisos"}
    assert "X00652-00001018" in _by_name(results)["talonario"].message_es
    assert int(tango_db.scalar("SELECT COUNT(*) AS n FROM GVA21")) == 0  # probe rolled back
    with tango_db.connect() as conn:  # and the number is still free
        assert PedidoWriter(conn, settings).write(make_order()).nro_pedido == "X0065200001018"


def test_missing_talonario_and_deposit_are_reported(tango_db):
    with tango_db.connect() as conn:
        conn.run("DELETE FROM GVA43 WHERE TALONARIO = ?", [tango_db.facts.talonario])
    results = _by_name(run_checks(tango_db.with_settings(deposit="9")))
    assert not results["talonario"].ok
    assert "No existe el talonario 6" in results["talonario"].message_es
    assert not results["deposito"].ok
    assert "depósito 9" in results["deposito"].message_es
    assert results["columnas"].ok


def test_invoice_talonario_and_bad_proximo_are_reported(tango_db):
    results = _by_name(run_checks(tango_db.with_settings(
        talonario=tango_db.facts.invoice_talonario)))
    assert not results["talonario"].ok and "FAC" in results["talonario"].message_es
    with tango_db.connect() as conn:
        conn.run("UPDATE GVA43 SET PROXIMO = ? WHERE TALONARIO = ?", ["ZZZZ", 6])
    results = _by_name(run_checks(tango_db.settings))
    assert not results["talonario"].ok and "no se puede leer" in results["talonario"].message_es


def test_missing_column_is_reported_by_name(tango_db):
    with tango_db.connect() as conn:
        conn.run("ALTER TABLE GVA14 DROP COLUMN E_MAIL")
    results = _by_name(run_checks(tango_db.settings))
    assert not results["columnas"].ok
    assert "GVA14.E_MAIL no existe" in results["columnas"].message_es
    assert results["talonario"].ok


def test_missing_demo_file_fails_at_the_first_check(tmp_path):
    from connectors.tango.settings import TangoSettings

    results = run_checks(TangoSettings(connection=f"sqlite:{tmp_path / 'nada.sqlite'}"))
    assert [(r.name, r.ok) for r in results] == [("driver", False)]
    assert "activo demo" in results[0].message_es


# ----------------------------------------------------------------- PostgreSQL through ODBC only


@pytest.fixture
def pg_db(tango_db):
    assert tango_db.kind == "postgresql"
    return tango_db


@pytest.mark.odbc
@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_odbc_driver_not_installed_lists_the_installed_ones(pg_db):
    connection = pg_db.settings.connection.replace("PostgreSQL Unicode", "SQL Server Que No Está")
    results = run_checks(pg_db.with_settings(connection=connection))
    assert [(r.name, r.ok) for r in results] == [("driver", False)]
    assert "«SQL Server Que No Está» no está instalado" in results[0].message_es
    assert "PostgreSQL Unicode" in results[0].message_es


@pytest.mark.odbc
@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_wrong_password_fails_the_connection_check_without_leaking_it(pg_db):
    results = run_checks(pg_db.with_settings(password="clave-equivocada-123"))
    assert [(r.name, r.ok) for r in results] == [("driver", True), ("conexion", False)]
    assert "contraseña" in results[1].message_es
    assert "clave-equivocada-123" not in results[1].message_es + results[1].detail


@pytest.mark.odbc
@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_unfillable_not_null_column_and_read_only_login_are_reported(pg_db):
    role = f"lector_{secrets.token_hex(3)}"
    psql(pg_db.cluster, pg_db.name,
         "ALTER TABLE gva21 ADD COLUMN firma bytea NOT NULL",
         f"CREATE ROLE {role} LOGIN PASSWORD 'solo-lectura'",
         f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    results = _by_name(run_checks(pg_db.settings))
    assert not results["columnas_obligatorias"].ok
    assert "GVA21.FIRMA" in results["columnas_obligatorias"].message_es

    psql(pg_db.cluster, pg_db.name, "ALTER TABLE gva21 DROP COLUMN firma")
    reader = pg_db.settings.connection.replace(f"Uid={pg_db.cluster.user};", f"Uid={role};")
    results = _by_name(run_checks(pg_db.with_settings(connection=reader, password="solo-lectura")))
    assert results["talonario"].ok
    assert not results["permisos"].ok
    assert "no tiene permiso" in results["permisos"].message_es
