"""Build and fill Tango-shaped databases: the embedded demo (SQLite) and the test databases.

``create_demo_database(folder)`` writes ``folder/tango.sqlite`` with the schema and the seed.
``seed_database(conn)`` fills any ``TangoConnection`` (the PostgreSQL suite uses it), and
``seed_dbapi(raw, dialect)`` any raw DB-API connection. Rows go through the same
catalog-driven INSERT builder the writer uses, so NOT NULL columns get their typed zeros.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from connectors.tango.connection import TangoConnection
from connectors.tango.ddl import create_schema
from connectors.tango.defaults import load_defaults
from connectors.tango.dialects import dialect_for
from connectors.tango.inserts import InsertBuilder
from connectors.tango.seed_data import SeedFacts, seed_facts, seed_rows
from connectors.tango.settings import TangoSettings

DEMO_FILE_NAME = "tango.sqlite"

__all__ = ["DEMO_FILE_NAME", "DemoDatabaseExistsError", "SeedFacts", "create_demo_database",
           "demo_settings", "seed_database", "seed_dbapi", "seed_facts"]


class DemoDatabaseExistsError(FileExistsError):
    """The demo database is already there and ``rebuild`` was not asked for."""


def seed_database(conn: TangoConnection) -> SeedFacts:
    """Insert the demo seed into an empty Tango-shaped database, in one transaction."""
    builder = InsertBuilder(conn, load_defaults())
    with conn.transaction():
        for table, rows in seed_rows().items():
            for group in _same_keys(rows):
                builder.insert(table, group)
    return seed_facts()


def seed_dbapi(raw: Any, dialect: str) -> SeedFacts:
    """Seed a raw DB-API connection (``dialect``: sqlite | postgresql | sqlserver)."""
    settings = TangoSettings(connection=f"{dialect}:external")
    if dialect == "sqlite":
        raw.isolation_level = None  # the wrapper says BEGIN itself
    else:
        raw.autocommit = True
    return seed_database(TangoConnection(raw, dialect_for(dialect), settings))


def _same_keys(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows grouped by key set (one INSERT plan each), keeping their order."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return list(groups.values())


def demo_settings(path: Path, **overrides: Any) -> TangoSettings:
    """Settings for the demo database at ``path`` (talonario and depósito of the seed)."""
    facts = seed_facts()
    values: dict[str, Any] = {"connection": f"sqlite:{path}", "dialect": "sqlite",
                              "talonario": facts.talonario, "deposit": facts.deposits[0]}
    values.update(overrides)
    return TangoSettings(**values)


def create_demo_database(folder: Path | str, *, rebuild: bool = False) -> Path:
    """Create ``folder/tango.sqlite`` with the Tango-shaped schema and the demo seed.

    An existing file is refused with ``DemoDatabaseExistsError`` unless ``rebuild`` is true;
    a rebuild is built aside and swapped in, so a failure leaves the old file intact.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DEMO_FILE_NAME
    if target.exists() and not rebuild:
        raise DemoDatabaseExistsError(
            f"La base de demostración ya existe en {target}; use rebuild=True para rehacerla.")
    scratch = folder / f".{DEMO_FILE_NAME}.{os.getpid()}.tmp"
    with contextlib.suppress(FileNotFoundError):
        scratch.unlink()
    try:
        raw = sqlite3.connect(scratch, isolation_level=None)
        try:
            create_schema(raw, "sqlite")
            seed_dbapi(raw, "sqlite")
        finally:
            raw.close()
        os.replace(scratch, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            scratch.unlink()
    return target
