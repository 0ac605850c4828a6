"""Database errors → transient / business / configuration, by SQLSTATE; passwords scrubbed."""

from __future__ import annotations

import sqlite3

import pyodbc
import pytest

from connectors.tango.classify import classify_db_error, scrub, sqlstate_of
from connectors.tango.errors import (
    TangoBusinessError,
    TangoConfigError,
    TangoError,
    TangoTransientError,
)


def _odbc(state: str, message: str = "boom") -> pyodbc.Error:
    return pyodbc.Error(state, f"[{state}] {message}")


@pytest.mark.parametrize(("state", "message", "kind"), [
    ("40001", "[Microsoft][ODBC Driver 18] Transaction deadlocked (1205)", TangoTransientError),
    ("40P01", "ERROR: deadlock detected", TangoTransientError),
    ("55P03", "ERROR: canceling statement due to lock timeout", TangoTransientError),
    ("HYT00", "Query timeout expired", TangoTransientError),
    ("42000", "Lock request time out period exceeded. (1222) (SQLExecDirectW)",
     TangoTransientError),
    ("08S01", "Communication link failure", TangoTransientError),
    ("08001", "could not connect to server: Connection refused", TangoTransientError),
    ("57P01", "terminating connection due to administrator command", TangoTransientError),
    ("23505", "duplicate key value violates unique constraint", TangoTransientError),
    ("28000", "Login failed for user 'tango'. (18456)", TangoConfigError),
    ("08001", "FATAL: password authentication failed for user \"x\"", TangoConfigError),
    ("42S02", "Invalid object name 'dbo.GVA21'. (208)", TangoConfigError),
    ("42P01", "relation \"gva21\" does not exist", TangoConfigError),
    ("42S22", "Invalid column name 'ID_GVA21'. (207)", TangoConfigError),
    ("42703", "column \"id_gva21\" does not exist", TangoConfigError),
    ("42501", "permission denied for table gva21", TangoConfigError),
    ("23502", "null value in column violates not-null constraint", TangoConfigError),
    ("22003", "numeric field overflow", TangoBusinessError),
])
def test_odbc_errors_are_classified_by_sqlstate(state, message, kind):
    error = classify_db_error(_odbc(state, message))
    assert type(error) is kind
    assert state in str(error)
    assert error.message_es and error.message_es != str(error)


def test_missing_driver_lists_the_installed_ones():
    error = classify_db_error(_odbc("IM002", "Data source name not found and no default driver"))
    assert isinstance(error, TangoConfigError)
    for name in pyodbc.drivers():
        assert name in error.message_es


@pytest.mark.parametrize(("exc", "kind"), [
    (sqlite3.OperationalError("database is locked"), TangoTransientError),
    (sqlite3.OperationalError("no such table: GVA21"), TangoConfigError),
    (sqlite3.OperationalError("table GVA21 has no column named X"), TangoConfigError),
    (sqlite3.IntegrityError("UNIQUE constraint failed: GVA21.NRO_PEDIDO"), TangoTransientError),
    (sqlite3.IntegrityError("NOT NULL constraint failed: GVA21.ESTADO"), TangoConfigError),
    (sqlite3.DatabaseError("file is not a database"), TangoConfigError),
])
def test_sqlite_errors_are_classified_by_message(exc, kind):
    assert type(classify_db_error(exc)) is kind


def test_tango_errors_pass_through_unchanged():
    original = TangoBusinessError("x", "y")
    assert classify_db_error(original) is original


def test_passwords_never_survive_classification():
    exc = _odbc("08001", "connect failed DRIVER={X};UID=sa;PWD={s3cr3t;x};SERVER=erp and s3cr3t;x")
    error = classify_db_error(exc, secrets=["s3cr3t;x"])
    assert "s3cr3t" not in str(error) and "s3cr3t" not in error.message_es
    assert scrub("Password=abc;Server=x") == "Password=***;Server=x"


def test_sqlstate_extraction():
    assert sqlstate_of(_odbc("HYT00")) == "HYT00"
    assert sqlstate_of(ValueError("not a state")) is None
    assert issubclass(TangoTransientError, TangoError)
