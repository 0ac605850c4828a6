"""Render the Tango table description (``schema.py``) as DDL for SQLite, PostgreSQL, SQL Server.

- SQL Server: the real types (``timestamp`` rowversion, sequences ``dbo.SEQUENCE_GVA21``…);
  used to syntax-check with sqlglot, never run by us against a customer's database.
- PostgreSQL: ``ROW_VERSION`` is ``GENERATED ALWAYS AS IDENTITY``, which, like SQL Server's
  rowversion, refuses an explicit value on INSERT and UPDATE (so an INSERT leaves it out); a
  ``BEFORE INSERT OR UPDATE`` trigger sets it from one database-wide sequence, so like
  rowversion it takes a new, increasing value on every insert and every update. Bits are
  ``boolean``.
- SQLite: ``ROW_VERSION`` is a plain integer that triggers refuse to take explicitly and set
  from a one-row counter (``TANGO_ROW_VERSION``) after every insert and update — the same
  rowversion behaviour; the dialect reports the column as generated. No sequences — ids are
  MAX+1 under the write lock.
"""

from __future__ import annotations

from typing import Any

from connectors.tango.schema import (
    BIT,
    CHAR,
    DATETIME,
    DECIMAL,
    FLOAT,
    INT,
    ROWVERSION,
    SMALLINT,
    TABLES,
    TEXT,
    VARCHAR,
    XML,
    Column,
    Table,
)

DIALECTS = ("sqlite", "postgresql", "sqlserver")

_TYPES: dict[str, dict[str, str]] = {
    "sqlserver": {
        INT: "int", SMALLINT: "smallint", DECIMAL: "decimal(22,7)", FLOAT: "float",
        VARCHAR: "varchar({n})", CHAR: "char({n})", TEXT: "varchar(max)", BIT: "bit",
        DATETIME: "datetime", XML: "xml", ROWVERSION: "timestamp",
    },
    "postgresql": {
        INT: "integer", SMALLINT: "smallint", DECIMAL: "numeric(22,7)",
        FLOAT: "double precision", VARCHAR: "varchar({n})", CHAR: "char({n})", TEXT: "text",
        BIT: "boolean", DATETIME: "timestamp", XML: "text",
        ROWVERSION: "bigint GENERATED ALWAYS AS IDENTITY",
    },
    "sqlite": {
        INT: "INTEGER", SMALLINT: "SMALLINT", DECIMAL: "DECIMAL(22,7)", FLOAT: "REAL",
        VARCHAR: "VARCHAR({n})", CHAR: "CHAR({n})", TEXT: "TEXT", BIT: "BIT",
        DATETIME: "DATETIME", XML: "TEXT", ROWVERSION: "INTEGER",
    },
}


