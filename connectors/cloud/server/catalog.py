"""Read-side queries over the synced master data: portfolios, customers and catalog items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, intersect, or_, select, text
from sqlalchemy.orm import Session

from connectors.cloud.server.code_lists import PerDialect, among
from connectors.cloud.server.images import image_versions
from connectors.cloud.server.models import (
    ArticleRow,
    ArticleWordRow,
    CustomerRow,
    Order,
    PriceListRow,
    PriceRow,
    SaleConditionRow,
    StockRow,
)
from connectors.cloud.server.pricing import net_unit_price
from connectors.cloud.server.search_words import prefix_bounds, query_terms

MAX_PORTFOLIO_ROWS = 200
MAX_FAMILIES = 200


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One article as a given customer sees it."""

    code: str
    description: str
    extra_description: str
    unit: str
    vat_rate: Decimal
    allows_fractions: bool
    list_price: Decimal
    net_price: Decimal  # after the customer's discount
    stock: Decimal | None  # available across deposits; None when the article has no stock control
    image: str | None = None  # the version of its image (in the image URL); None: placeholder


@dataclass(frozen=True, slots=True)
class CatalogPage:
    items: list[CatalogItem]
    page: int
    has_next: bool


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def seller_customers(
    session: Session, company_id: int, seller_code: str, query: str = ""
) -> list[CustomerRow]:
    """The seller's enabled customers, by name, optionally filtered by name, code or CUIT."""
    return search_customers(session, company_id, query, seller_code=seller_code)


def search_customers(
    session: Session, company_id: int, query: str = "", *, seller_code: str | None = None,
    limit: int = MAX_PORTFOLIO_ROWS,
) -> list[CustomerRow]:
    """Enabled customers (of one seller, or all) by name, matching name, code or CUIT."""
    stmt = select(CustomerRow).where(
        CustomerRow.company_id == company_id,
        CustomerRow.enabled.is_(True),
    )
    if seller_code is not None:
        stmt = stmt.where(CustomerRow.seller_code == seller_code)
    term = query.strip()
    if term:
        pattern = _like(term)
        digits = "".join(ch for ch in term if ch.isdigit())
        conditions = [
            func.lower(CustomerRow.name).like(pattern, escape="\\"),
            func.lower(CustomerRow.trade_name).like(pattern, escape="\\"),
            func.lower(CustomerRow.code).like(pattern, escape="\\"),
        ]
        if digits:
            conditions.append(
                func.replace(CustomerRow.tax_id, "-", "").like(f"%{digits}%")
            )
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.order_by(CustomerRow.name).limit(min(limit, MAX_PORTFOLIO_ROWS))
    return list(session.scalars(stmt))


# The lookups every page makes are built once, with bound parameters: building a statement
# costs more than running it from SQLAlchemy's compiled cache.
_COMPANY_CUSTOMER = select(CustomerRow).where(
    CustomerRow.company_id == bindparam("company"),
    CustomerRow.record_key == bindparam("code"),  # the key is the code: the primary key
)
_SELLER_CUSTOMER = _COMPANY_CUSTOMER.where(CustomerRow.seller_code == bindparam("seller"))
_PRICE_LIST = select(PriceListRow).where(
    PriceListRow.company_id == bindparam("company"), PriceListRow.number == bindparam("number"))
_SALE_CONDITION = select(SaleConditionRow).where(
    SaleConditionRow.company_id == bindparam("company"),
    SaleConditionRow.code == bindparam("code"))


def company_customer(session: Session, company_id: int, customer_code: str) -> CustomerRow | None:
    """Any customer of the company (enabled or not), or None."""
    return session.scalar(_COMPANY_CUSTOMER, {"company": company_id, "code": customer_code})


def seller_customer(
    session: Session, company_id: int, seller_code: str, customer_code: str
) -> CustomerRow | None:
    """One customer of the seller's portfolio (enabled or not), or None."""
    return session.scalar(_SELLER_CUSTOMER, {"company": company_id, "code": customer_code,
                                             "seller": seller_code})


def price_list(session: Session, company_id: int, number: int | None) -> PriceListRow | None:
    if number is None:
        return None
    return session.scalar(_PRICE_LIST, {"company": company_id, "number": number})


def sale_condition(session: Session, company_id: int, code: int | None) -> SaleConditionRow | None:
    if code is None:
        return None
    return session.scalar(_SALE_CONDITION, {"company": company_id, "code": code})


def _priced_articles(company_id: int, list_number: int):  # type: ignore[no-untyped-def]
    # Only the columns a catalog line shows: plain rows, no ORM entities to build.
    return (
        select(ArticleRow.code, ArticleRow.description, ArticleRow.extra_description,
               ArticleRow.unit, ArticleRow.vat_rate, ArticleRow.allows_fractions,
               ArticleRow.manages_stock, PriceRow.price)
        .join(
            PriceRow,
            and_(
                PriceRow.company_id == ArticleRow.company_id,
                PriceRow.article_code == ArticleRow.code,
                PriceRow.price_list == list_number,
            ),
        )
        .where(ArticleRow.company_id == company_id, ArticleRow.sellable.is_(True))
    )


_PRICED = _priced_articles(bindparam("company"), bindparam("list"))  # type: ignore[arg-type]
_PRICED_BY_CODE = PerDialect(
    lambda dialect: _PRICED.where(among(ArticleRow.record_key, "codes", dialect)))
