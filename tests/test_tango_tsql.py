"""Every SQL Server statement the connector can emit parses as T-SQL (sqlglot).

No SQL Server is reachable from our machines, so the SQL Server dialect's statements are built
here — writer, reader, doctor, catalog, DDL — against a fake catalog made from our schema, and
each one must parse as real T-SQL (not as sqlglot's opaque fallback command).
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest
import sqlglot
from sqlglot import exp

from connectors.cloud.contract import MasterKind
from connectors.tango import statements
from connectors.tango.catalog import ColumnInfo, TableCatalog, kind_of
from connectors.tango.ddl import column_ddl, schema_ddl
from connectors.tango.defaults import load_defaults
from connectors.tango.dialects import SqlServerDialect
from connectors.tango.inserts import InsertBuilder
from connectors.tango.mapping import PedidoContext, map_pedido
from connectors.tango.reader import master_query
from connectors.tango.schema import ROWVERSION, TABLES, TABLES_BY_NAME
from tests.tango_suite.orders import make_order

DIALECT = SqlServerDialect()


class FakeSqlServerCatalog:
    """What ``InsertBuilder`` needs from a connection: the dialect and the tables' columns."""

    dialect = DIALECT

    def require_table(self, name: str) -> TableCatalog:
        table = TABLES_BY_NAME[name.upper()]
        columns = []
        for c in table.columns:
            type_name = column_ddl("sqlserver", c).split()[1]
            columns.append(ColumnInfo(c.name, type_name, kind_of(type_name), c.length,
                                      not c.not_null, False, c.type == ROWVERSION))
        return TableCatalog(table.name, tuple(columns))


def _statement_functions():
    return [(name, fn) for name, fn in inspect.getmembers(statements, inspect.isfunction)
            if fn.__module__ == statements.__name__]


def _insert_statements() -> list[str]:
    order = make_order()
    ctx = PedidoContext(talonario=6, nro_pedido="X0065200001018", estado=2, deposit="1",
                        now_local=datetime(2025, 5, 20, 12, 0), user="ACTIVO", id_gva21=1,
                        line_ids=(1, 2, 3), commit_stock=True)
    rows = map_pedido(order, ctx)
    builder = InsertBuilder(FakeSqlServerCatalog(), load_defaults())
    stock = {"COD_ARTICU": "BE0001", "COD_DEPOSI": "1", "CANT_COMP": 1, "ID_STA11": 1,
             "ID_STA22": 1}
    return [sql for table, table_rows in (("GVA21", [rows.header]), ("GVA03", rows.lines),
                                          ("STA19", [stock]))
            for sql, _params in builder.statements(table, table_rows)]


def emitted_statements() -> list[tuple[str, str]]:
    """``(label, sql)`` for everything the SQL Server dialect can send."""
    out = []
    for name, fn in _statement_functions():
        out.append((name, fn(DIALECT)))
    out += [("articles(25)", statements.articles(DIALECT, 25)),
            ("pedido_lookup(25)", statements.pedido_lookup(DIALECT, 25)),
            ("next_ids(10)", statements.next_ids(DIALECT, "SEQUENCE_GVA03", 10))]
    for kind in MasterKind:
        out.append((f"read {kind.value}", master_query(DIALECT, kind, family_column="DESC_ADIC")))
    out.append(("read articles bare", master_query(DIALECT, MasterKind.ARTICLES,
                                                   with_units=False, with_fractions=False)))
    out += [(f"insert {i}", sql) for i, sql in enumerate(_insert_statements())]
    out += [("lock timeout", DIALECT.lock_timeout_sql(10)),
            ("computed columns", DIALECT.computed_columns_sql()),
            ("now", f"SELECT {DIALECT.current_timestamp()} AS NOW")]
    out += [(f"ddl {i}", sql) for i, sql in enumerate(schema_ddl("sqlserver"))]
    return out


@pytest.mark.parametrize(("label", "sql"), emitted_statements(),
                         ids=[label for label, _ in emitted_statements()])
def test_statement_parses_as_tsql(label, sql):
    assert sql, label
    parsed = sqlglot.parse(sql, read="tsql")
    assert len(parsed) == 1
    assert not isinstance(parsed[0], exp.Command) or label == "lock timeout", parsed[0]


def test_lock_timeout_is_the_documented_set_statement():
    assert DIALECT.lock_timeout_sql(10) == "SET LOCK_TIMEOUT 10000"


def test_row_lock_and_sequences_use_sql_server_forms():
    lock = sqlglot.parse_one(statements.lock_talonario(DIALECT), read="tsql")
    assert "UPDLOCK" in lock.sql(dialect="tsql") and "ROWLOCK" in lock.sql(dialect="tsql")
    assert "NEXT VALUE FOR dbo.SEQUENCE_GVA21" in statements.next_ids(DIALECT)
    assert statements.find_by_external_id(DIALECT).startswith("SELECT TOP 1 ")


def test_every_column_the_connector_names_exists_in_the_tango_schema():
    known = {c.name for t in TABLES for c in t.columns}
    aliases = {"FRACTIONS", "FAMILY", "VAT_RATE", "UNIT", "NEW_ID", "LAST_ID", "NOW", "I",
               "COLUMN_NAME", "NAME", "OBJECT_ID", "IS_COMPUTED"}
    aliases |= {t.sequence for t in TABLES if t.sequence}  # NEXT VALUE FOR dbo.SEQUENCE_…
    for label, sql in emitted_statements():
        if label.startswith("ddl") or label == "lock timeout":
            continue
        for column in sqlglot.parse_one(sql, read="tsql").find_all(exp.Column):
            assert column.name.upper() in known | aliases, (label, column.name)


def test_confirmed_at_is_aware_in_the_order_used():
    assert make_order().confirmed_at.tzinfo is UTC


def test_the_writers_read_batch_parses_as_one_tsql_batch_of_selects():
    # SQL Server batches reads (lock, lookup, ids: one round trip), never writes.
    assert DIALECT.batch_reads and not DIALECT.batch_writes
    batch = ";\n".join([statements.lock_talonario(DIALECT), statements.pedido_lookup(DIALECT, 3),
                        statements.next_ids(DIALECT, "SEQUENCE_GVA21", 1),
                        statements.next_ids(DIALECT, "SEQUENCE_GVA03", 10)])
    parsed = sqlglot.parse(batch, read="tsql")
    assert len(parsed) == 4
    assert all(isinstance(p, exp.Select) for p in parsed)
