"""Change-tracked reading: which rows of a master kind may have changed since a mark.

Per kind (``TangoSettings.change_tracking``) the reader may skip rows it knows unchanged:

- ``row_version``: SQL Server's rowversion ``ROW_VERSION``, a database-wide counter that takes a
  new value on every INSERT and UPDATE by anyone. The mark is the newest value committed before
  the read started (``Dialect.row_version_anchor_sql``); the next read asks for rows newer than
  it. Articles also read the IVA rate (GVA41) and the unit (MEDIDA): a change there changes the
  article too, so their ROW_VERSION is followed as well.
- ``fecha_modi``: ``FECHA_MODI``; the mark is its newest value, and the next read asks for rows
  changed since mark − ``fecha_modi_overlap_days`` (Tango may keep only the date).
- ``off``: the whole table every time.

A row deleted leaves no change value behind: the caller compares ``count_sql`` with what it knows
and, only when they disagree, reads the keys alone (``keys_sql``). Marks travel as text
(``encode_mark``/``decode_mark``) so the agent can keep them in its state store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType

from connectors.cloud.contract import MasterKind
from connectors.tango.connection import Row
from connectors.tango.dialects import Dialect
from connectors.tango.values import as_datetime, as_int, as_text

ROW_VERSION = "row_version"
FECHA_MODI = "fecha_modi"
OFF = "off"
MODE_COLUMNS: Mapping[str, str] = MappingProxyType({ROW_VERSION: "ROW_VERSION",
                                                    FECHA_MODI: "FECHA_MODI"})


@dataclass(frozen=True)
class KindTable:
    """Where a kind's rows live: the main table, its key columns, the read's own filter."""

    table: str
    keys: tuple[str, ...]
    alias: str = ""  # the main table's alias in the kind's SELECT (``master_query``)
    where: str = ""  # rows that are records at all (same filter as the SELECT)
    int_keys: tuple[str, ...] = ()  # key columns the record holds as int
    joined: tuple[tuple[str, str], ...] = ()  # (table, alias) read into the record too

    def column(self, name: str) -> str:
        return f"{self.alias}.{name}" if self.alias else name


KIND_TABLES: Mapping[MasterKind, KindTable] = MappingProxyType({
    MasterKind.ARTICLES: KindTable("STA11", ("COD_ARTICU",), alias="a",
                                   joined=(("GVA41", "g"), ("MEDIDA", "m"))),
    MasterKind.PRICE_LISTS: KindTable("GVA10", ("NRO_DE_LIS",), int_keys=("NRO_DE_LIS",)),
    MasterKind.PRICES: KindTable("GVA17", ("NRO_DE_LIS", "COD_ARTICU"),
                                 where="PRECIO IS NOT NULL", int_keys=("NRO_DE_LIS",)),
    MasterKind.CUSTOMERS: KindTable("GVA14", ("COD_CLIENT",)),
    MasterKind.SELLERS: KindTable("GVA23", ("COD_VENDED",)),
    MasterKind.SALE_CONDITIONS: KindTable("GVA01", ("COND_VTA",), where="COND_VTA IS NOT NULL",
                                          int_keys=("COND_VTA",)),
    MasterKind.DEPOSITS: KindTable("STA22", ("COD_SUCURS",)),
    MasterKind.STOCK: KindTable("STA19", ("COD_ARTICU", "COD_DEPOSI")),
    MasterKind.VAT_RATES: KindTable("GVA41", ("COD_ALICUO",), int_keys=("COD_ALICUO",)),
})


def row_key(kind: MasterKind, row: Row) -> str:
    """The record key (``MasterRecord.key``) of a row holding the kind's key columns."""
    spec = KIND_TABLES[kind]
    return "|".join(str(as_int(row[c])) if c in spec.int_keys else as_text(row[c])
                    for c in spec.keys)


def count_sql(dialect: Dialect, kind: MasterKind) -> str:
    """``SELECT COUNT(*) AS N`` over the rows that are records of ``kind``."""
    spec = KIND_TABLES[kind]
    where = f" WHERE {spec.where}" if spec.where else ""
    return f"SELECT COUNT(*) AS N FROM {dialect.table(spec.table)}{where}"


def keys_sql(dialect: Dialect, kind: MasterKind) -> str:
    """The key columns alone of every row that is a record of ``kind``."""
    spec = KIND_TABLES[kind]
    where = f" WHERE {spec.where}" if spec.where else ""
    return f"SELECT {', '.join(spec.keys)} FROM {dialect.table(spec.table)}{where}"


@dataclass(frozen=True)
class ChangePlan:
    """How one kind is tracked on this database: the mode and the columns followed."""

    kind: MasterKind
    mode: str  # ROW_VERSION | FECHA_MODI
    columns: tuple[tuple[str, str], ...]  # (table, column as written in the kind's SELECT)

    def anchor_sql(self, dialect: Dialect) -> str:
        """``SELECT … AS ANCHOR``: the mark to store once this read is acknowledged."""
        if self.mode == ROW_VERSION:
            return dialect.row_version_anchor_sql(
                [(table, MODE_COLUMNS[ROW_VERSION]) for table, _ in self.columns])
        table = self.columns[0][0]
        return f"SELECT MAX(FECHA_MODI) AS ANCHOR FROM {dialect.table(table)}"

    def condition(self, dialect: Dialect) -> str:
        """The WHERE condition choosing rows changed since the mark (one ``?`` per column)."""
        if self.mode == ROW_VERSION:
            parts = [dialect.row_version_after(column) for _, column in self.columns]
        else:
            parts = [f"{column} >= ?" for _, column in self.columns]
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def params(self, dialect: Dialect, mark: str, overlap_days: int) -> list[object]:
        """The condition's parameters for the stored ``mark``."""
        value = decode_mark(self.mode, mark)
        if isinstance(value, datetime):
            value = dialect.datetime_param(value - timedelta(days=overlap_days))
        return [value] * len(self.columns)


def plan_for(kind: MasterKind, mode: str, present: Mapping[str, frozenset[str]]) -> ChangePlan:
    """The plan for ``kind`` given which tables have the mode's column (``present``: table →
    its column names). The main table must have it (``KeyError`` otherwise); joined tables
    without it are not followed."""
    spec = KIND_TABLES[kind]
    column = MODE_COLUMNS[mode]
    if column not in present.get(spec.table, frozenset()):
        raise KeyError(f"{spec.table}.{column}")
    columns = [(spec.table, spec.column(column))]
    if mode == ROW_VERSION:
        columns += [(table, f"{alias}.{column}") for table, alias in spec.joined
                    if column in present.get(table, frozenset())]
    return ChangePlan(kind, mode, tuple(columns))


def encode_mark(mode: str, value: object) -> str | None:
    """A mark read from the database as text (None: the table has no change value yet)."""
    if value is None or value == "":
        return None
    if mode == ROW_VERSION:
        number = int(value)  # type: ignore[call-overload]
        # 0: no row has a version yet — or the column never changes (a demo database made
        # before ROW_VERSION was kept up to date): nothing to compare with, read whole.
        return str(number) if number > 0 else None
    if isinstance(value, date | datetime | str):
        moment = as_datetime(value)
        return moment.isoformat(sep=" ") if moment is not None else None
    raise ValueError(f"not a FECHA_MODI value: {value!r}")


def decode_mark(mode: str, text: str) -> int | datetime:
    """The stored text of a mark as the value to compare with."""
    if mode == ROW_VERSION:
        return int(text)
    moment = as_datetime(text)
    if moment is None:
        raise ValueError(f"empty FECHA_MODI mark {text!r}")
    return moment
