"""Applying master-data batches in the server, on SQLite and on PostgreSQL: the last occurrence
of a key wins, re-delivery is harmless, large batches mixing upserts and deletes apply exactly,
and a bad batch changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from connectors.cloud.contract import Article, MasterDataBatch, MasterKind, Price
from connectors.cloud.server import master_data
from connectors.cloud.server.db import Database
from connectors.cloud.server.models import ArticleRow, ArticleWordRow, Company, PriceRow


@pytest.fixture
def db(cloud_db):
    return cloud_db


def _company(db: Database, slug: str = "acme") -> int:
    with db.transaction() as session:
        company = Company(slug=slug, name=slug.title())
        session.add(company)
        session.flush()
        return company.id


def _apply(db: Database, company_id: int, kind: MasterKind, records: list,
           deleted: list[str] | None = None, batch_id: str = "b") -> object:
    batch = MasterDataBatch.of(kind, batch_id, records, deleted)
    with db.transaction() as session:
        return master_data.apply_batch(session, company_id, batch)


def _articles(db: Database, company_id: int) -> dict[str, tuple]:
    with db.transaction() as session:
        rows = session.execute(select(ArticleRow).where(ArticleRow.company_id == company_id))
        return {r.code: (r.description, r.barcode, r.sellable, r.vat_rate, r.record_key)
                for r in rows.scalars()}


def _prices(db: Database, company_id: int) -> dict[str, Decimal]:
    with db.transaction() as session:
        return dict(session.execute(select(PriceRow.record_key, PriceRow.price)
                                    .where(PriceRow.company_id == company_id)).all())


def _words(db: Database, company_id: int) -> set[tuple[str, str]]:
    with db.transaction() as session:
        return set(session.execute(select(ArticleWordRow.article_code, ArticleWordRow.word)
                                   .where(ArticleWordRow.company_id == company_id)).all())


def test_the_last_occurrence_of_a_key_wins_and_redelivery_changes_nothing(db):
    company = _company(db)
    other = _company(db, "otra")
    _apply(db, other, MasterKind.ARTICLES, [Article(code="A1", description="Ajeno")])
    records = [
        Article(code="A1", description="Tornillo viejo", barcode="111"),
        Article(code="A2", description="Tuerca"),
        Article(code="A1", description="Tornillo nuevo", barcode="222", sellable=False),
    ]
    prices = [Price(price_list=1, article_code="A1", price=Decimal("10")),
              Price(price_list=1, article_code="A1", price=Decimal("12.3456789"))]

    first = _apply(db, company, MasterKind.ARTICLES, records)
    _apply(db, company, MasterKind.PRICES, prices)
    state = (_articles(db, company), _prices(db, company), _words(db, company))
    again = _apply(db, company, MasterKind.ARTICLES, records)
    _apply(db, company, MasterKind.PRICES, prices)

    assert first.upserted == again.upserted == 2 and first.deleted == again.deleted == 0
    assert (_articles(db, company), _prices(db, company), _words(db, company)) == state
    articles, price_rows, words = state
    assert articles["A1"] == ("Tornillo nuevo", "222", False, Decimal("21"), "A1")
    assert price_rows == {"1|A1": Decimal("12.3456789")}
    assert ("A1", "nuevo") in words and ("A1", "222") in words
    assert ("A1", "viejo") not in words and ("A1", "111") not in words
    assert _articles(db, other) == {"A1": ("Ajeno", "", True, Decimal("21"), "A1")}


def test_a_large_batch_mixing_upserts_and_deletes_applies_exactly(db):
    company = _company(db)
    n = 2500
    _apply(db, company, MasterKind.ARTICLES,
           [Article(code=f"C{i:05d}", description=f"Artículo viejo {i}") for i in range(n)])
    _apply(db, company, MasterKind.PRICES,
           [Price(price_list=1 + i % 3, article_code=f"C{i:05d}", price=Decimal(i))
            for i in range(n)])
    # 1,500 changed, 500 new, 1,000 deleted, and one key both upserted and deleted (kept).
    changed = [Article(code=f"C{i:05d}", description=f"Artículo nuevo {i}") for i in range(1500)]
    new = [Article(code=f"N{i:05d}", description=f"Alta {i}") for i in range(500)]
    deleted = [f"C{i:05d}" for i in range(1500, n)] + ["C00007", "NOEXISTE"]
    ack = _apply(db, company, MasterKind.ARTICLES, changed + new, deleted, batch_id="mix")
    price_deleted = [f"{1 + i % 3}|C{i:05d}" for i in range(0, n, 2)]
    price_changed = [Price(price_list=1 + i % 3, article_code=f"C{i:05d}",
                           price=Decimal(i) + Decimal("0.5")) for i in range(1, n, 2)]
    price_ack = _apply(db, company, MasterKind.PRICES, price_changed, price_deleted)

    assert (ack.upserted, ack.deleted) == (2000, 1001)  # NOEXISTE counts as asked
    articles = _articles(db, company)
    assert len(articles) == 2000
    assert articles["C00007"][0] == "Artículo nuevo 7"
    assert articles["C01499"][0] == "Artículo nuevo 1499" and "C01500" not in articles
    assert articles["N00499"][0] == "Alta 499"
    words = _words(db, company)
    assert ("C01499", "nuevo") in words and ("C01499", "viejo") not in words
    assert not any(code == "C02000" for code, _ in words)
    assert {code for code, _ in words} == set(articles)
    assert (price_ack.upserted, price_ack.deleted) == (1250, 1250)
    prices = _prices(db, company)
    assert len(prices) == 1250 and "1|C00000" not in prices
    assert prices["2|C00001"] == Decimal("1.5")


def test_a_bad_record_anywhere_in_a_large_batch_changes_nothing(db):
    company = _company(db)
    _apply(db, company, MasterKind.PRICES,
           [Price(price_list=1, article_code=f"P{i}", price=Decimal(1)) for i in range(10)])
    before = _prices(db, company)
    records = [Price(price_list=1, article_code=f"P{i}", price=Decimal(2)).model_dump(mode="json")
               for i in range(2500)]
    records.append({"price_list": 1, "article_code": "MAL", "price": "-1"})
    batch = MasterDataBatch(kind=MasterKind.PRICES, batch_id="bad", records=records,
                            deleted=["1|P0"])
    with pytest.raises(ValidationError), db.transaction() as session:
        master_data.apply_batch(session, company, batch)
    assert _prices(db, company) == before
