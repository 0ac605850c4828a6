"""Text fitting, typed zeros and catalog-driven INSERT plans (pure, with a fake catalog)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from connectors.tango.catalog import ColumnInfo, TableCatalog, kind_of
from connectors.tango.defaults import load_defaults, shipped_defaults
from connectors.tango.dialects import SqlServerDialect
from connectors.tango.errors import TangoConfigError
from connectors.tango.fitting import NO_DATE, fit_text, fit_value
from connectors.tango.inserts import insert_sql, make_plan, unfillable_columns


def col(name, type_name, length=None, nullable=True, default=False, generated=False):
    return ColumnInfo(name, type_name, kind_of(type_name), length, nullable, default, generated,
                      unicode=type_name.startswith("n"))


def test_fit_text_replaces_what_latin1_cannot_store_and_truncates():
    assert fit_text("Pedido 🍺 urgente", 60) == ("Pedido ? urgente", True, False)
    assert fit_text("Añadir “comillas” – ñandú €", 60)[0] == "Añadir “comillas” – ñandú €"
    assert fit_text("Cafe\u0301", 10) == ("Café", False, False)  # NFC first: é fits
    assert fit_text("x" * 70, 60) == ("x" * 60, False, True)
    assert fit_text("🍺", None, unicode=True) == ("🍺", False, False)  # nvarchar stores it


def test_fit_value_converts_to_the_column_kind_and_logs_changes():
    with capture_logs() as logs:
        assert fit_value("GVA21", col("LEYENDA_1", "varchar", 5), "abcdefg") == "abcde"
    assert logs[0]["event"] == "tango.text_truncated" and logs[0]["column"] == "LEYENDA_1"
    assert fit_value("T", col("A", "bool"), "0") is False
    assert fit_value("T", col("A", "bit"), 1) is True
    assert fit_value("T", col("A", "numeric"), 1.1) == Decimal("1.1")
    assert fit_value("T", col("A", "int4"), Decimal("7")) == 7
    assert fit_value("T", col("A", "datetime"), date(2025, 1, 2)) == datetime(2025, 1, 2)
    assert fit_value("T", col("A", "int"), None) is None


CATALOG = TableCatalog("GVA21", (
    col("ROW_VERSION", "timestamp", nullable=False, generated=True),
    col("ID_GVA21", "int", nullable=False),
    col("NRO_PEDIDO", "varchar", 14),
    col("ESTADO", "int", nullable=False),
    col("ID_MONEDA", "int", nullable=False),
    col("ES_CLOUD", "bit", nullable=False),
    col("TOTAL_EXENTO", "decimal", nullable=False),
    col("FECHA_X", "datetime", nullable=False),
    col("TEXTO_X", "varchar", 10, nullable=False),
    col("CON_DEFAULT", "int", nullable=False, default=True),
    col("OPCIONAL", "varchar", 10),
))


def test_plan_uses_mapping_then_template_then_typed_zeros_and_skips_generated():
    template = load_defaults({"gva21": {"id_moneda": 3}})
    plan = make_plan(CATALOG, {"ID_GVA21", "NRO_PEDIDO", "ESTADO", "LEYENDA_9"}, template)
    assert plan.names == ["ID_GVA21", "NRO_PEDIDO", "ESTADO", "ID_MONEDA", "ES_CLOUD",
                          "TOTAL_EXENTO", "FECHA_X", "TEXTO_X"]
    values = plan.values({"ID_GVA21": 1, "NRO_PEDIDO": "X0065200001018", "ESTADO": None})
    assert values == [1, "X0065200001018", 0, 3, False, Decimal(0), NO_DATE, ""]


def test_a_required_column_without_zero_or_template_names_table_and_column():
    catalog = TableCatalog("GVA21", (*CATALOG.columns, col("TOKEN", "uuid", nullable=False)))
    assert unfillable_columns(catalog, {"ESTADO"}, shipped_defaults()) == ["TOKEN"]
    with pytest.raises(TangoConfigError, match=r"GVA21\.TOKEN") as caught:
        make_plan(catalog, {"ESTADO"}, shipped_defaults())
    assert "[tango.defaults.GVA21]" in caught.value.message_es
    assert make_plan(catalog, {"TOKEN"}, shipped_defaults())  # mapped: fine
    assert unfillable_columns(catalog, set(), {"GVA21": {"TOKEN": "x"}}) == []


def test_shipped_template_covers_the_documented_not_null_columns():
    template = shipped_defaults()
    for column in ("ID_MONEDA", "IMPORTE_DESCUENTO_GENERAL", "ES_CLOUD", "TOTAL_EXENTO",
                   "APLICA_DESCUENTO_CLIENTE", "IMPORTE_INTERES_SIN_IMPUESTOS"):
        assert column in template["GVA21"]
    assert template["GVA21"]["ID_MONEDA"] == 1
    assert template["GVA03"]["UNIDAD_MEDIDA_SELECCIONADA"] == "V"


def test_insert_sql_is_multi_row():
    sql = insert_sql(SqlServerDialect(), "GVA03", ["A", "B"], 2)
    assert sql == "INSERT INTO dbo.GVA03 (A, B) VALUES (?, ?), (?, ?)"