_STOCK = PerDialect(lambda dialect: select(
    StockRow.article_code, StockRow.on_hand, StockRow.committed).where(
    StockRow.company_id == bindparam("company"),
    among(StockRow.article_code, "codes", dialect)))


def catalog_page(
    session: Session,
    company_id: int,
    customer: CustomerRow,
    *,
    query: str = "",
    family: str = "",
    page: int = 1,
    page_size: int = 60,
) -> CatalogPage:
    """Sellable articles priced in the customer's list, by description, one page at a time.

    ``query``: every word typed must start a word of the article's code, description,
    synonym or barcode (``search_words``); ``family`` keeps one rubro.
    """
    if customer.price_list is None:
        return CatalogPage(items=[], page=1, has_next=False)
    stmt = _PRICED
    if family:
        stmt = stmt.where(ArticleRow.family == family)
    terms = query_terms(query)
    order = [ArticleRow.description, ArticleRow.code]  # browsing: read in index order
    if terms:
        stmt = stmt.where(ArticleRow.record_key.in_(_codes_matching(company_id, terms)))
        # Searching: start from the few matching words, then sort them. Ordering by an
        # expression keeps the planner from walking the whole description index instead.
        order = [func.lower(ArticleRow.description), ArticleRow.code]
    page = max(1, page)
    rows = session.execute(
        stmt.order_by(*order)
        .offset((page - 1) * page_size)
        .limit(page_size + 1),
        {"company": company_id, "list": customer.price_list},
    ).all()
    items = _items(session, company_id, customer, rows[:page_size])
    return CatalogPage(items=items, page=page, has_next=len(rows) > page_size)


def _codes_matching(company_id: int, terms: list[str]):  # type: ignore[no-untyped-def]
    """SQL: codes of the articles having a word that starts with each of ``terms``."""
    selects = []
    for term in terms:
        low, high = prefix_bounds(term)
        selects.append(
            select(ArticleWordRow.article_code).where(
                ArticleWordRow.company_id == company_id,
                ArticleWordRow.word >= low,
                ArticleWordRow.word < high,
            )
        )
    return selects[0] if len(selects) == 1 else intersect(*selects)


# A loose index scan: one seek in ix_md_articles_family per rubro, instead of reading the
# family of every article (DISTINCT) on each catalog page. Same SQL on SQLite and PostgreSQL.
_FAMILIES_SQL = text("""
WITH RECURSIVE f(name, n) AS (
  SELECT (SELECT min(family) FROM md_articles WHERE company_id = :company AND family > ''), 1
  UNION ALL
  SELECT (SELECT min(family) FROM md_articles WHERE company_id = :company AND family > f.name),
         f.n + 1
  FROM f WHERE f.name IS NOT NULL AND f.n < :most
)
SELECT name FROM f WHERE name IS NOT NULL
""")


def families(session: Session, company_id: int) -> list[str]:
    """The rubros of the company's articles, alphabetically."""
    rows = session.execute(_FAMILIES_SQL, {"company": company_id, "most": MAX_FAMILIES})
    return [name for (name,) in rows]


def last_orders(
    session: Session, company_id: int, customer_code: str, limit: int = 5
) -> list[Order]:
    """The customer's most recent orders, newest first."""
    return list(
        session.scalars(
            select(Order)
            .where(Order.company_id == company_id, Order.customer_code == customer_code)
            .order_by(Order.confirmed_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def catalog_items_by_code(
    session: Session, company_id: int, customer: CustomerRow, codes: Iterable[str]
) -> dict[str, CatalogItem]:
    """The orderable items among ``codes`` (unknown, unsellable or unpriced codes are absent)."""
    codes = list(dict.fromkeys(codes))
    if not codes or customer.price_list is None:
        return {}
    rows = session.execute(_PRICED_BY_CODE.for_session(session), {
        "company": company_id, "list": customer.price_list, "codes": codes}).all()
    return {item.code: item for item in _items(session, company_id, customer, rows)}


def _items(
    session: Session, company_id: int, customer: CustomerRow, rows: list
) -> list[CatalogItem]:
    stock = _available_stock(session, company_id, [row.code for row in rows])
    images = image_versions(session, company_id, [row.code for row in rows])
    return [
        CatalogItem(
            code=row.code,
            description=row.description,
            extra_description=row.extra_description,
            unit=row.unit,
            vat_rate=row.vat_rate,
            allows_fractions=row.allows_fractions,
            list_price=row.price,
            net_price=net_unit_price(row.price, customer.discount_pct),
            stock=stock.get(row.code, Decimal(0)) if row.manages_stock else None,
            image=images.get(row.code),
        )
        for row in rows
    ]


def _available_stock(
    session: Session, company_id: int, codes: list[str]
) -> dict[str, Decimal]:
    """On hand less committed, summed over deposits (in Python: SQLite keeps decimals as text)."""
    totals: dict[str, Decimal] = {}
    if not codes:
        return totals
    rows = session.execute(_STOCK.for_session(session), {"company": company_id, "codes": codes})
    for code, on_hand, committed in rows:
        totals[code] = totals.get(code, Decimal(0)) + on_hand - committed
    return totals
