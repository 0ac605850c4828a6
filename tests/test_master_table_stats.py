"""A bulk master-data load refreshes PostgreSQL's planner statistics at once, so the catalog is
not planned as if its tables were empty until autovacuum comes round; small batches don't."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import text

from connectors.cloud.contract import MasterDataBatch, MasterKind, Price
from connectors.cloud.server import master_data
from connectors.cloud.server.db import Database
from connectors.cloud.server.migrate import upgrade_head
from connectors.cloud.server.models import Company
from connectors.cloud.server.table_stats import is_stale


def test_staleness_rule():
    assert not is_stale(4999, 0)  # small loads wait for autovacuum
    assert is_stale(5001, 0)  # a first bulk load into an empty table
    assert not is_stale(40_000, 100_000)  # a big table with a fair share of changes
    assert is_stale(60_000, 100_000)
    assert not is_stale(10, -1)  # never analyzed (reltuples -1) and hardly touched


@pytest.mark.postgres
def test_a_bulk_load_is_analyzed_without_waiting_for_autovacuum(pg_cluster):
    url = pg_cluster.psycopg_url(pg_cluster.create_database())
    upgrade_head(url)
    db = Database.from_url(url)
    try:
        with db.engine.begin() as conn:  # only our ANALYZE may count: keep autovacuum out
            conn.execute(text("ALTER TABLE md_prices SET (autovacuum_enabled = false)"))
        with db.transaction() as session:
            company = Company(slug="statco", name="Stat SA")
            session.add(company)
            session.flush()
            company_id = company.id

        def apply(start: int, count: int) -> None:
            records = [Price(price_list=1, article_code=f"A{i:06d}", price=Decimal(i))
                       for i in range(start, start + count)]
            with db.transaction() as session:
                master_data.apply_batch(session, company_id,
                                        MasterDataBatch.of(MasterKind.PRICES, "b", records))

        apply(0, 50)
        time.sleep(1.2)  # let the statistics collector see it
        apply(50, 50)
        assert _last_analyze(db) is None  # small batches leave it to autovacuum
        analyzed = False
        for batch in range(12):  # 1,000 rows each: stale after ~5,000; bounded loop
            apply(1000 + batch * 1000, 1000)
            if _last_analyze(db) is not None:
                analyzed = True
                break
            time.sleep(0.6)
        assert analyzed, "md_prices was never analyzed after a bulk load"
    finally:
        db.dispose()


def _last_analyze(db: Database):
    with db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'md_prices'")).scalar()
