"""Fit a value to the column that will store it, the way the column's database needs it.

Text is cut to the column's length (with a warning, never a database error), and characters a
SQL Server ``varchar`` with a Spanish (Latin1/cp1252) collation cannot store — emoji, for
instance — become ``?``. NOT NULL columns nothing fills get a typed zero (0, '', false, and
Tango's "no date" 1800-01-01); a kind with no zero (uuid, binary…) has none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import structlog

from connectors.tango.catalog import (
    KIND_BIT,
    KIND_DATETIME,
    KIND_DECIMAL,
    KIND_INT,
    KIND_TEXT,
    ColumnInfo,
)
from connectors.tango.values import as_bool, as_datetime, as_decimal, as_int

NO_DATE = datetime(1800, 1, 1)  # noqa: DTZ001 - Tango stores naive local dates
_NO_ZERO = object()

log = structlog.get_logger(__name__)


def fit_text(text: str, length: int | None, unicode: bool = False) -> tuple[str, bool, bool]:
    """``(fitted, replaced, truncated)``: Latin-1-safe unless ``unicode``, cut to ``length``."""
    fitted = unicodedata.normalize("NFC", text)
    replaced = False
    if not unicode:
        safe = fitted.encode("cp1252", errors="replace").decode("cp1252")
        replaced = safe != fitted
        fitted = safe
    truncated = length is not None and len(fitted) > length
    if truncated:
        fitted = fitted[:length]
    return fitted, replaced, truncated


def typed_zero(column: ColumnInfo) -> Any:
    """The neutral value of the column's kind, or ``NO_ZERO`` when the kind has none."""
    return {
        KIND_INT: 0,
        KIND_DECIMAL: Decimal(0),
        KIND_BIT: False,
        KIND_TEXT: "",
        KIND_DATETIME: NO_DATE,
    }.get(column.kind, _NO_ZERO)


def has_zero(value: Any) -> bool:
    return value is not _NO_ZERO


def converter(table: str, column: ColumnInfo) -> Callable[[Any], Any]:
    """A function fitting values to ``column`` (chosen once per INSERT plan: it runs per value)."""
    kind = column.kind
    if kind == KIND_TEXT:
        def text(value: Any) -> Any:
            if value is None:
                return None
            raw = value if isinstance(value, str) else str(value)
            if raw.isascii() and (column.length is None or len(raw) <= column.length):
                return raw  # the common case: nothing to fit
            fitted, replaced, truncated = fit_text(raw, column.length, column.unicode)
            if replaced:
                log.warning("tango.text_replaced_characters", table=table, column=column.key)
            if truncated:
                log.warning("tango.text_truncated", table=table, column=column.key,
                            length=column.length, original_length=len(raw))
            return fitted
        return text
    simple: dict[str, Callable[[Any], Any]] = {
        KIND_INT: as_int, KIND_DECIMAL: as_decimal, KIND_BIT: as_bool,
    }
    if kind in simple:
        convert = simple[kind]
        return lambda value: None if value is None else convert(value)
    if kind == KIND_DATETIME:
        return lambda value: (as_datetime(value) if isinstance(value, date | datetime | str)
                              else value)
    return lambda value: value


def ready_type(column: ColumnInfo) -> type | None:
    """The type a value for ``column`` already has when ``converter`` would return it as is
    (checked with ``type(v) is``, so that writing it skips the call); None for text and other
    kinds, which always go through the converter."""
    return {KIND_INT: int, KIND_DECIMAL: Decimal, KIND_BIT: bool,
            KIND_DATETIME: datetime}.get(column.kind)


def fit_value(table: str, column: ColumnInfo, value: Any) -> Any:
    """``value`` converted to the column's kind; text fitted (logged when changed)."""
    return converter(table, column)(value)
