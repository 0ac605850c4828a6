"""Fresh planner statistics after bulk master-data loads (PostgreSQL).

The first full sync loads some 150,000 rows into empty tables. Until autovacuum gets round to
its ANALYZE (a minute or more later) the planner still believes those tables are empty and
plans catalog searches that run for over a minute each; a handful of sellers searching then
holds every connection. So after applying a batch, a table whose rows changed since its last
ANALYZE by more than ``max(MIN_CHANGED_ROWS, STALE_FRACTION × its size)`` is analyzed at once.
Steady-state batches (a few changed prices) never get there; autovacuum does the rest.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, text

MIN_CHANGED_ROWS = 5000
STALE_FRACTION = 0.5

_CHANGED_SINCE_ANALYZE = text(
    "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
    "JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema() "
    "AND s.relname = :name"
)


def is_stale(changed_rows: float, table_rows: float) -> bool:
    """Whether a table with ``changed_rows`` changed since its last ANALYZE needs one now."""
    return changed_rows > max(MIN_CHANGED_ROWS, STALE_FRACTION * max(table_rows, 0.0))


def refresh_if_stale(conn: Connection, *tables: Table) -> list[str]:
    """ANALYZE each of ``tables`` whose statistics lag behind a bulk load; returns their names.

    A no-op on other databases (SQLite plans these queries from its indexes alone).
    """
    if conn.dialect.name != "postgresql":
        return []
    analyzed = []
    for table in tables:
        row = conn.execute(_CHANGED_SINCE_ANALYZE, {"name": table.name}).first()
        if row is not None and is_stale(float(row[0] or 0), float(row[1] or 0)):
            conn.execute(text(f'ANALYZE "{table.name}"'))  # a model's own table name
            analyzed.append(table.name)
    return analyzed
