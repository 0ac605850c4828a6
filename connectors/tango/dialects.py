"""The few SQL differences between SQL Server (production), PostgreSQL (tests) and SQLite (demo).

Everything else the connector says is plain SQL with ``?`` parameters. A dialect object is
stateless; it renders statements and reads the catalog through a raw DB-API connection.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from connectors.tango.catalog import (
    KIND_OTHER,
    KIND_TEXT,
    ColumnInfo,
    TableCatalog,
    declared_length,
    is_unicode,
    kind_of,
)

# ODBC SQL types that mean "long text": varchar(max), text, ntext.
_LONG_TEXT_TYPES = {-1, -10}
_UNLIMITED = 1 << 30
ROW_VERSION_COLUMNS = frozenset({"ROW_VERSION"})  # never written: the database sets them


class Dialect:
    """Base: ANSI-ish SQL; subclasses override what differs."""

    name = "ansi"
    max_params = 999  # parameters per statement (multi-row INSERTs are chunked below this)
    # Whether several statements may travel in one request (``a; b``), each with its own
    # result — one network round trip instead of one per statement. ``batch_reads``: SELECTs
    # only (each gives exactly one result set); ``batch_writes``: INSERT/UPDATE too (each gives
    # exactly one row count, whatever triggers the table has).
    batch_reads = False
    batch_writes = False

    def table(self, name: str) -> str:
        """A table name as written in statements (SQL Server: ``dbo.GVA21``)."""
        return name

    def fold(self, name: str) -> str:
        """A name as the catalog stores it (PostgreSQL folds unquoted names to lower case)."""
        return name

    def begin_sql(self) -> str | None:
        """Statement that opens a write transaction, or None when the driver does it."""
        return None

    def lock_timeout_sql(self, seconds: int) -> str | None:
        """Session statement bounding lock waits, or None when set at connect time."""
        return None

    def select_locked(self, columns: list[str], table: str, where: str) -> str:
        """SELECT that locks the matching row until the transaction ends."""
        return f"SELECT {', '.join(columns)} FROM {self.table(table)} WHERE {where}"

    def select_first(self, columns: list[str], table: str, where: str) -> str:
        """SELECT of at most one row."""
        return f"SELECT {', '.join(columns)} FROM {self.table(table)} WHERE {where} LIMIT 1"

    def current_timestamp(self) -> str:
        return "CURRENT_TIMESTAMP"

    def next_ids_sql(self, sequence: str, count: int) -> str | None:
        """SELECT returning ``count`` new ids from ``sequence``, or None without sequences."""
        return None

    def max_id_sql(self, table: str, id_column: str) -> str:
        return f"SELECT COALESCE(MAX({id_column}), 0) AS LAST_ID FROM {self.table(table)}"

    def datetime_param(self, value: datetime) -> Any:
        """A naive datetime as a statement parameter."""
        return value

    def row_version_after(self, column: str) -> str:
        """Condition: the rowversion ``column`` is newer than the ``?`` mark (an integer)."""
        return f"{column} > ?"

    def row_version_anchor_sql(self, columns: list[tuple[str, str]]) -> str:
        """``SELECT … AS ANCHOR``: the newest rowversion of the ``(table, column)`` pairs.

        Read before the rows, it becomes the next read's mark, so a row changed while the
        read and the push run is read again next time. On the PostgreSQL and SQLite stand-ins
        a change still uncommitted at that moment with a lower value is left to the periodic
        full read; SQL Server has no such gap (``MIN_ACTIVE_ROWVERSION``).
        """
        parts = " UNION ALL ".join(f"SELECT MAX({column}) AS V FROM {self.table(table)}"
                                   for table, column in columns)
        return f"SELECT MAX(V) AS ANCHOR FROM ({parts}) AS M"

    def read_columns(self, raw: Any, table: str) -> TableCatalog | None:
        """The table's columns from the catalog, or None when the table does not exist."""
        raise NotImplementedError


