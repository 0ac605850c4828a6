"""Fresh Tango-shaped databases for tests: a seeded SQLite file or a seeded PostgreSQL database.

PostgreSQL databases are cloned from a seeded template (``CREATE DATABASE … TEMPLATE``), so
every test gets its own database in a few tens of milliseconds.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from connectors.tango.connection import TangoConnection, open_connection
from connectors.tango.ddl import create_schema
from connectors.tango.seed import create_demo_database, demo_settings, seed_dbapi
from connectors.tango.seed_data import SeedFacts, seed_facts
from connectors.tango.settings import TangoSettings


@dataclass
class TangoDb:
    """One fresh, seeded Tango-shaped database and the settings that reach it."""

    kind: str  # sqlite | postgresql
    settings: TangoSettings
    facts: SeedFacts
    name: str = ""  # PostgreSQL database name
    cluster: Any = None

    def connect(self, **overrides: Any) -> TangoConnection:
        return open_connection(self.with_settings(**overrides))

    def with_settings(self, **overrides: Any) -> TangoSettings:
        return replace(self.settings, **overrides)

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        with self.connect() as conn:
            row = conn.query_one(sql, params)
            return None if row is None else next(iter(row.values()))

    def rows(self, sql: str, params: tuple = ()) -> list[dict]:
        with self.connect() as conn:
            return conn.query_all(sql, params)


def sqlite_template(folder: Path) -> Path:
    """A seeded demo database to copy from."""
    return create_demo_database(folder)


def fresh_sqlite(template: Path, folder: Path) -> TangoDb:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "tango.sqlite"
    shutil.copyfile(template, target)
    return TangoDb("sqlite", demo_settings(target), seed_facts())


def pg_settings(cluster: Any, dbname: str, **overrides: Any) -> TangoSettings:
    facts = seed_facts()
    values: dict[str, Any] = {"connection": cluster.odbc_connection_string(dbname),
                              "password": cluster.password, "talonario": facts.talonario,
                              "deposit": facts.deposits[0]}
    values.update(overrides)
    return TangoSettings(**values)


def pg_empty_database(cluster: Any) -> tuple[str, Any]:
    """A new empty PostgreSQL database and a raw pyodbc connection to it (autocommit)."""
    import pyodbc

    name = cluster.create_database(f"tango_{secrets.token_hex(5)}")
    raw = pyodbc.connect(cluster.odbc_connection_string(name) + f"PWD={cluster.password};",
                         autocommit=True)
    return name, raw


def pg_template(cluster: Any, tables: Any = None) -> str:
    """A seeded PostgreSQL database (closed, so it can serve as a CREATE DATABASE template)."""
    name, raw = pg_empty_database(cluster)
    try:
        if tables is None:
            create_schema(raw, "postgresql")
        else:
            create_schema(raw, "postgresql", tables)
        seed_dbapi(raw, "postgresql")
    finally:
        raw.close()
    return name


def fresh_pg(cluster: Any, template: str) -> TangoDb:
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(cluster.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return TangoDb("postgresql", pg_settings(cluster, name), seed_facts(), name=name,
                   cluster=cluster)


def psql(cluster: Any, dbname: str, *statements: str) -> None:
    """Run DDL/DML on a PostgreSQL database outside the connector (to break or drift it)."""
    import psycopg

    with psycopg.connect(cluster.psycopg_conninfo(dbname), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
