"""Database tables of the cloud server, one ORM class each.

Every tenant-owned row carries ``company_id``; every query filters on it. Master data tables
mirror the contract records field by field (same column names), keyed by company and the
record's ``key``, so a batch upsert is one generic statement per kind.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from connectors.cloud.server.sqltypes import ExactDecimal, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _money() -> Mapped[Decimal]:
    return mapped_column(ExactDecimal(22, 7), nullable=False, default=Decimal(0))


def _percent() -> Mapped[Decimal]:
    return mapped_column(ExactDecimal(12, 7), nullable=False, default=Decimal(0))


# --------------------------------------------------------------------------- tenants and people


class Company(Base):
    """A tenant: one distributor with its own users, master data, orders and agent."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    notify_email: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrderSequence(Base):
    """The last order number handed out per company (numbers are never reused)."""

    __tablename__ = "order_sequences"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """Someone who logs into the web: admin, seller, phone clerk or customer."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(String(255), index=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    seller_code: Mapped[str | None] = mapped_column(String(10))  # Tango GVA23.COD_VENDED
    customer_code: Mapped[str | None] = mapped_column(String(6))  # Tango GVA14.COD_CLIENT
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    company: Mapped[Company] = relationship(lazy="joined")


class AgentToken(Base):
    """A bearer token of a company's ACTIVO agent; only its SHA-256 is kept."""

    __tablename__ = "agent_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A logged-in browser. The cookie holds a random id; the table holds only its SHA-256."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    persistent: Mapped[bool] = mapped_column(Boolean, default=False)  # «Mantener la sesión»
    # Last request seen, refreshed at most every few minutes (the idle timeout reads it).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class AgentHeartbeat(Base):
    """The latest heartbeat of each company's agent."""

    __tablename__ = "agent_heartbeats"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    agent_version: Mapped[str] = mapped_column(String(40))
    host: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_order_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_master_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    orders_pending: Mapped[int] = mapped_column(Integer, default=0)
    orders_in_error: Mapped[int] = mapped_column(Integer, default=0)
    errors_last_hour: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the «ACTIVO sin conexión» alert went out; cleared (with a «volvió» alert) on the
    # next heartbeat. Conditional UPDATEs on it make each alert go out exactly once.
    offline_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------- accounts and mail


class CompanySettings(Base):
    """Per-company mail settings; empty SMTP fields fall back to the server defaults.

    The company's own SMTP password is kept only encrypted with the server key
    (``CASTOR_SECRET_KEY``, see ``secret_box``); the server's own comes from the environment.
    """

    __tablename__ = "company_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    notify_emails: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    mail_from: Mapped[str] = mapped_column(String(255), default="")
    smtp_host: Mapped[str] = mapped_column(String(255), default="")
    smtp_port: Mapped[int | None] = mapped_column(Integer)
    smtp_user: Mapped[str] = mapped_column(String(255), default="")
    smtp_security: Mapped[str] = mapped_column(String(10), default="")  # starttls|ssl|none|""
    smtp_password_sealed: Mapped[str] = mapped_column(Text, default="")  # ciphertext, or ""
    offline_alert_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccountToken(Base):
    """A one-time link sent by e-mail: an invitation or a password reset (SHA-256 kept only)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))  # invite | reset
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailure(Base):
    """One failed login, counted per account and per address for throttling."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "scope", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # account | address
    key: Mapped[str] = mapped_column(String(255))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxMail(Base):
    """An e-mail waiting to be sent (or sent). Workers claim rows with a lease."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    to_addr: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------- master data


class MasterRow:
    """Columns shared by every master data table."""

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ArticleRow(MasterRow, Base):
    __tablename__ = "md_articles"
    __table_args__ = (
        # The catalog is listed by description (and by rubro): read in index order, no sort.
        Index("ix_md_articles_description", "company_id", "description", "code"),
        Index("ix_md_articles_family", "company_id", "family", "description"),
    )

    code: Mapped[str] = mapped_column(String(15))
    description: Mapped[str] = mapped_column(String(50))
    extra_description: Mapped[str] = mapped_column(String(20), default="")
    synonym: Mapped[str] = mapped_column(String(15), default="")
    barcode: Mapped[str] = mapped_column(String(40), default="")
    family: Mapped[str] = mapped_column(String(60), default="")
    sellable: Mapped[bool] = mapped_column(Boolean, default=True)
    manages_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    vat_rate: Mapped[Decimal] = _percent()
    allows_fractions: Mapped[bool] = mapped_column(Boolean, default=False)
    unit: Mapped[str] = mapped_column(String(20), default="")


class ArticleWordRow(Base):
    """One search word of an article (see ``search_words``), kept with the article's upsert."""

    __tablename__ = "md_article_words"
    __table_args__ = (Index("ix_md_article_words_article", "company_id", "article_code"),)

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    word: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_code: Mapped[str] = mapped_column(String(15), primary_key=True)


class PriceListRow(MasterRow, Base):
    __tablename__ = "md_price_lists"

    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    includes_vat: Mapped[bool] = mapped_column(Boolean, default=False)


class PriceRow(MasterRow, Base):
    __tablename__ = "md_prices"
    __table_args__ = (
        Index("ix_md_prices_list_article", "company_id", "price_list", "article_code"),
    )

    price_list: Mapped[int] = mapped_column(Integer)
    article_code: Mapped[str] = mapped_column(String(15))
    price: Mapped[Decimal] = _money()


