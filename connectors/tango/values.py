"""Normalise values as drivers return them: CHAR padding, floats, '1'/'0' booleans, text dates.

psqlODBC returns booleans as the strings ``'1'``/``'0'``, SQL Server ``bit`` as ``bool``, SQLite
as ``0``/``1``; SQLite returns decimals as floats and datetimes as text. Readers go through these
functions so every database looks the same to the rest of the connector.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

_TRUE = {"1", "t", "true", "s", "si", "sí", "y", "yes"}
_FALSE = {"0", "f", "false", "n", "no", ""}


def as_text(value: object) -> str:
    """Text without the blanks CHAR columns pad with; ``None`` → ``""``."""
    if value is None:
        return ""
    return str(value).strip()


def as_optional_text(value: object) -> str | None:
    """Like ``as_text`` but blank → ``None`` (for optional codes such as COD_TRANSP)."""
    text = as_text(value)
    return text or None


def as_decimal(value: object) -> Decimal | None:
    """``Decimal`` from what the driver returned; floats go through ``str`` (no binary noise)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def as_int(value: object) -> int | None:
    """``int`` from int, Decimal, float or numeric text; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, int):
        return int(value)
    number = as_decimal(value)
    return None if number is None else int(number)


def as_bool(value: object, default: bool = False) -> bool:
    """Booleans from bit/bool, 0/1, ``'1'``/``'0'`` (psqlODBC), ``'S'``/``'N'`` (Tango flags)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal | float):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def as_datetime(value: object) -> datetime | None:
    """``datetime`` from a datetime, a date or ISO text (SQLite stores dates as text)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)  # noqa: DTZ001 - Tango dates are naive
    text = str(value).strip().replace("T", " ")
    return datetime.fromisoformat(text)