def _check(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {DIALECTS}")


def _qualified(dialect: str, name: str) -> str:
    return f"dbo.{name}" if dialect == "sqlserver" else name


def column_ddl(dialect: str, column: Column) -> str:
    """One column definition, e.g. ``NRO_PEDIDO varchar(14) NOT NULL``."""
    _check(dialect)
    sql_type = _TYPES[dialect][column.type].format(n=column.length)
    if column.type == ROWVERSION and dialect != "sqlserver":
        return f"{column.name} {sql_type}"  # generated: NOT NULL by construction
    return f"{column.name} {sql_type}{' NOT NULL' if column.not_null else ''}"


def table_ddl(dialect: str, table: Table) -> list[str]:
    """CREATE TABLE (with primary key and unique constraints) plus its CREATE INDEX statements."""
    _check(dialect)
    name = _qualified(dialect, table.name)
    parts = [column_ddl(dialect, c) for c in table.columns]
    parts.append(f"CONSTRAINT PK_{table.name} PRIMARY KEY ({', '.join(table.primary_key)})")
    for i, cols in enumerate(table.unique, start=1):
        parts.append(f"CONSTRAINT UQ_{table.name}_{i} UNIQUE ({', '.join(cols)})")
    statements = [f"CREATE TABLE {name} (\n  " + ",\n  ".join(parts) + "\n)"]
    for i, cols in enumerate(table.indexes, start=1):
        statements.append(f"CREATE INDEX IX_{table.name}_{i} ON {name} ({', '.join(cols)})")
    return statements


def sequence_ddl(dialect: str, table: Table) -> list[str]:
    """CREATE SEQUENCE for a table whose id comes from a sequence (none on SQLite)."""
    _check(dialect)
    if table.sequence is None or dialect == "sqlite":
        return []
    if dialect == "sqlserver":
        return [f"CREATE SEQUENCE dbo.{table.sequence} AS int START WITH 1 INCREMENT BY 1"]
    return [f"CREATE SEQUENCE {table.sequence} AS integer START WITH 1 INCREMENT BY 1"]


ROW_VERSION_COUNTER = "TANGO_ROW_VERSION"  # PostgreSQL sequence / SQLite one-row table


def row_version_setup_ddl(dialect: str) -> list[str]:
    """The database-wide counter the rowversion emulation draws from (none on SQL Server)."""
    _check(dialect)
    if dialect == "postgresql":
        return [f"CREATE SEQUENCE IF NOT EXISTS {ROW_VERSION_COUNTER} AS bigint",
                "CREATE OR REPLACE FUNCTION tango_next_row_version() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"NEW.row_version := nextval('{ROW_VERSION_COUNTER.lower()}'); RETURN NEW; "
                "END $$"]
    if dialect == "sqlite":
        return [f"CREATE TABLE IF NOT EXISTS {ROW_VERSION_COUNTER} (V INTEGER NOT NULL)",
                f"INSERT INTO {ROW_VERSION_COUNTER} (V) SELECT 0 "
                f"WHERE NOT EXISTS (SELECT 1 FROM {ROW_VERSION_COUNTER})"]
    return []


def row_version_ddl(dialect: str, table: Table) -> list[str]:
    """Triggers giving the table's ROW_VERSION a new value on every INSERT and UPDATE."""
    _check(dialect)
    if dialect == "sqlserver" or not any(c.type == ROWVERSION for c in table.columns):
        return []
    name = table.name
    if dialect == "postgresql":
        return [f"CREATE TRIGGER {name}_ROW_VERSION BEFORE INSERT OR UPDATE ON {name} "
                "FOR EACH ROW EXECUTE FUNCTION tango_next_row_version()"]
    counter = ROW_VERSION_COUNTER
    bump = (f"UPDATE {counter} SET V = V + 1; UPDATE {name} SET ROW_VERSION = "
            f"(SELECT V FROM {counter}) WHERE rowid = NEW.rowid; END")
    return [
        f"CREATE TRIGGER {name}_ROW_VERSION_REFUSE_INSERT BEFORE INSERT ON {name} "
        "WHEN NEW.ROW_VERSION IS NOT NULL BEGIN "
        "SELECT RAISE(ABORT, 'cannot INSERT into generated column \"ROW_VERSION\"'); END",
        # The AFTER UPDATE trigger below sets exactly the counter's value; anything else is
        # someone writing the column.
        f"CREATE TRIGGER {name}_ROW_VERSION_REFUSE_UPDATE BEFORE UPDATE OF ROW_VERSION ON {name} "
        f"WHEN NEW.ROW_VERSION IS NOT (SELECT V FROM {counter}) BEGIN "
        "SELECT RAISE(ABORT, 'cannot UPDATE generated column \"ROW_VERSION\"'); END",
        f"CREATE TRIGGER {name}_ROW_VERSION_INSERT AFTER INSERT ON {name} BEGIN {bump}",
        f"CREATE TRIGGER {name}_ROW_VERSION_UPDATE AFTER UPDATE ON {name} "
        f"WHEN NEW.ROW_VERSION IS OLD.ROW_VERSION BEGIN {bump}",
    ]


def schema_ddl(dialect: str, tables: tuple[Table, ...] = TABLES) -> list[str]:
    """Every statement that builds the Tango-shaped schema in ``dialect``, in order."""
    statements: list[str] = row_version_setup_ddl(dialect)
    for table in tables:
        statements.extend(sequence_ddl(dialect, table))
        statements.extend(table_ddl(dialect, table))
        statements.extend(row_version_ddl(dialect, table))
    return statements


def create_schema(conn: Any, dialect: str, tables: tuple[Table, ...] = TABLES) -> None:
    """Create the Tango-shaped tables (and sequences) on a DB-API connection, then commit.

    ``conn`` may be a raw DB-API connection or a ``TangoConnection`` (its ``raw`` is used).
    """
    raw = getattr(conn, "raw", conn)
    cursor = raw.cursor()
    try:
        for statement in schema_ddl(dialect, tables):
            cursor.execute(statement)
    finally:
        cursor.close()
    raw.commit()  # harmless under autocommit; needed when the caller opened a transaction
