"""The wire contract between ACTIVO and the Castor cloud.

Both sides import this module and nothing else of each other. Every message is a pydantic
model; money and quantities are ``Decimal`` (serialised as strings in JSON, so no float ever
touches a price). ``CONTRACT_VERSION`` travels in the ``X-Castor-Contract`` header; the server
refuses versions it does not speak.

HTTP surface (all under ``/api/v1/agent``, bearer token in ``Authorization``):

========  =====================================  =========================  =====================
method    path                                   body                       answer
========  =====================================  =========================  =====================
POST      /orders/lease                          ``LeaseRequest``           ``LeasedOrders``
POST      /orders/{code}/ack                     ``OrderAck``               ``Accepted``
POST      /orders/{code}/failure                 ``OrderFailure``           ``Accepted``
POST      /master-data                           ``MasterDataBatch``        ``MasterDataAck``
POST      /heartbeat                             ``Heartbeat``              ``HeartbeatAck``
========  =====================================  =========================  =====================

A missing or wrong token is answered 401 with ``ErrorBody``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CONTRACT_VERSION = 1
CONTRACT_HEADER = "X-Castor-Contract"
AGENT_API_PREFIX = "/api/v1/agent"

MAX_ORDER_CODE = 20  # GVA21.ID_EXTERNO is varchar(20)
MAX_LEASE_WAIT_SECONDS = 30
MAX_LEASE_ORDERS = 50
MAX_BATCH_RECORDS = 5000

Money = Annotated[Decimal, Field(max_digits=22, decimal_places=7)]
Quantity = Annotated[Decimal, Field(max_digits=22, decimal_places=7)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=12, decimal_places=7)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Channel(StrEnum):
    """Where an order was taken."""

    VENDEDOR = "vendedor"  # Vendedor Móvil
    PREVENTA = "preventa"  # Preventa Telefónica
    AUTOGESTION = "autogestion"  # Autogestión Clientes


CHANNEL_LABELS_ES = {
    Channel.VENDEDOR: "Vendedor Móvil",
    Channel.PREVENTA: "Preventa Telefónica",
    Channel.AUTOGESTION: "Autogestión Clientes",
}


# --------------------------------------------------------------------------- orders


class OrderLine(_Model):
    """One line of a confirmed order, priced as the customer saw it."""

    line_no: int = Field(ge=1)
    article_code: str = Field(min_length=1, max_length=15)
    description: str = Field(default="", max_length=200)
    quantity: Quantity = Field(gt=0)
    unit_price: Money = Field(ge=0)  # price-list price; includes IVA iff the order says so
    discount_pct: Percent = Decimal(0)  # line discount
    vat_rate: Percent = Decimal(0)  # IVA % of the article at confirmation time


class ConfirmedOrder(_Model):
    """An order confirmed in the cloud and ready to become a Tango pedido."""

    contract_version: int = CONTRACT_VERSION
    code: str = Field(min_length=1, max_length=MAX_ORDER_CODE, pattern=r"^[A-Za-z0-9\-]+$")
    channel: Channel
    customer_code: str = Field(min_length=1, max_length=6)
    seller_code: str | None = Field(default=None, max_length=10)
    price_list: int
    prices_include_vat: bool
    sale_condition: int
    customer_discount_pct: Percent = Decimal(0)
    deposit_code: str | None = Field(default=None, max_length=2)
    transport_code: str | None = Field(default=None, max_length=10)
    observations: str = Field(default="", max_length=2000)
    customer_po: str | None = Field(default=None, max_length=20)
    delivery_date: date | None = None
    confirmed_at: datetime
    placed_by: str = Field(default="", max_length=120)  # e-mail of the person who confirmed
    lines: list[OrderLine] = Field(min_length=1, max_length=500)

    @field_validator("confirmed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("confirmed_at must be timezone-aware")
        return value


class LeaseRequest(_Model):
    wait_seconds: int = Field(default=20, ge=0, le=MAX_LEASE_WAIT_SECONDS)
    max_orders: int = Field(default=10, ge=1, le=MAX_LEASE_ORDERS)


class LeasedOrder(_Model):
    order: ConfirmedOrder
    lease_token: str
    lease_expires_at: datetime
    attempt: int = Field(ge=1)


class LeasedOrders(_Model):
    orders: list[LeasedOrder]


class OrderAck(_Model):
    """The order is in Tango: number and whether it was already there (a repeat delivery)."""

    lease_token: str
    tango_talonario: int
    tango_number: str = Field(min_length=14, max_length=14)  # NRO_PEDIDO, e.g. X0065200001018
    already_present: bool = False
    written_at: datetime


class FailureKind(StrEnum):
    BUSINESS = "business"  # the data is wrong: park until someone fixes it and retries
    TRANSIENT = "transient"  # try again later: network, lock timeout, deadlock
    CONFIGURATION = "configuration"  # the agent's setup is wrong: nothing will work until fixed


class OrderFailure(_Model):
    lease_token: str
    kind: FailureKind
    message_es: str = Field(min_length=1, max_length=500)  # shown to the admin, seller, customer
    detail: str = Field(default="", max_length=2000)  # technical detail, English


class Accepted(_Model):
    ok: Literal[True] = True
    status: str = ""


# --------------------------------------------------------------------------- master data


class MasterKind(StrEnum):
    ARTICLES = "articles"
    PRICE_LISTS = "price_lists"
    PRICES = "prices"
    CUSTOMERS = "customers"
    SELLERS = "sellers"
    SALE_CONDITIONS = "sale_conditions"
    DEPOSITS = "deposits"
    STOCK = "stock"
    VAT_RATES = "vat_rates"


class Article(_Model):
    code: str = Field(min_length=1, max_length=15)  # STA11.COD_ARTICU
    description: str = Field(max_length=50)
    extra_description: str = Field(default="", max_length=20)
    synonym: str = Field(default="", max_length=15)
    barcode: str = Field(default="", max_length=40)
    family: str = Field(default="", max_length=60)  # rubro
    sellable: bool = True  # PERFIL <> 'N'
    manages_stock: bool = True
    vat_rate: Percent = Decimal("21")
    allows_fractions: bool = False
    unit: str = Field(default="", max_length=20)

    @property
    def key(self) -> str:
        return self.code


class PriceList(_Model):
    number: int  # GVA10.NRO_DE_LIS
    name: str = Field(max_length=20)
    enabled: bool = True
    includes_vat: bool = False

    @property
    def key(self) -> str:
        return str(self.number)


class Price(_Model):
    price_list: int
    article_code: str = Field(max_length=15)
    price: Money = Field(ge=0)

    @property
    def key(self) -> str:
        return f"{self.price_list}|{self.article_code}"


class Customer(_Model):
    code: str = Field(min_length=1, max_length=6)  # GVA14.COD_CLIENT
    name: str = Field(max_length=60)
    trade_name: str = Field(default="", max_length=60)
    tax_id: str = Field(default="", max_length=20)  # CUIT
    email: str = Field(default="", max_length=255)
    address: str = Field(default="", max_length=60)
    city: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=30)
    sale_condition: int | None = None
    price_list: int | None = None
    discount_pct: Percent = Decimal(0)
    seller_code: str | None = Field(default=None, max_length=10)
    transport_code: str | None = Field(default=None, max_length=10)
    credit_limit: Money | None = None
    balance: Money | None = None
    enabled: bool = True

    @property
    def key(self) -> str:
        return self.code


class Seller(_Model):
    code: str = Field(min_length=1, max_length=10)
    name: str = Field(max_length=30)
    email: str = Field(default="", max_length=60)
    enabled: bool = True

    @property
    def key(self) -> str:
        return self.code


class SaleCondition(_Model):
    code: int
    description: str = Field(max_length=60)
    cash: bool = False

    @property
    def key(self) -> str:
        return str(self.code)


class Deposit(_Model):
    code: str = Field(min_length=1, max_length=2)
    name: str = Field(max_length=30)
    enabled: bool = True

    @property
    def key(self) -> str:
        return self.code


class Stock(_Model):
    article_code: str = Field(max_length=15)
    deposit_code: str = Field(max_length=2)
    on_hand: Quantity
    committed: Quantity = Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.committed

    @property
    def key(self) -> str:
        return f"{self.article_code}|{self.deposit_code}"


class VatRate(_Model):
    code: int
    description: str = Field(default="", max_length=20)
    rate: Percent

    @property
    def key(self) -> str:
        return str(self.code)


RECORD_TYPES: dict[MasterKind, type[_Model]] = {
    MasterKind.ARTICLES: Article,
    MasterKind.PRICE_LISTS: PriceList,
    MasterKind.PRICES: Price,
    MasterKind.CUSTOMERS: Customer,
    MasterKind.SELLERS: Seller,
    MasterKind.SALE_CONDITIONS: SaleCondition,
    MasterKind.DEPOSITS: Deposit,
    MasterKind.STOCK: Stock,
    MasterKind.VAT_RATES: VatRate,
}

# Order in which kinds are pushed: referenced kinds before the kinds that reference them.
PUSH_ORDER: tuple[MasterKind, ...] = (
    MasterKind.VAT_RATES,
    MasterKind.SALE_CONDITIONS,
    MasterKind.PRICE_LISTS,
    MasterKind.DEPOSITS,
    MasterKind.SELLERS,
    MasterKind.ARTICLES,
    MasterKind.PRICES,
    MasterKind.CUSTOMERS,
    MasterKind.STOCK,
)

MasterRecord = (
    Article | PriceList | Price | Customer | Seller | SaleCondition | Deposit | Stock | VatRate
)


class MasterDataBatch(_Model):
    """Records of one kind to upsert and keys to delete. Applying a batch twice is harmless."""

    kind: MasterKind
    batch_id: str = Field(min_length=1, max_length=64)
    records: list[dict] = Field(default_factory=list, max_length=MAX_BATCH_RECORDS)
    deleted: list[str] = Field(default_factory=list, max_length=MAX_BATCH_RECORDS)

    def typed_records(self) -> list[MasterRecord]:
        """Validate ``records`` against the model of ``kind``."""
        model = RECORD_TYPES[self.kind]
        return [model.model_validate(r) for r in self.records]  # type: ignore[misc]

    @classmethod
    def of(
        cls, kind: MasterKind, batch_id: str, records: list, deleted: list[str] | None = None
    ) -> MasterDataBatch:
        return cls(
            kind=kind,
            batch_id=batch_id,
            records=[r.model_dump(mode="json") for r in records],
            deleted=list(deleted or []),
        )


class MasterDataAck(_Model):
    kind: MasterKind
    batch_id: str
    upserted: int
    deleted: int


# --------------------------------------------------------------------------- heartbeat


class Heartbeat(_Model):
    agent_version: str
    host: str = Field(max_length=255)
    started_at: datetime
    sent_at: datetime
    last_order_ok_at: datetime | None = None
    last_master_sync_at: datetime | None = None
    orders_pending: int = 0
    orders_in_error: int = 0
    errors_last_hour: int = 0
    take_over: bool = False


class HeartbeatAck(_Model):
    server_time: datetime
    company: str


class ErrorBody(_Model):
    detail: str


# --------------------------------------------------------------------------- article images
#
# ========  =====================================  =========================  =====================
# GET       /images                                (``If-None-Match``)        ``ImageManifest``
# PUT       /images/{code}                         multipart (see below)      ``ImageAck``
# DELETE    /images/{code}                         —                          ``ImageAck``
# ========  =====================================  =========================  =====================
#
# The PUT is ``multipart/form-data`` with the fields ``source_sha256`` (the SHA-256 of the file
# in the images folder) and the files ``thumb`` and ``detail``, both WebP. The manifest carries
# a strong ``ETag``; answered 304 when the agent's copy is current.

IMAGE_PARTS = ("thumb", "detail")
MAX_IMAGE_CODE = 15  # STA11.COD_ARTICU
MAX_THUMB_BYTES = 15 * 1024  # a catalog line on a weak signal
MAX_DETAIL_BYTES = 1024 * 1024
THUMB_MAX_SIDE = 512  # pixels, both renditions keep the aspect
DETAIL_MAX_SIDE = 2048
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class ImageEntry(_Model):
    """One article image the cloud holds: what it came from and the version its URLs carry."""

    article_code: str = Field(min_length=1, max_length=MAX_IMAGE_CODE)
    source_sha256: str = Field(pattern=SHA256_PATTERN)
    version: str = Field(min_length=1, max_length=40)
    thumb_bytes: int = Field(ge=0)
    detail_bytes: int = Field(ge=0)


class ImageManifest(_Model):
    images: list[ImageEntry] = Field(default_factory=list)


class ImageAck(_Model):
    article_code: str
    status: Literal["stored", "unchanged", "deleted", "absent"]
    version: str | None = None
    source_sha256: str | None = None