class SqlServerDialect(Dialect):
    name = "sqlserver"
    max_params = 2000  # SQL Server allows 2100 per request
    # A batch of SELECTs returns one result set each. Writes stay one statement per request:
    # with NOCOUNT OFF a table's triggers add row counts of their own (and with NOCOUNT ON
    # there are none), so a batch's row counts could not be matched to its statements.
    batch_reads = True

    def table(self, name: str) -> str:
        return f"dbo.{name}"

    def lock_timeout_sql(self, seconds: int) -> str | None:
        return f"SET LOCK_TIMEOUT {int(seconds) * 1000}"

    def select_locked(self, columns: list[str], table: str, where: str) -> str:
        # UPDLOCK holds the row against other writers until commit; ROWLOCK keeps it to one row.
        return (f"SELECT {', '.join(columns)} FROM {self.table(table)} WITH (UPDLOCK, ROWLOCK) "
                f"WHERE {where}")

    def select_first(self, columns: list[str], table: str, where: str) -> str:
        return f"SELECT TOP 1 {', '.join(columns)} FROM {self.table(table)} WHERE {where}"

    def current_timestamp(self) -> str:
        return "GETDATE()"

    def next_ids_sql(self, sequence: str, count: int) -> str | None:
        if count == 1:
            return f"SELECT NEXT VALUE FOR dbo.{sequence} AS NEW_ID"
        rows = ", ".join(f"({i})" for i in range(1, count + 1))
        return f"SELECT NEXT VALUE FOR dbo.{sequence} AS NEW_ID FROM (VALUES {rows}) AS N(I)"

    def row_version_after(self, column: str) -> str:
        # rowversion compares as binary(8), big-endian: the same order as the integer, and the
        # column stays searchable by an index (no CAST on it).
        return f"{column} > CAST(CAST(? AS BIGINT) AS BINARY(8))"

    def row_version_anchor_sql(self, columns: list[tuple[str, str]]) -> str:
        # rowversion is one counter for the whole database. Below MIN_ACTIVE_ROWVERSION() every
        # value belongs to a finished transaction, so no row still being written is skipped.
        return "SELECT CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) - 1 AS ANCHOR"

    def computed_columns_sql(self) -> str:
        return ("SELECT c.name AS COLUMN_NAME FROM sys.columns AS c "
                "WHERE c.object_id = OBJECT_ID(?) AND c.is_computed = 1")

    def read_columns(self, raw: Any, table: str) -> TableCatalog | None:
        columns = _odbc_columns(raw, table, schema="dbo")
        if not columns:
            return None
        rows = _fetch(raw, self.computed_columns_sql(), [f"dbo.{table}"])
        computed = {r[0].upper() for r in rows}
        fixed = []
        for col in columns:
            type_name = col.type_name.lower()
            generated = (type_name in {"timestamp", "rowversion"} or "identity" in type_name
                         or col.key in computed)
            kind = KIND_OTHER if type_name in {"timestamp", "rowversion"} else col.kind
            fixed.append(replace(col, kind=kind, generated=generated))
        return TableCatalog(table, tuple(fixed))


