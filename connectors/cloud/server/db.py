"""Engine and transactions: SQLite tuned for several processes, PostgreSQL by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 32_768  # page cache per connection (the catalog tables stay in memory)
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
# Enough connections for every worker thread of ``castor-cloud serve`` (anyio's limiter, 40 by
# default) plus the background worker, so a busy moment queues on the database, not the pool.
POOL_SIZE = 20
POOL_OVERFLOW = 30


def make_engine(database_url: str) -> Engine:
    """Create the engine for ``database_url``.

    SQLite gets WAL (readers never block the writer), foreign keys and a busy timeout so that
    several server processes and the CLI can share one file, plus a large page cache and
    memory-mapped reads. Both pools are sized for the server's worker threads.
    """
    if database_url.startswith("sqlite"):
        pool = {} if ":memory:" in database_url or database_url.rstrip("/") == "sqlite:" else {
            "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(
            database_url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(database_url, pool_pre_ping=True, pool_size=POOL_SIZE,
                           max_overflow=POOL_OVERFLOW)
    # An INSERT executed with many parameter sets (master-data upserts, search words) goes as
    # multi-row VALUES pages ("insertmanyvalues") instead of one statement per row: about a
    # third faster on PostgreSQL. SQLite's own executemany is faster still and keeps it.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


class Database:
    """The engine plus a session factory; the one way code gets a transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, database_url: str) -> Database:
        return cls(make_engine(database_url))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
