"""Tango's small business rules, shared by the reader, the writer and the doctor (pure)."""

from __future__ import annotations

from datetime import date, datetime

from connectors.tango.values import as_datetime, as_text

# SQL Server's "zero date" is 1900-01-01 and loaders write 1800-01-01: both mean "no date".
# (Tango's own computed GVA14.HABILITADO tests ISNULL(FECHA_INHA, 0) <= 0.)
_NO_DATE_UNTIL = datetime(1900, 1, 1)  # noqa: DTZ001 - Tango dates are naive


def customer_enabled(fecha_inha: object, today: date) -> bool:
    """A customer is enabled unless FECHA_INHA is a real date on or before ``today``."""
    when = as_datetime(fecha_inha)
    if when is None or when <= _NO_DATE_UNTIL:
        return True
    return when.date() > today


def article_sellable(perfil: object) -> bool:
    """PERFIL 'N' marks an article disabled ("inhabilitado"); anything else may be sold."""
    return as_text(perfil).upper() != "N"
