"""The parametrised ``tango_db`` fixture: each test gets a fresh seeded database, on SQLite and
(marked ``odbc``) on PostgreSQL through psqlODBC. Import the fixtures into a test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tango_suite.databases import (
    TangoDb,
    fresh_pg,
    fresh_sqlite,
    pg_template,
    sqlite_template,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.odbc)]


@pytest.fixture(scope="session")
def tango_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("tango-template"))


@pytest.fixture(scope="session")
def tango_pg_template(odbc_pg_cluster) -> str:
    return pg_template(odbc_pg_cluster)


@pytest.fixture(params=BACKENDS)
def tango_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TangoDb]:
    """A fresh, seeded Tango-shaped database (SQLite, then PostgreSQL via psqlODBC)."""
    if request.param == "sqlite":
        yield fresh_sqlite(request.getfixturevalue("tango_sqlite_template"), tmp_path / "db")
        return
    cluster = request.getfixturevalue("odbc_pg_cluster")
    db = fresh_pg(cluster, request.getfixturevalue("tango_pg_template"))
    try:
        yield db
    finally:
        cluster.drop_database(db.name)
