"""The local state store's schema, as numbered migrations (``PRAGMA user_version``).

Append a migration to change the schema; never edit one that has shipped. Each runs in its own
transaction, so a failure leaves the store at the previous version.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: journal, runs, master-data hashes, commands, key/value state.
    """
    CREATE TABLE kv (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE journal (
        code TEXT PRIMARY KEY,            -- the cloud order code (GVA21.ID_EXTERNO)
        status TEXT NOT NULL,             -- written | acked | failed | parked | conflict
        tango_talonario INTEGER,
        tango_number TEXT,
        lease_token TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        failure_kind TEXT,
        last_error TEXT,                  -- Spanish, as shown to people
        order_json TEXT,                  -- kept while not acked, for a local retry
        reported_at TEXT,                 -- when the failure was reported to the cloud
        next_attempt_at TEXT,
        retry_requested_at TEXT,
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        written_at TEXT,
        acked_at TEXT
    );
    CREATE INDEX journal_status ON journal (status);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        ok INTEGER,
        orders_written INTEGER NOT NULL DEFAULT 0,
        orders_failed INTEGER NOT NULL DEFAULT 0,
        records_pushed INTEGER NOT NULL DEFAULT 0,
        errors TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX runs_job ON runs (job, id);
    CREATE TABLE master_hashes (
        kind TEXT NOT NULL,
        record_key TEXT NOT NULL,
        hash TEXT NOT NULL,
        acked_at TEXT NOT NULL,
        PRIMARY KEY (kind, record_key)
    );
    CREATE TABLE commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        argument TEXT,
        source TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        picked_at TEXT,
        done_at TEXT,
        result TEXT
    );
    CREATE INDEX commands_pending ON commands (picked_at, id);
    """,
    # 2: article images: what the cloud holds (and the file it came from), files skipped.
    """
    CREATE TABLE image_acks (
        article_code TEXT PRIMARY KEY,
        source_sha256 TEXT NOT NULL,
        version TEXT NOT NULL,
        file_size INTEGER,                -- the file seen with that hash (cheap change check)
        file_mtime_ns INTEGER,
        acked_at TEXT NOT NULL
    );
    CREATE TABLE image_rejects (
        article_code TEXT PRIMARY KEY,
        file_size INTEGER NOT NULL,
        file_mtime_ns INTEGER NOT NULL,
        reason TEXT NOT NULL,
        seen_at TEXT NOT NULL
    );
    """,
    # 3: master-data change watermarks, by kind (cleared with the hashes by a full resync).
    """
    CREATE TABLE master_watermarks (
        kind TEXT PRIMARY KEY,
        mode TEXT NOT NULL,               -- row_version | fecha_modi
        mark TEXT,                        -- newest change value acknowledged (text)
        untracked INTEGER NOT NULL DEFAULT 0,  -- rows in Tango that are not records
        full_read_at TEXT,                -- last time the kind was read whole
        updated_at TEXT NOT NULL
    );
    """,
)


def latest_version() -> int:
    return len(MIGRATIONS)
