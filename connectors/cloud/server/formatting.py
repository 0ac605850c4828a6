"""How numbers, dates and statuses read in Argentina: pure functions, used by the templates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

ARGENTINA = ZoneInfo("America/Argentina/Buenos_Aires")
CENT = Decimal("0.01")

STATUS_LABELS_ES = {
    "confirmed": "Confirmado",
    "leased": "Confirmado",  # the agent is writing it; for people it is still just confirmed
    "in_tango": "En Tango",
    "error": "Con error",
    "cancelled": "Anulado",
}


def _group(digits: str) -> str:
    """``1234567`` → ``1.234.567``."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def format_decimal(value: Decimal, places: int) -> str:
    """Argentine notation with exactly ``places`` decimals: ``1234.5`` → ``1.234,50``."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = format(abs(rounded), "f").partition(".")
    text = _group(whole)
    return f"{sign}{text},{fraction}" if places > 0 else f"{sign}{text}"


def format_money(value: Decimal | None) -> str:
    """``Decimal("1234.56")`` → ``$ 1.234,56``; negatives as ``-$ 1.234,56``; None → ``""``."""
    if value is None:
        return ""
    text = format_decimal(value, 2)
    return f"-$ {text[1:]}" if text.startswith("-") else f"$ {text}"


def format_quantity(value: Decimal | None) -> str:
    """A quantity without needless zeros: ``12.000`` → ``12``, ``1234.5`` → ``1.234,5``."""
    if value is None:
        return ""
    normalized = Decimal(value).normalize()
    places = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    return format_decimal(normalized, min(places, 7))


def format_percent(value: Decimal | None) -> str:
    """``Decimal("10.50")`` → ``10,5 %``."""
    if value is None:
        return ""
    return f"{format_quantity(value)} %"


def format_date(value: date | None) -> str:
    """``dd/mm/aaaa``; a datetime is first shown in Argentina time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_argentina(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """``dd/mm/aaaa hh:mm`` in Argentina time."""
    if value is None:
        return ""
    return to_argentina(value).strftime("%d/%m/%Y %H:%M")


def to_argentina(value: datetime) -> datetime:
    """An aware datetime in Argentina's zone (naive values are taken as UTC)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: the cloud only stores aware UTC datetimes")
    return value.astimezone(ARGENTINA)


def today_in_argentina(now: datetime) -> date:
    """The calendar date in Argentina at the aware instant ``now``."""
    return to_argentina(now).date()


def format_tango_number(number: str | None) -> str:
    """``X0065200001018`` (NRO_PEDIDO) → ``X00652-00001018``: type + branch(5), number(8)."""
    if not number:
        return ""
    number = number.strip()
    if len(number) != 14:
        return number
    return f"{number[:6]}-{number[6:]}"


def status_label(status: str, tango_number: str | None = None, error: str | None = None) -> str:
    """What a person reads about an order: «Confirmado», «En Tango: pedido …», «Con error: …»."""
    if status == "in_tango" and tango_number:
        return f"En Tango: pedido {format_tango_number(tango_number)}"
    if status == "error":
        return f"Con error: {error}" if error else "Con error"
    return STATUS_LABELS_ES.get(status, status)