class PostgresDialect(Dialect):
    name = "postgresql"
    # PostgreSQL allows 65535, but psqlODBC loses protocol sync well below that (seen at 30000).
    max_params = 2000
    # psqlODBC sends ``a; b; c`` in one request and hands back one result (rows or row count)
    # per statement; trigger statements report nothing to the client.
    batch_reads = True
    batch_writes = True

    def fold(self, name: str) -> str:
        return name.lower()

    def lock_timeout_sql(self, seconds: int) -> str | None:
        return f"SET lock_timeout = '{int(seconds)}s'"

    def select_locked(self, columns: list[str], table: str, where: str) -> str:
        return f"SELECT {', '.join(columns)} FROM {table} WHERE {where} FOR UPDATE"

    def current_timestamp(self) -> str:
        return "LOCALTIMESTAMP"

    def next_ids_sql(self, sequence: str, count: int) -> str | None:
        return f"SELECT nextval('{sequence.lower()}') AS new_id FROM generate_series(1, {count})"

    def generated_columns_sql(self) -> str:
        return ("SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ? "
                "AND (is_identity = 'YES' OR is_generated = 'ALWAYS')")

    def read_columns(self, raw: Any, table: str) -> TableCatalog | None:
        columns = _odbc_columns(raw, self.fold(table), schema=None)
        if not columns:
            return None
        generated = {r[0].upper() for r in _fetch(raw, self.generated_columns_sql(),
                                                  [self.fold(table)])}
        fixed = [replace(c, generated=True, has_default=False) if c.key in generated else c
                 for c in columns]
        return TableCatalog(table, tuple(fixed))


class SqliteDialect(Dialect):
    name = "sqlite"
    max_params = 999

    def begin_sql(self) -> str | None:
        # IMMEDIATE takes the database write lock now: it is SQLite's talonario row lock.
        return "BEGIN IMMEDIATE"

    def current_timestamp(self) -> str:
        return "datetime('now', 'localtime')"

    def datetime_param(self, value: datetime) -> Any:
        return value.isoformat(sep=" ")  # SQLite keeps dates as ISO text and compares text

    def read_columns(self, raw: Any, table: str) -> TableCatalog | None:
        rows = _fetch(raw, f"PRAGMA table_xinfo({table})", [])
        if not rows:
            return None
        columns = []
        for _cid, name, type_name, notnull, default, _pk, hidden in rows:
            kind = kind_of(type_name)
            # ROW_VERSION is Tango's rowversion: on SQLite triggers fill it and refuse values.
            generated = hidden != 0 or name.upper() in ROW_VERSION_COLUMNS
            columns.append(ColumnInfo(
                name=name, type_name=type_name, kind=kind,
                length=declared_length(type_name) if kind == KIND_TEXT else None,
                nullable=not notnull, has_default=default is not None, generated=generated,
                unicode=False,
            ))
        return TableCatalog(table, tuple(columns))


def _fetch(raw: Any, sql: str, params: list[Any]) -> list[tuple]:
    cursor = raw.cursor()
    try:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]
    finally:
        cursor.close()


def _odbc_columns(raw: Any, table: str, schema: str | None) -> list[ColumnInfo]:
    """Columns through ODBC ``SQLColumns`` (pyodbc ``cursor.columns``), first schema only."""
    cursor = raw.cursor()
    try:
        rows = cursor.columns(table=table, schema=schema).fetchall()
    finally:
        cursor.close()
    if not rows:
        return []
    first_schema = rows[0].table_schem
    columns = []
    for row in sorted((r for r in rows if r.table_schem == first_schema),
                      key=lambda r: r.ordinal_position):
        kind = kind_of(row.type_name)
        length: int | None = None
        if kind == KIND_TEXT and row.data_type not in _LONG_TEXT_TYPES:
            size = row.column_size or 0
            length = size if 0 < size < _UNLIMITED else None
        columns.append(ColumnInfo(
            name=row.column_name, type_name=row.type_name, kind=kind, length=length,
            nullable=bool(row.nullable), has_default=row.column_def is not None,
            generated=False, unicode=is_unicode(row.type_name),
        ))
    return columns


DIALECTS: dict[str, type[Dialect]] = {
    "sqlserver": SqlServerDialect,
    "postgresql": PostgresDialect,
    "sqlite": SqliteDialect,
}


def dialect_for(name: str) -> Dialect:
    """The dialect object called ``name`` (sqlserver | postgresql | sqlite)."""
    try:
        return DIALECTS[name]()
    except KeyError:
        known = sorted(DIALECTS)
        raise ValueError(f"unknown Tango dialect {name!r}; expected one of {known}") from None
