"""Master data pushed by the agent: one batch = one transaction of bulk upserts and deletes.

Every statement is built once per database dialect and table and executed with the batch's rows
as parameters (``executemany``), so SQLAlchemy compiles it once and reuses it for every batch
instead of compiling a fresh multi-row statement per chunk. Deletes go key by key through the
primary key (or the article index for search words): an index lookup each, whatever the
table's statistics say.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Delete, Insert, Table, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connectors.cloud.contract import RECORD_TYPES, MasterDataAck, MasterDataBatch, MasterKind
from connectors.cloud.server import freshness, table_stats
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
KEY_COLUMNS = ("company_id", "record_key")
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def apply_batch(session: Session, company_id: int, batch: MasterDataBatch) -> MasterDataAck:
    """Upsert ``batch.records`` and delete ``batch.deleted`` for the company.

    Validation happens first (``ValueError`` from pydantic on a bad record), so a bad batch
    changes nothing. The caller's transaction makes the whole batch atomic; applying the same
    batch again leaves the same rows. The last occurrence of a key in a batch wins, and a key
    both upserted and deleted in one batch is kept (the upsert wins).
    """
    rows = batch_rows(batch, company_id)
    upserted_keys = {row["record_key"] for row in rows}
    deleted_keys = [key for key in dict.fromkeys(batch.deleted) if key not in upserted_keys]
    table: Table = TABLES[batch.kind].__table__  # type: ignore[attr-defined]
    conn = session.connection()
    if rows:
        conn.execute(upsert_statement(conn.dialect.name, table), rows)
    if deleted_keys:
        conn.execute(delete_statement(table),
                     [{"company_id": company_id, "record_key": key} for key in deleted_keys])
    if batch.kind is MasterKind.ARTICLES:
        replace_search_words(conn, company_id, rows, [*upserted_keys, *deleted_keys])
        table_stats.refresh_if_stale(conn, table, ArticleWordRow.__table__)  # type: ignore[arg-type]
    else:
        table_stats.refresh_if_stale(conn, table)
    freshness.mark_applied(session, company_id)
    return MasterDataAck(
        kind=batch.kind, batch_id=batch.batch_id, upserted=len(rows), deleted=len(deleted_keys)
    )


def batch_rows(batch: MasterDataBatch, company_id: int) -> list[dict[str, Any]]:
    """The validated table rows of ``batch.records``, one per key (the last occurrence wins)."""
    adapter = _list_adapter(batch.kind)
    records = adapter.validate_python(batch.records)  # raises ValueError on a bad record
    dumped = adapter.dump_python(records)
    now = utcnow()
    rows_by_key: dict[str, dict[str, Any]] = {}
    for record, row in zip(records, dumped, strict=True):
        key = record.key
        row["company_id"] = company_id
        row["record_key"] = key
        row["updated_at"] = now
        rows_by_key[key] = row
    return list(rows_by_key.values())


def replace_search_words(
    conn: Connection, company_id: int, rows: list[dict[str, Any]], codes: list[str]
) -> None:
    """Forget the search words of ``codes`` and store those of the upserted article ``rows``."""
    table: Table = ArticleWordRow.__table__  # type: ignore[assignment]
    if codes:
        conn.execute(_word_delete_statement(),
                     [{"company_id": company_id, "article_code": code} for code in codes])
    words = [
        (company_id, word, row["code"])
        for row in rows
        for word in article_words(row["code"], row["description"], row["extra_description"],
                                  row["synonym"], row["barcode"])
    ]
    if not words:
        return
    if conn.dialect.name == "postgresql":  # COPY: several times faster than any INSERT
        _copy_rows(conn, table, ("company_id", "word", "article_code"), words)
    else:
        conn.execute(table.insert(), [
            {"company_id": c, "word": w, "article_code": a} for c, w, a in words])


def _copy_rows(conn: Connection, table: Table, columns: tuple[str, ...],
               rows: list[tuple[Any, ...]]) -> None:
    """``COPY table (columns) FROM STDIN`` on the session's own psycopg connection (and so
    inside its transaction). Only for plain text and integer columns (no type processing)."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


@cache
def _list_adapter(kind: MasterKind) -> TypeAdapter[Any]:
    """Validates and dumps a whole list of records of ``kind`` in one call each."""
    return TypeAdapter(list[RECORD_TYPES[kind]])  # type: ignore[valid-type]


@cache
def upsert_statement(dialect: str, table: Table) -> Insert:
    """``INSERT ... ON CONFLICT (company_id, record_key) DO UPDATE`` for one row's parameters."""
    try:
        stmt = _INSERTS[dialect](table)
    except KeyError:  # pragma: no cover - only the two supported databases reach here
        raise RuntimeError(f"unsupported database dialect {dialect!r}") from None
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in KEY_COLUMNS],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in KEY_COLUMNS},
    )


@cache
def delete_statement(table: Table) -> Delete:
    """Delete one row by its primary key (``company_id``, ``record_key``)."""
    return delete(table).where(
        table.c.company_id == bindparam("company_id"),
        table.c.record_key == bindparam("record_key"),
    )


@cache
def _word_delete_statement() -> Delete:
    table: Table = ArticleWordRow.__table__  # type: ignore[assignment]
    return delete(table).where(
        table.c.company_id == bindparam("company_id"),
        table.c.article_code == bindparam("article_code"),
    )
