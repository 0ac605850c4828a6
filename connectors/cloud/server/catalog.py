"""Read-side queries over the synced master data: portfolios, customers and catalog items."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from connectors.cloud.server.models import (
    ArticleRow,
    CustomerRow,
    PriceListRow,
    PriceRow,
    SaleConditionRow,
    StockRow,
)
from connectors.cloud.server.pricing import net_unit_price

MAX_PORTFOLIO_ROWS = 200


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
    stmt = select(CustomerRow).where(
        CustomerRow.company_id == company_id,
        CustomerRow.seller_code == seller_code,
        CustomerRow.enabled.is_(True),
    )
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
    return list(session.scalars(stmt.order_by(CustomerRow.name).limit(MAX_PORTFOLIO_ROWS)))


def seller_customer(
    session: Session, company_id: int, seller_code: str, customer_code: str
) -> CustomerRow | None:
    """One customer of the seller's portfolio (enabled or not), or None."""
    return session.scalar(
        select(CustomerRow).where(
            CustomerRow.company_id == company_id,
            CustomerRow.seller_code == seller_code,
            CustomerRow.code == customer_code,
        )
    )


def price_list(session: Session, company_id: int, number: int | None) -> PriceListRow | None:
    if number is None:
        return None
    return session.scalar(
        select(PriceListRow).where(
            PriceListRow.company_id == company_id, PriceListRow.number == number
        )
    )


def sale_condition(session: Session, company_id: int, code: int | None) -> SaleConditionRow | None:
    if code is None:
        return None
    return session.scalar(
        select(SaleConditionRow).where(
            SaleConditionRow.company_id == company_id, SaleConditionRow.code == code
        )
    )


def _priced_articles(company_id: int, list_number: int):  # type: ignore[no-untyped-def]
    return (
        select(ArticleRow, PriceRow.price)
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


def catalog_page(
    session: Session,
    company_id: int,
    customer: CustomerRow,
    *,
    query: str = "",
    page: int = 1,
    page_size: int = 60,
) -> CatalogPage:
    """Sellable articles priced in the customer's list, by description, one page at a time."""
    if customer.price_list is None:
        return CatalogPage(items=[], page=1, has_next=False)
    stmt = _priced_articles(company_id, customer.price_list)
    term = query.strip()
    if term:
        pattern = _like(term)
        stmt = stmt.where(
            or_(
                func.lower(ArticleRow.description).like(pattern, escape="\\"),
                func.lower(ArticleRow.code).like(pattern, escape="\\"),
                func.lower(ArticleRow.synonym).like(pattern, escape="\\"),
                ArticleRow.barcode == term,
            )
        )
    page = max(1, page)
    rows = session.execute(
        stmt.order_by(ArticleRow.description, ArticleRow.code)
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    ).all()
    items = _items(session, company_id, customer, rows[:page_size])
    return CatalogPage(items=items, page=page, has_next=len(rows) > page_size)


def catalog_items_by_code(
    session: Session, company_id: int, customer: CustomerRow, codes: Iterable[str]
) -> dict[str, CatalogItem]:
    """The orderable items among ``codes`` (unknown, unsellable or unpriced codes are absent)."""
    codes = list(dict.fromkeys(codes))
    if not codes or customer.price_list is None:
        return {}
    rows = session.execute(
        _priced_articles(company_id, customer.price_list).where(ArticleRow.code.in_(codes))
    ).all()
    return {item.code: item for item in _items(session, company_id, customer, rows)}


def _items(
    session: Session, company_id: int, customer: CustomerRow, rows: list
) -> list[CatalogItem]:
    stock = _available_stock(session, company_id, [article.code for article, _ in rows])
    return [
        CatalogItem(
            code=article.code,
            description=article.description,
            extra_description=article.extra_description,
            unit=article.unit,
            vat_rate=article.vat_rate,
            allows_fractions=article.allows_fractions,
            list_price=price,
            net_price=net_unit_price(price, customer.discount_pct),
            stock=stock.get(article.code, Decimal(0)) if article.manages_stock else None,
        )
        for article, price in rows
    ]


def _available_stock(
    session: Session, company_id: int, codes: list[str]
) -> dict[str, Decimal]:
    """On hand less committed, summed over deposits (in Python: SQLite keeps decimals as text)."""
    totals: dict[str, Decimal] = {}
    if not codes:
        return totals
    rows = session.execute(
        select(StockRow.article_code, StockRow.on_hand, StockRow.committed).where(
            StockRow.company_id == company_id, StockRow.article_code.in_(codes)
        )
    )
    for code, on_hand, committed in rows:
        totals[code] = totals.get(code, Decimal(0)) + on_hand - committed
    return totals
