"""``column IN (…codes…)`` that stays cheap on PostgreSQL when a page asks for 60 codes.

An expanding ``IN`` sends one parameter per code. psycopg caches the parsed form of a query
only up to 50 parameters, so a catalog page's 60-code look-ups were re-parsed on every request
(about 1.5 ms of CPU each). On PostgreSQL the same test is ``column = ANY(:codes)``: one array
parameter, one query text, parsed once. SQLite has no arrays and keeps the expanding ``IN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(column: ColumnElement[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the list bound as ``name``, written the best way for ``dialect``."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String)))
    return column.in_(bindparam(name, expanding=True))


class PerDialect:
    """A statement built once per database dialect by ``build(dialect)``."""

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def for_session(self, session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            statement = self._built[dialect] = self._build(dialect)
        return statement
