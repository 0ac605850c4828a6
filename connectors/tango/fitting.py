"""Fit a value to the column that will store it, the way the column's database needs it.

Text is cut to the column's length (with a warning, never a database error), and characters a
SQL Server ``varchar`` with a Spanish (Latin1/cp1252) collation cannot store — emoji, for
instance — become ``?``. NOT NULL columns nothing fills get a typed zero (0, '', false, and
Tango's "no date" 1800-01-01); a kind with no zero (uuid, binary…) has none.
"""

from __future__ import annotations

import unicodedata
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


def fit_value(table: str, column: ColumnInfo, value: Any) -> Any:
    """``value`` converted to the column's kind; text fitted (logged when changed)."""
    if value is None:
        return None
    kind = column.kind
    if kind == KIND_TEXT:
        fitted, replaced, truncated = fit_text(str(value), column.length, column.unicode)
        if replaced:
            log.warning("tango.text_replaced_characters", table=table, column=column.key)
        if truncated:
            log.warning("tango.text_truncated", table=table, column=column.key,
                        length=column.length, original_length=len(str(value)))
        return fitted
    if kind == KIND_INT:
        return as_int(value)
    if kind == KIND_DECIMAL:
        return as_decimal(value)
    if kind == KIND_BIT:
        return as_bool(value)
    if kind == KIND_DATETIME:
        if isinstance(value, date | datetime | str):
            return as_datetime(value)
        return value
    return value
