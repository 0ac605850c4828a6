"""What a table really looks like in the connected database: columns, types, lengths, nullability.

Read once per connection (``TangoConnection.table``) from the database's own catalog, so INSERTs
follow the customer's Tango version rather than our idea of it. ``kind`` folds the many type
names of three databases into the few the connector reasons about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KIND_INT = "int"
KIND_DECIMAL = "decimal"
KIND_BIT = "bit"
KIND_DATETIME = "datetime"
KIND_TEXT = "text"
KIND_OTHER = "other"  # uuid, binary, xml…: no typed zero, must come from mapping or template

_INT = {"int", "integer", "int4", "smallint", "int2", "bigint", "int8", "tinyint", "serial",
        "bigserial", "smallserial"}
_DECIMAL = {"decimal", "numeric", "money", "smallmoney", "float", "real", "double",
            "double precision", "float4", "float8"}
_BIT = {"bit", "bool", "boolean"}
_DATETIME = {"datetime", "datetime2", "smalldatetime", "date", "timestamp",
             "timestamp without time zone", "timestamptz", "timestamp with time zone"}
_TEXT = {"char", "varchar", "nchar", "nvarchar", "text", "ntext", "bpchar", "character",
         "character varying", "string", "clob", "sysname"}
_UNICODE = {"nchar", "nvarchar", "ntext", "sysname"}


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the database declares it."""

    name: str  # as the database spells it (PostgreSQL: lower case)
    type_name: str
    kind: str
    length: int | None = None  # characters for text; None = unlimited
    nullable: bool = True
    has_default: bool = False
    generated: bool = False  # rowversion, identity, computed: an INSERT must leave it out
    unicode: bool = False  # nvarchar & co. store any character
    key: str = field(init=False, repr=False, compare=False)  # upper-case name, for lookups

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", self.name.upper())

    @property
    def required(self) -> bool:
        """NOT NULL, no database default, not generated: an INSERT must give it a value."""
        return not self.nullable and not self.has_default and not self.generated


def kind_of(type_name: str) -> str:
    """Fold a catalog type name (``varchar``, ``int identity``, ``numeric(22,7)``…) to a kind."""
    base = re.sub(r"\(.*\)", "", type_name.lower()).replace(" identity", "").strip()
    base = re.sub(r"\s+", " ", base)
    if base in _INT:
        return KIND_INT
    if base in _DECIMAL:
        return KIND_DECIMAL
    if base in _BIT:
        return KIND_BIT
    if base in _DATETIME:
        return KIND_DATETIME
    if base in _TEXT:
        return KIND_TEXT
    return KIND_OTHER


def is_unicode(type_name: str) -> bool:
    return re.sub(r"\(.*\)", "", type_name.lower()).strip() in _UNICODE


def declared_length(type_name: str) -> int | None:
    """``VARCHAR(14)`` → 14; ``DECIMAL(22,7)``/``TEXT`` → None (SQLite declared types)."""
    match = re.search(r"\((\d+)\)", type_name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class TableCatalog:
    """The columns of one table, in the database's order, looked up in any case."""

    name: str
    columns: tuple[ColumnInfo, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {c.key: c for c in self.columns})

    def get(self, name: str) -> ColumnInfo | None:
        return self._by_key.get(name.upper())  # type: ignore[attr-defined]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.upper() in self._by_key  # type: ignore[attr-defined]

    def has(self, *names: str) -> bool:
        return all(n in self for n in names)

    def existing(self, names: tuple[str, ...] | list[str]) -> list[str]:
        """The subset of ``names`` present in the table, in the given order."""
        return [n for n in names if n in self]