class CustomerRow(MasterRow, Base):
    __tablename__ = "md_customers"
    __table_args__ = (Index("ix_md_customers_seller", "company_id", "seller_code"),)

    code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(60))
    trade_name: Mapped[str] = mapped_column(String(60), default="")
    tax_id: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(60), default="")
    city: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    sale_condition: Mapped[int | None] = mapped_column(Integer)
    price_list: Mapped[int | None] = mapped_column(Integer)
    discount_pct: Mapped[Decimal] = _percent()
    seller_code: Mapped[str | None] = mapped_column(String(10))
    transport_code: Mapped[str | None] = mapped_column(String(10))
    credit_limit: Mapped[Decimal | None] = mapped_column(ExactDecimal(22, 7))
    balance: Mapped[Decimal | None] = mapped_column(ExactDecimal(22, 7))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class SellerRow(MasterRow, Base):
    __tablename__ = "md_sellers"

    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(30))
    email: Mapped[str] = mapped_column(String(60), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class SaleConditionRow(MasterRow, Base):
    __tablename__ = "md_sale_conditions"

    code: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(60))
    cash: Mapped[bool] = mapped_column(Boolean, default=False)


class DepositRow(MasterRow, Base):
    __tablename__ = "md_deposits"

    code: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(30))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class StockRow(MasterRow, Base):
    __tablename__ = "md_stock"
    __table_args__ = (Index("ix_md_stock_article", "company_id", "article_code"),)

    article_code: Mapped[str] = mapped_column(String(15))
    deposit_code: Mapped[str] = mapped_column(String(2))
    on_hand: Mapped[Decimal] = _money()
    committed: Mapped[Decimal] = _money()


class VatRateRow(MasterRow, Base):
    __tablename__ = "md_vat_rates"

    code: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(20), default="")
    rate: Mapped[Decimal] = _percent()


# --------------------------------------------------------------------------- orders


class Order(Base):
    """A confirmed order and its journey to Tango (status, lease, result)."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("company_id", "code"),
        # One order per rendered form: a double tap on a weak connection confirms once.
        UniqueConstraint("company_id", "submission_id", name="uq_orders_company_submission"),
        Index("ix_orders_company_status", "company_id", "status"),
        # A customer's last orders (card, history, «repetir pedido»).
        Index("ix_orders_company_customer", "company_id", "customer_code", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    code: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    customer_code: Mapped[str] = mapped_column(String(6))
    customer_name: Mapped[str] = mapped_column(String(60), default="")
    seller_code: Mapped[str | None] = mapped_column(String(10))
    price_list: Mapped[int] = mapped_column(Integer)
    prices_include_vat: Mapped[bool] = mapped_column(Boolean)
    sale_condition: Mapped[int] = mapped_column(Integer)
    customer_discount_pct: Mapped[Decimal] = _percent()
    deposit_code: Mapped[str | None] = mapped_column(String(2))
    transport_code: Mapped[str | None] = mapped_column(String(10))
    observations: Mapped[str] = mapped_column(Text, default="")
    customer_po: Mapped[str | None] = mapped_column(String(20))
    delivery_date: Mapped[date | None] = mapped_column(Date)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    placed_by: Mapped[str] = mapped_column(String(120), default="")
    placed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submission_id: Mapped[str | None] = mapped_column(String(64))
    lease_token: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    tango_talonario: Mapped[int | None] = mapped_column(Integer)
    tango_number: Mapped[str | None] = mapped_column(String(14))
    tango_written_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_kind: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(String(500))
    error_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLineRow]] = relationship(
        order_by="OrderLineRow.line_no", cascade="all, delete-orphan", lazy="selectin"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_code: Mapped[str] = mapped_column(String(15))
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[Decimal] = _money()
    unit_price: Mapped[Decimal] = _money()
    discount_pct: Mapped[Decimal] = _percent()
    vat_rate: Mapped[Decimal] = _percent()


# --------------------------------------------------------------------------- carts


class Cart(Base):
    """An order being put together, kept on the server so it survives pages and devices.

    One per person and customer: a seller has one per customer they visit, a customer one.
    """

    __tablename__ = "carts"
    __table_args__ = (
        UniqueConstraint("company_id", "user_id", "customer_code", name="uq_carts_owner"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_code: Mapped[str] = mapped_column(String(6))
    observations: Mapped[str] = mapped_column(Text, default="")
    delivery_date: Mapped[str] = mapped_column(String(10), default="")  # as typed, aaaa-mm-dd
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(
        order_by="CartLine.position", cascade="all, delete-orphan", lazy="selectin"
    )


class CartLine(Base):
    __tablename__ = "cart_lines"

    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), primary_key=True)
    article_code: Mapped[str] = mapped_column(String(15), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = _money()
    # Why the line wants a look, e.g. copied from an old order at a price that changed.
    notice: Mapped[str] = mapped_column(String(200), default="")


# --------------------------------------------------------------------------- article images


class ArticleImageRow(Base):
    """An article's image, both WebP renditions, as the agent rendered them from its folder.

    Keyed by the article code in upper case (how the agent names them). ``version`` is in the
    image URLs, so a URL's content never changes and browsers may keep it for a year.
    """

    __tablename__ = "article_images"
    __table_args__ = (UniqueConstraint("company_id", "article_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    article_code: Mapped[str] = mapped_column(String(15))
    source_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(40))  # digest of both renditions
    thumb: Mapped[bytes] = mapped_column(LargeBinary)
    detail: Mapped[bytes] = mapped_column(LargeBinary)
    thumb_bytes: Mapped[int] = mapped_column(Integer)
    detail_bytes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
