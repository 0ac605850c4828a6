"""Read Tango's master data as contract records, streamed (never a whole table in memory).

Each kind is one SELECT read with ``fetchmany(settings.fetch_size)``; each row becomes one
record of ``connectors.cloud.contract``. Values are normalised (CHAR padding trimmed, Decimal
for money and quantities, '1'/'0' booleans). A row that cannot become a valid record is
skipped with a warning rather than stopping the whole sync.

A kind with change tracking (``connectors.tango.change_tracking``) can also be read from a
mark: only the rows changed since (``read(kind, since=mark)``), plus the cheap questions the
caller needs to notice deletions (``row_count``, ``row_keys``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import structlog
from pydantic import ValidationError

from connectors.cloud.contract import (
    PUSH_ORDER,
    Article,
    Customer,
    Deposit,
    MasterKind,
    MasterRecord,
    Price,
    PriceList,
    SaleCondition,
    Seller,
    Stock,
    VatRate,
)
from connectors.tango.change_tracking import (
    KIND_TABLES,
    MODE_COLUMNS,
    OFF,
    ChangePlan,
    count_sql,
    encode_mark,
    keys_sql,
    plan_for,
    row_key,
)
from connectors.tango.connection import Row, TangoConnection
from connectors.tango.dialects import Dialect
from connectors.tango.errors import TangoConfigError
from connectors.tango.mapping import local_naive
from connectors.tango.rules import article_sellable, customer_enabled
from connectors.tango.settings import TangoSettings
from connectors.tango.values import (
    as_bool,
    as_decimal,
    as_int,
    as_optional_text,
    as_text,
)

log = structlog.get_logger(__name__)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
DEFAULT_VAT = Decimal(21)  # an article without COD_IVA: Tango's general rate


def master_query(dialect: Dialect, kind: MasterKind, *, family_column: str | None = None,
                 with_units: bool = True, with_fractions: bool = True,
                 changed: str = "") -> str:
    """The SELECT that reads ``kind`` (column aliases are the names ``to_record`` reads);
    ``changed``: an extra condition (``ChangePlan.condition``) keeping only changed rows."""
    sql = _master_query(dialect, kind, family_column=family_column, with_units=with_units,
                        with_fractions=with_fractions)
    if not changed:
        return sql
    head, order = sql.rsplit(" ORDER BY ", 1)
    joiner = " AND " if " WHERE " in head else " WHERE "
    return f"{head}{joiner}{changed} ORDER BY {order}"


def _master_query(dialect: Dialect, kind: MasterKind, *, family_column: str | None,
                  with_units: bool, with_fractions: bool) -> str:
    t = dialect.table
    if kind == MasterKind.ARTICLES:
        family = f"a.{family_column}" if family_column else "NULL"
        fractions = "a.ADMITE_VENTA_FRACCIONADA" if with_fractions else "NULL"
        unit = "m.SIGLA_MEDIDA" if with_units else "NULL"
        units_join = (f" LEFT JOIN {t('MEDIDA')} m ON m.ID_MEDIDA = a.ID_MEDIDA_VENTAS"
                      if with_units else "")
        return ("SELECT a.COD_ARTICU, a.DESCRIPCIO, a.DESC_ADIC, a.SINONIMO, a.COD_BARRA, "
                f"a.PERFIL, a.STOCK, {fractions} AS FRACTIONS, {family} AS FAMILY, "
                f"g.PORCENTAJE AS VAT_RATE, {unit} AS UNIT "
                f"FROM {t('STA11')} a LEFT JOIN {t('GVA41')} g ON g.COD_ALICUO = a.COD_IVA"
                f"{units_join} ORDER BY a.COD_ARTICU")
    queries = {
        MasterKind.PRICE_LISTS: f"SELECT NRO_DE_LIS, NOMBRE_LIS, HABILITADA, INCLUY_IVA "
                                f"FROM {t('GVA10')} ORDER BY NRO_DE_LIS",
        MasterKind.PRICES: f"SELECT NRO_DE_LIS, COD_ARTICU, PRECIO FROM {t('GVA17')} "
                           f"WHERE PRECIO IS NOT NULL ORDER BY NRO_DE_LIS, COD_ARTICU",
        MasterKind.CUSTOMERS: "SELECT COD_CLIENT, RAZON_SOCI, NOM_COM, CUIT, E_MAIL, DOMICILIO, "
                              "LOCALIDAD, TELEFONO_1, COND_VTA, NRO_LISTA, PORC_DESC, COD_VENDED, "
                              "COD_TRANSP, CUPO_CREDI, SALDO_CC, FECHA_INHA "
                              f"FROM {t('GVA14')} ORDER BY COD_CLIENT",
        MasterKind.SELLERS: f"SELECT COD_VENDED, NOMBRE_VEN, E_MAIL, INHABILITA "
                            f"FROM {t('GVA23')} ORDER BY COD_VENDED",
        MasterKind.SALE_CONDITIONS: f"SELECT COND_VTA, DESC_COND, CONTADO FROM {t('GVA01')} "
                                    f"WHERE COND_VTA IS NOT NULL ORDER BY COND_VTA",
        MasterKind.DEPOSITS: f"SELECT COD_SUCURS, NOMBRE_SUC, INHABILITA FROM {t('STA22')} "
                             f"ORDER BY COD_SUCURS",
        MasterKind.STOCK: f"SELECT COD_ARTICU, COD_DEPOSI, CANT_STOCK, CANT_COMP "
                          f"FROM {t('STA19')} ORDER BY COD_ARTICU, COD_DEPOSI",
        MasterKind.VAT_RATES: f"SELECT COD_ALICUO, DESCRIPCIO, PORCENTAJE FROM {t('GVA41')} "
                              f"ORDER BY COD_ALICUO",
    }
    return queries[MasterKind(kind)]


def _cut(value: object, length: int) -> str:
    return as_text(value)[:length]


def _pct(value: object) -> Decimal:
    number = as_decimal(value) or Decimal(0)
    return min(max(number, Decimal(0)), Decimal(100))


def to_record(kind: MasterKind, row: Row, today: date) -> MasterRecord:
    """One catalog row as its contract record (raises ``ValueError``/``ValidationError``)."""
    if kind == MasterKind.ARTICLES:
        vat = as_decimal(row["VAT_RATE"])
        return Article(
            code=as_text(row["COD_ARTICU"]), description=_cut(row["DESCRIPCIO"], 50),
            extra_description=_cut(row["DESC_ADIC"], 20), synonym=_cut(row["SINONIMO"], 15),
            barcode=_cut(row["COD_BARRA"], 40), family=_cut(row["FAMILY"], 60),
            sellable=article_sellable(row["PERFIL"]),
            manages_stock=as_bool(row["STOCK"], default=True),
            vat_rate=DEFAULT_VAT if vat is None else vat,
            allows_fractions=as_bool(row["FRACTIONS"]), unit=_cut(row["UNIT"], 20))
    if kind == MasterKind.PRICE_LISTS:
        return PriceList(number=as_int(row["NRO_DE_LIS"]), name=_cut(row["NOMBRE_LIS"], 20),
                         enabled=as_bool(row["HABILITADA"], default=True),
                         includes_vat=as_bool(row["INCLUY_IVA"]))
    if kind == MasterKind.PRICES:
        return Price(price_list=as_int(row["NRO_DE_LIS"]), article_code=as_text(row["COD_ARTICU"]),
                     price=as_decimal(row["PRECIO"]))
    if kind == MasterKind.CUSTOMERS:
        return Customer(
            code=as_text(row["COD_CLIENT"]), name=_cut(row["RAZON_SOCI"], 60),
            trade_name=_cut(row["NOM_COM"], 60), tax_id=_cut(row["CUIT"], 20),
            email=_cut(row["E_MAIL"], 255), address=_cut(row["DOMICILIO"], 60),
            city=_cut(row["LOCALIDAD"], 60), phone=_cut(row["TELEFONO_1"], 30),
            sale_condition=as_int(row["COND_VTA"]), price_list=as_int(row["NRO_LISTA"]),
            discount_pct=_pct(row["PORC_DESC"]),
            seller_code=as_optional_text(row["COD_VENDED"]),
            transport_code=as_optional_text(row["COD_TRANSP"]),
            credit_limit=as_decimal(row["CUPO_CREDI"]), balance=as_decimal(row["SALDO_CC"]),
            enabled=customer_enabled(row["FECHA_INHA"], today))
    if kind == MasterKind.SELLERS:
        return Seller(code=as_text(row["COD_VENDED"]), name=_cut(row["NOMBRE_VEN"], 30),
                      email=_cut(row["E_MAIL"], 60), enabled=not as_bool(row["INHABILITA"]))
    if kind == MasterKind.SALE_CONDITIONS:
        return SaleCondition(code=as_int(row["COND_VTA"]), description=_cut(row["DESC_COND"], 60),
                             cash=as_bool(row["CONTADO"]))
    if kind == MasterKind.DEPOSITS:
        return Deposit(code=as_text(row["COD_SUCURS"]), name=_cut(row["NOMBRE_SUC"], 30),
                       enabled=not as_bool(row["INHABILITA"]))
    if kind == MasterKind.STOCK:
        return Stock(article_code=as_text(row["COD_ARTICU"]),
                     deposit_code=as_text(row["COD_DEPOSI"]),
                     on_hand=as_decimal(row["CANT_STOCK"]) or Decimal(0),
                     committed=as_decimal(row["CANT_COMP"]) or Decimal(0))
    if kind == MasterKind.VAT_RATES:
        return VatRate(code=as_int(row["COD_ALICUO"]), description=_cut(row["DESCRIPCIO"], 20),
                       rate=as_decimal(row["PORCENTAJE"]) or Decimal(0))
    raise ValueError(f"unknown master kind {kind!r}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MasterDataReader:
    """Streams every ``MasterKind`` from one Tango connection."""

    kinds: tuple[MasterKind, ...] = PUSH_ORDER

    def __init__(self, conn: TangoConnection, settings: TangoSettings, *,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._conn = conn
        self._settings = settings
        self._clock = clock
        self._plans: dict[MasterKind, ChangePlan | None] = {}
        self.rows_read: Counter[MasterKind] = Counter()  # rows fetched, by kind, all reads
        self.skipped: dict[MasterKind, int] = {}  # rows of the last read that were not records

    def query(self, kind: MasterKind, changed: str = "") -> str:
        """The SELECT for ``kind``, adapted to the optional columns this database has."""
        if kind != MasterKind.ARTICLES:
            return master_query(self._conn.dialect, kind, changed=changed)
        sta11 = self._conn.require_table("STA11")
        family = self._settings.family_column.strip() or None
        if family is not None and not _IDENTIFIER.match(family):
            raise TangoConfigError(f"family_column {family!r} is not a column name",
                                   f"«tango.family_column» ({family!r}) no es una columna.")
        if family is not None and family not in sta11:
            log.warning("tango.family_column_missing", column=family)
            family = None
        return master_query(self._conn.dialect, kind, family_column=family,
                            with_units=self._conn.table("MEDIDA") is not None,
                            with_fractions="ADMITE_VENTA_FRACCIONADA" in sta11, changed=changed)

    # ------------------------------------------------------------------ change tracking

    @property
    def full_read_interval(self) -> timedelta:
        """How often a tracked kind is read whole anyway (``full_read_minutes``)."""
        return timedelta(minutes=self._settings.full_read_minutes)

    def change_plan(self, kind: MasterKind) -> ChangePlan | None:
        """How ``kind`` is tracked here; None for full reads (off, or the column is missing)."""
        kind = MasterKind(kind)
        if kind not in self._plans:
            self._plans[kind] = self._make_plan(kind)
        return self._plans[kind]

    def _make_plan(self, kind: MasterKind) -> ChangePlan | None:
        mode = self._settings.change_mode(kind.value)
        if mode == OFF:
            return None
        spec = KIND_TABLES[kind]
        present = {}
        for table in (spec.table, *(t for t, _ in spec.joined)):
            catalog = self._conn.table(table)
            present[table] = frozenset(c for c in MODE_COLUMNS.values()
                                       if catalog is not None and c in catalog)
        try:
            return plan_for(kind, mode, present)
        except KeyError as exc:
            log.warning("tango.change_column_missing", kind=kind.value, column=str(exc))
            return None

    def changes(self) -> MasterDataReader:
        """The change-tracking side of this source (itself; see ``activo.push_changes``)."""
        return self

    def change_mode(self, kind: MasterKind) -> str | None:
        plan = self.change_plan(kind)
        return None if plan is None else plan.mode

    def change_anchor(self, kind: MasterKind) -> str | None:
        """The mark to keep once a read of ``kind`` started now is acknowledged (text)."""
        plan = self.change_plan(kind)
        if plan is None:
            return None
        row = self._conn.query_one(plan.anchor_sql(self._conn.dialect))
        return encode_mark(plan.mode, None if row is None else row["ANCHOR"])

    def row_count(self, kind: MasterKind) -> int:
        """How many rows of ``kind`` there are (a record each, unless invalid)."""
        row = self._conn.query_one(count_sql(self._conn.dialect, MasterKind(kind)))
        return int(row["N"]) if row is not None else 0

    def row_keys(self, kind: MasterKind) -> Iterator[str]:
        """The record key of every row of ``kind``, read as the key columns alone."""
        kind = MasterKind(kind)
        for row in self._conn.stream(keys_sql(self._conn.dialect, kind),
                                     size=self._settings.fetch_size * 10):
            yield row_key(kind, row)

    # ------------------------------------------------------------------ records

    def read(self, kind: MasterKind, since: str | None = None) -> Iterator[MasterRecord]:
        """Records of ``kind``, read ``fetch_size`` rows at a time; with ``since`` (a mark from
        ``change_anchor``) only the rows changed after it."""
        kind = MasterKind(kind)
        sql, params = self.query(kind), []
        if since is not None:
            plan = self.change_plan(kind)
            if plan is None:
                raise ValueError(f"{kind.value} has no change tracking")
            sql = self.query(kind, changed=plan.condition(self._conn.dialect))
            params = plan.params(self._conn.dialect, since,
                                 self._settings.fecha_modi_overlap_days)
        today = local_naive(self._clock()).date()
        skipped = 0
        self.skipped[kind] = 0
        for row in self._conn.stream(sql, params, size=self._settings.fetch_size):
            self.rows_read[kind] += 1
            try:
                yield to_record(kind, row, today)
            except (ValidationError, ValueError, TypeError) as exc:
                skipped += 1
                self.skipped[kind] = skipped
                log.warning("tango.record_skipped", kind=kind.value, error=str(exc)[:300])
        if skipped:
            log.warning("tango.records_skipped", kind=kind.value, count=skipped)

    def read_all(self) -> Iterator[tuple[MasterKind, Iterator[MasterRecord]]]:
        """``(kind, records)`` for every kind, referenced kinds first (consume in order)."""
        for kind in self.kinds:
            yield kind, self.read(kind)
