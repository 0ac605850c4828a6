"""Master data pushed by the agent: one batch = one transaction of bulk upserts and deletes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.cloud.contract import MasterDataAck, MasterDataBatch, MasterKind
from connectors.cloud.server.models import (
    ArticleRow,
    ArticleWordRow,
    CustomerRow,
    DepositRow,
    PriceListRow,
    PriceRow,
    SaleConditionRow,
    SellerRow,
    StockRow,
    VatRateRow,
)
from connectors.cloud.server.search_words import article_words
from connectors.cloud.server.sqltypes import utcnow

TABLES: dict[MasterKind, type] = {
    MasterKind.ARTICLES: ArticleRow,
    MasterKind.PRICE_LISTS: PriceListRow,
    MasterKind.PRICES: PriceRow,
    MasterKind.CUSTOMERS: CustomerRow,
    MasterKind.SELLERS: SellerRow,
    MasterKind.SALE_CONDITIONS: SaleConditionRow,
    MasterKind.DEPOSITS: DepositRow,
    MasterKind.STOCK: StockRow,
    MasterKind.VAT_RATES: VatRateRow,
}

# Rows per INSERT statement: well under SQLite's 32766 bound parameters for the widest table.
CHUNK_ROWS = 500
WORD_CHUNK_ROWS = 5000  # executemany rows per call for the search words


def apply_batch(session: Session, company_id: int, batch: MasterDataBatch) -> MasterDataAck:
    """Upsert ``batch.records`` and delete ``batch.deleted`` for the company.

    Validation happens first (``ValueError`` from pydantic on a bad record), so a bad batch
    changes nothing. The caller's transaction makes the whole batch atomic; applying the same
    batch again leaves the same rows.
    """
    records = batch.typed_records()
    table: Table = TABLES[batch.kind].__table__  # type: ignore[attr-defined]
    now = utcnow()
    rows_by_key: dict[str, dict[str, Any]] = {}
    for record in records:  # the last occurrence of a key in a batch wins
        row = record.model_dump()
        row.update(company_id=company_id, record_key=record.key, updated_at=now)
        rows_by_key[record.key] = row
    upserted_keys = set(rows_by_key)
    deleted_keys = [key for key in dict.fromkeys(batch.deleted) if key not in upserted_keys]
    rows = list(rows_by_key.values())
    for start in range(0, len(rows), CHUNK_ROWS):
        session.execute(_upsert(session, table, rows[start : start + CHUNK_ROWS]))
    for start in range(0, len(deleted_keys), CHUNK_ROWS):
        session.execute(
            delete(table).where(
                table.c.company_id == company_id,
                table.c.record_key.in_(deleted_keys[start : start + CHUNK_ROWS]),
            )
        )
    if batch.kind is MasterKind.ARTICLES:
        replace_search_words(session, company_id, rows, [*upserted_keys, *deleted_keys])
    return MasterDataAck(
        kind=batch.kind, batch_id=batch.batch_id, upserted=len(rows), deleted=len(deleted_keys)
    )


def replace_search_words(
    session: Session, company_id: int, rows: list[dict[str, Any]], codes: list[str]
) -> None:
    """Forget the search words of ``codes`` and store those of the upserted article ``rows``."""
    table: Table = ArticleWordRow.__table__  # type: ignore[assignment]
    for start in range(0, len(codes), CHUNK_ROWS):
        session.execute(
            delete(table).where(
                table.c.company_id == company_id,
                table.c.article_code.in_(codes[start : start + CHUNK_ROWS]),
            )
        )
    word_rows = [
        {"company_id": company_id, "word": word, "article_code": row["code"]}
        for row in rows
        for word in article_words(row["code"], row["description"], row["extra_description"],
                                  row["synonym"], row["barcode"])
    ]
    for start in range(0, len(word_rows), WORD_CHUNK_ROWS):
        session.execute(table.insert(), word_rows[start : start + WORD_CHUNK_ROWS])


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> Any:
    """``INSERT ... ON CONFLICT (company_id, record_key) DO UPDATE`` for SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(rows)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(rows)
    else:  # pragma: no cover - only the two supported databases reach here
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    keys = ("company_id", "record_key")
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys},
    )
