"""The change-tracked reads the SQL Server dialect emits parse as T-SQL (sqlglot), and use
SQL Server's own forms: MIN_ACTIVE_ROWVERSION() for the mark, a binary(8) comparison."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from connectors.cloud.contract import MasterKind
from connectors.tango.change_tracking import (
    FECHA_MODI,
    KIND_TABLES,
    ROW_VERSION,
    count_sql,
    keys_sql,
    plan_for,
)
from connectors.tango.dialects import SqlServerDialect
from connectors.tango.reader import master_query
from connectors.tango.schema import TABLES, TABLES_BY_NAME

DIALECT = SqlServerDialect()
PRESENT = {t.name: frozenset(c.name for c in t.columns) for t in TABLES}


def _statements() -> list[tuple[str, str]]:
    out = []
    for kind in MasterKind:
        out.append((f"count {kind.value}", count_sql(DIALECT, kind)))
        out.append((f"keys {kind.value}", keys_sql(DIALECT, kind)))
        for mode in (ROW_VERSION, FECHA_MODI):
            try:
                plan = plan_for(kind, mode, PRESENT)
            except KeyError:
                continue  # the table has no such column in Tango
            out.append((f"anchor {kind.value} {mode}", plan.anchor_sql(DIALECT)))
            out.append((f"changed {kind.value} {mode}",
                        master_query(DIALECT, kind, family_column="DESC_ADIC",
                                     changed=plan.condition(DIALECT))))
    return out


STATEMENTS = _statements()


@pytest.mark.parametrize(("label", "sql"), STATEMENTS, ids=[label for label, _ in STATEMENTS])
def test_change_tracking_statement_parses_as_tsql(label, sql):
    parsed = sqlglot.parse(sql, read="tsql")
    assert len(parsed) == 1 and isinstance(parsed[0], exp.Select), (label, parsed)
    known = {c.name for t in TABLES for c in t.columns} | {"ANCHOR", "N", "V"}
    for column in parsed[0].find_all(exp.Column):
        assert column.name.upper() in known | {"FRACTIONS", "FAMILY", "VAT_RATE", "UNIT"}, \
            (label, column.name)


def test_every_big_kind_can_be_tracked_both_ways_where_tango_has_the_columns():
    labels = {label for label, _ in STATEMENTS}
    for kind in (MasterKind.ARTICLES, MasterKind.PRICES, MasterKind.CUSTOMERS):
        assert f"changed {kind.value} {FECHA_MODI}" in labels  # STA11, GVA17, GVA14
    for kind in MasterKind:
        assert f"changed {kind.value} {ROW_VERSION}" in labels
    assert "FECHA_MODI" not in {c.name for c in TABLES_BY_NAME["STA19"].columns}


def test_sql_server_uses_rowversion_forms():
    plan = plan_for(MasterKind.PRICES, ROW_VERSION, PRESENT)
    anchor = sqlglot.parse_one(plan.anchor_sql(DIALECT), read="tsql")
    assert "MIN_ACTIVE_ROWVERSION" in anchor.sql(dialect="tsql").upper()
    assert plan.condition(DIALECT) == "ROW_VERSION > CAST(CAST(? AS BIGINT) AS BINARY(8))"
    articles = plan_for(MasterKind.ARTICLES, ROW_VERSION, PRESENT)
    assert [table for table, _ in articles.columns] == ["STA11", "GVA41", "MEDIDA"]
    sql = master_query(DIALECT, MasterKind.PRICES, changed=plan.condition(DIALECT))
    assert "WHERE PRECIO IS NOT NULL AND ROW_VERSION > " in sql and sql.endswith(
        "ORDER BY NRO_DE_LIS, COD_ARTICU")
    assert KIND_TABLES[MasterKind.PRICES].where in count_sql(DIALECT, MasterKind.PRICES)
