"""INSERTs built from the target table's real column list, so they survive Tango upgrades.

For each column the database declares, in its order: the mapped value when the mapping has
one; else, for a NOT NULL column without a database default, the defaults template's value,
else a typed zero. Generated columns (ROW_VERSION, identity, computed) are always left out.
A mapped column the database lacks is skipped with a warning (older Tango); a required column
nothing can fill is a ``TangoConfigError`` naming ``TABLE.COLUMN``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from connectors.tango.catalog import ColumnInfo, TableCatalog
from connectors.tango.defaults import Template
from connectors.tango.dialects import Dialect
from connectors.tango.errors import TangoConfigError
from connectors.tango.fitting import converter, has_zero, ready_type, typed_zero

log = structlog.get_logger(__name__)

_MISSING = object()
MAX_ROWS_PER_INSERT = 1000  # SQL Server's limit for a VALUES list


@dataclass(frozen=True)
class PlannedColumn:
    column: ColumnInfo
    mapped: bool
    fallback: Any  # value when unmapped or mapped None on a NOT NULL column; _MISSING if none
    convert: Callable[[Any], Any]  # fits a value to the column


@dataclass(frozen=True)
class InsertPlan:
    table: str
    columns: tuple[PlannedColumn, ...]

    @property
    def names(self) -> list[str]:
        return [p.column.name for p in self.columns]

    def __post_init__(self) -> None:
        # Per column: the row key to read (None when unmapped), the value when the row has
        # none, the converter — decided once here, as this runs for every value written.
        # ready: a value of exactly that type needs no conversion.
        steps = tuple((p.column.key if p.mapped else None,
                       None if p.fallback is _MISSING else p.fallback, p.convert,
                       ready_type(p.column))
                      for p in self.columns)
        object.__setattr__(self, "_steps", steps)

    def values(self, row: Mapping[str, Any]) -> list[Any]:
        """The row's parameters in plan order, each fitted to its column."""
        get = row.get
        out = []
        append = out.append
        for key, fallback, convert, ready in self._steps:  # type: ignore[attr-defined]
            value = None if key is None else get(key)
            if value is None:
                value = fallback
            append(value if type(value) is ready else convert(value))
        return out


def unfillable_columns(catalog: TableCatalog, mapped: Iterable[str],
                       template: Template) -> list[str]:
    """Required columns (NOT NULL, no default, not generated) that nothing would fill."""
    keys = {k.upper() for k in mapped}
    table_defaults = template.get(catalog.name.upper(), {})
    return [c.key for c in catalog.columns
            if c.required and c.key not in keys and c.key not in table_defaults
            and not has_zero(typed_zero(c))]


def make_plan(catalog: TableCatalog, mapped: Iterable[str], template: Template) -> InsertPlan:
    """Decide, once, where each column of ``catalog`` gets its value from."""
    keys = {k.upper() for k in mapped}
    table_defaults = template.get(catalog.name.upper(), {})
    planned = []
    for column in catalog.columns:
        if column.generated:
            continue
        fallback: Any = _MISSING
        if column.required:
            if column.key in table_defaults:
                fallback = table_defaults[column.key]
            elif has_zero(typed_zero(column)):
                fallback = typed_zero(column)
            elif column.key not in keys:
                raise TangoConfigError(
                    f"{catalog.name}.{column.key} is NOT NULL and nothing fills it "
                    f"(type {column.type_name})",
                    f"La columna obligatoria {catalog.name}.{column.key} "
                    f"(tipo {column.type_name}) no tiene valor: agréguela a la plantilla de "
                    f"valores por defecto [tango.defaults.{catalog.name}].",
                )
        if column.key in keys or fallback is not _MISSING:
            planned.append(PlannedColumn(column, column.key in keys, fallback,
                                         converter(catalog.name, column)))
    return InsertPlan(catalog.name, tuple(planned))


class InsertBuilder:
    """Plans (cached per column set) and runs multi-row INSERTs on one connection."""

    def __init__(self, conn: Any, template: Template) -> None:
        self._conn = conn
        self._template = template
        self._plans: dict[tuple[str, frozenset[str]], InsertPlan] = {}
        self._warned: set[tuple[str, str]] = set()

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    def plan(self, table: str, mapped: Iterable[str]) -> InsertPlan:
        keys = frozenset(k.upper() for k in mapped)
        cache_key = (table.upper(), keys)
        if cache_key not in self._plans:
            catalog = self._conn.require_table(table)
            for key in sorted(keys):
                if key not in catalog and (table, key) not in self._warned:
                    self._warned.add((table, key))
                    log.warning("tango.column_missing_skipped", table=table, column=key)
            self._plans[cache_key] = make_plan(catalog, keys, self._template)
        return self._plans[cache_key]

    def statements(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, list]]:
        """``(sql, params)`` pairs inserting ``rows`` (all with the same keys), chunked."""
        if not rows:
            return []
        plan = self.plan(table, rows[0].keys())
        width = max(len(plan.columns), 1)
        per_statement = max(1, min(MAX_ROWS_PER_INSERT, self.dialect.max_params // width))
        result = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = insert_sql(self.dialect, table, plan.names, len(chunk))
            params = [v for row in chunk for v in plan.values(row)]
            result.append((sql, params))
        return result

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` into ``table`` on the builder's connection."""
        for sql, params in self.statements(table, rows):
            self._conn.run(sql, params)


def insert_sql(dialect: Dialect, table: str, columns: list[str], row_count: int = 1) -> str:
    """``INSERT INTO t (a, b) VALUES (?, ?), (?, ?)`` for ``row_count`` rows."""
    return _insert_sql(dialect.table(table), tuple(columns), row_count)


@functools.lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], row_count: int) -> str:
    one = "(" + ", ".join("?" for _ in columns) + ")"
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            + ", ".join(one for _ in range(row_count)))
