"""Look-ups by a page's worth of codes: one array parameter on PostgreSQL (so psycopg parses
the query once, whatever the number of codes), an expanding IN on SQLite — same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from connectors.cloud.server.code_lists import PerDialect, among
from connectors.cloud.server.models import Company, StockRow
from connectors.cloud.server.sqltypes import utcnow


def _statement(dialect: str):
    return select(StockRow.article_code).where(
        StockRow.company_id == bindparam("company"), among(StockRow.article_code, "codes", dialect))


def test_postgresql_gets_one_array_parameter_and_sqlite_an_expanding_in():
    pg = str(_statement("postgresql").compile(dialect=postgresql.dialect()))
    assert "= ANY (%(codes)s::VARCHAR[])" in pg and " IN " not in pg
    lite = str(_statement("sqlite").compile(dialect=sqlite.dialect()))
    assert "IN (__[POSTCOMPILE_codes])" in lite


@pytest.fixture
def db(cloud_db):
    return cloud_db


def test_sixty_codes_find_the_same_rows_on_both_databases(db):
    statement = PerDialect(_statement)
    with db.transaction() as session:
        company = Company(slug="codes", name="Codes SA")
        session.add(company)
        session.flush()
        for i in range(100):
            session.add(StockRow(company_id=company.id, record_key=f"A{i:03d}|1",
                                 article_code=f"A{i:03d}", deposit_code="1", on_hand=1,
                                 committed=0, updated_at=utcnow()))
        session.flush()
        wanted = [f"A{i:03d}" for i in range(0, 120, 2)]  # 60 codes, 10 of them unknown
        found = session.scalars(statement.for_session(session),
                                {"company": company.id, "codes": wanted}).all()
    assert sorted(found) == [f"A{i:03d}" for i in range(0, 100, 2)]
