"""Connections: dialect choice, password handling, case-insensitive rows, lock timeouts."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from connectors.tango import statements as sql
from connectors.tango.connection import (
    Row,
    _groups,
    guess_dialect,
    odbc_connection_string,
    open_connection,
)
from connectors.tango.errors import TangoConfigError, TangoError, TangoTransientError
from connectors.tango.settings import TangoSettings
from connectors.tango.writer import PedidoWriter
from tests.support.system import require_system
from tests.tango_suite import fixtures
from tests.tango_suite.orders import make_order

tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template


def test_dialect_from_the_connection_string():
    assert guess_dialect(TangoSettings("sqlite:/x.sqlite")) == "sqlite"
    assert guess_dialect(TangoSettings("DRIVER={PostgreSQL Unicode};Server=h")) == "postgresql"
    assert guess_dialect(TangoSettings("DRIVER={ODBC Driver 18 for SQL Server};Server=h")) == \
        "sqlserver"
    assert guess_dialect(TangoSettings("DRIVER={X};", dialect="postgresql")) == "postgresql"


def test_password_is_joined_only_for_the_driver_and_braced():
    settings = TangoSettings("DRIVER={X};Server=h;UID=sa;", password="a}b;c")
    assert odbc_connection_string(settings) == "DRIVER={X};Server=h;UID=sa;PWD={a}}b;c};"
    assert "a}b;c" not in repr(settings.connection)


def test_rows_are_read_case_insensitively():
    row = Row({"cod_articu": "BE0001"})
    assert row["COD_ARTICU"] == row["cod_articu"] == row.get("Cod_Articu") == "BE0001"
    assert "COD_ARTICU" in row and row.get("NADA") is None


def test_missing_sqlite_file_is_a_configuration_error_and_creates_nothing(tmp_path):
    with pytest.raises(TangoConfigError, match="does not exist") as caught:
        open_connection(TangoSettings(f"sqlite:{tmp_path / 'no.sqlite'}"))
    assert "activo demo" in caught.value.message_es
    assert list(tmp_path.iterdir()) == []


def test_missing_odbc_driver_is_a_configuration_error_listing_drivers():
    settings = TangoSettings("DRIVER={Driver Que No Existe};Server=127.0.0.1;", password="pw-x1")
    with pytest.raises(TangoConfigError) as caught:
        open_connection(settings)
    assert "Controladores instalados" in caught.value.message_es
    assert "pw-x1" not in str(caught.value)


@pytest.mark.parametrize("tango_db", ["sqlite"], indirect=True)
def test_busy_sqlite_database_is_transient(tango_db):
    path = tango_db.settings.connection.removeprefix("sqlite:")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        settings = tango_db.with_settings(lock_timeout_seconds=0)
        with open_connection(settings) as conn, pytest.raises(TangoTransientError) as caught:
            PedidoWriter(conn, settings).write(make_order())
        assert "ocupada" in caught.value.message_es
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


@pytest.mark.odbc
@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_locked_talonario_times_out_as_transient_on_postgresql(tango_db):
    holder = tango_db.connect()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.transaction():
            holder.query_one(sql.lock_talonario(holder.dialect), [tango_db.facts.talonario])
            locked.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert locked.wait(10)
        settings = tango_db.with_settings(lock_timeout_seconds=1)
        with open_connection(settings) as conn, pytest.raises(TangoTransientError) as caught:
            PedidoWriter(conn, settings).write(make_order())
        assert "55P03" in str(caught.value)
    finally:
        release.set()
        thread.join(10)
        holder.close()
    assert int(tango_db.scalar("SELECT COUNT(*) AS n FROM GVA21")) == 0


@pytest.mark.odbc
@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_postgresql_booleans_and_names_are_normalised(tango_db):
    with tango_db.connect() as conn:
        row = conn.query_one("SELECT INCLUY_IVA, NRO_DE_LIS FROM GVA10 WHERE NRO_DE_LIS = ?",
                             [tango_db.facts.vat_included_list])
        assert set(row) == {"incluy_iva", "nro_de_lis"}  # folded to lower case…
        assert row["INCLUY_IVA"] in ("1", True)  # …and booleans as '1'/'0' by default
        catalog = conn.table("GVA21")
        assert catalog.get("row_version").generated and catalog.get("ID_GVA21").required
        assert catalog.get("NRO_PEDIDO").length == 14


@pytest.mark.odbc
def test_wrong_server_error_never_shows_the_password():
    settings = TangoSettings("DRIVER={PostgreSQL Unicode};Server=127.0.0.1;Port=1;Database=x;"
                             "Uid=u;", password="Sup3r-Secreto", lock_timeout_seconds=1)
    require_system("PostgreSQL Unicode" in __import__("pyodbc").drivers(), "psqlODBC missing")
    with pytest.raises((TangoTransientError, TangoConfigError)) as caught:
        open_connection(settings)
    assert "Sup3r-Secreto" not in str(caught.value) + caught.value.message_es
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_batch_groups_never_carry_more_parameters_than_the_dialect_allows():
    statements = [("a", [1] * 3), ("b", [1] * 3), ("c", []), ("d", [1] * 5), ("e", [1] * 9)]
    groups = _groups(statements, 6)
    assert [[s for s, _ in g] for g in groups] == [["a", "b", "c"], ["d"], ["e"]]


def test_batch_gives_each_statement_its_rows_or_row_count_in_order(tango_db):
    talonario = tango_db.facts.talonario
    with tango_db.connect() as conn, conn.transaction():
        results = conn.batch([
            ("SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?", [talonario]),
            ("UPDATE GVA43 SET DESCRIP = ? WHERE TALONARIO = ?", ["x", -1]),
            ("UPDATE GVA43 SET DESCRIP = DESCRIP WHERE TALONARIO = ?", [talonario]),
            ("SELECT TALONARIO FROM GVA43 WHERE TALONARIO = ?", [-1]),
            ("SELECT COUNT(*) AS N FROM GVA43 WHERE TALONARIO = ?", [talonario]),
        ], writes=True)
    assert len(results) == 5
    assert len(results[0]) == 1 and results[0][0]["PROXIMO"]
    assert results[1:3] == [0, 1]
    assert results[3] == [] and int(results[4][0]["N"]) == 1


def test_batch_error_midway_is_classified_and_undone_with_the_transaction(tango_db):
    talonario = tango_db.facts.talonario
    before = tango_db.scalar("SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?", (talonario,))
    with tango_db.connect() as conn, pytest.raises(TangoError), conn.transaction():
        conn.batch([
            ("UPDATE GVA43 SET PROXIMO = ? WHERE TALONARIO = ?", ["0000000000000000", talonario]),
            ("INSERT INTO GVA43 (TALONARIO, COMPROB) SELECT TALONARIO, COMPROB FROM GVA43 "
             "WHERE TALONARIO = ?", [talonario]),  # duplicate key
            ("SELECT 1 AS ONE FROM GVA43", []),
        ], writes=True)
    assert tango_db.scalar("SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?",
                           (talonario,)) == before


def test_a_repeated_statement_reuses_its_cursor_and_the_first_string_object():
    # pyodbc skips SQLPrepare only for the *same* string object as the cursor's last one.
    from connectors.tango.connection import TangoConnection
    from connectors.tango.dialects import dialect_for

    class Cursor:
        description = None
        rowcount = 1

        def __init__(self, log):
            self.log = log

        def execute(self, sql, params):
            self.log.append((self, sql))

        def close(self):
            pass

    class Raw:
        def __init__(self):
            self.log = []

        def cursor(self):
            return Cursor(self.log)

    raw = Raw()
    conn = TangoConnection(raw, dialect_for("postgresql"), TangoSettings("DRIVER={X};"))
    first = "".join(["UPDATE GVA43 SET PROXIMO = ? ", "WHERE TALONARIO = ?"])
    again = "".join(["UPDATE GVA43 SET PROXIMO = ? WHERE ", "TALONARIO = ?"])
    assert first == again and first is not again
    conn.run(first, ["a", 6])
    conn.run(again, ["b", 6])
    (cursor_1, sql_1), (cursor_2, sql_2) = raw.log
    assert cursor_1 is cursor_2 and sql_1 is first and sql_2 is first
