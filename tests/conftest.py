"""Shared fixtures. Nothing here touches the real user profile, keyring or network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.system import odbc_driver_installed, postgres_bin_dir, require_system


@pytest.fixture(autouse=True)
def _isolated_profile(tmp_path_factory, monkeypatch):
    """Every test gets its own data folder and a keyring that refuses to store anything."""
    monkeypatch.setenv("ACTIVO_DATA_DIR", str(tmp_path_factory.mktemp("activo-data")))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("ACTIVO_CLOUD_TOKEN", "ACTIVO_TANGO_PASSWORD", "ACTIVO_CLOUD_URL",
                 "ACTIVO_TANGO_CONNECTION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 for the whole session."""
    require_system(
        postgres_bin_dir() is not None, "PostgreSQL server (initdb/pg_ctl) not installed"
    )
    from tests.support.postgres import running_cluster

    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def odbc_pg_cluster(pg_cluster) -> object:
    """The cluster, when psqlODBC is installed too."""
    require_system(
        odbc_driver_installed("PostgreSQL Unicode"),
        "unixODBC with the psqlODBC driver 'PostgreSQL Unicode' not installed "
        "(apt-get install unixodbc odbc-postgresql)",
    )
    return pg_cluster


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cloud_db(request, tmp_path):
    """A migrated, empty cloud database: a SQLite file, then a PostgreSQL database."""
    from connectors.cloud.server.db import Database
    from connectors.cloud.server.migrate import upgrade_head

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cloud.sqlite3'}"
    else:
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.psycopg_url(cluster.create_database())
    upgrade_head(url)
    database = Database.from_url(url)
    yield database
    database.dispose()
