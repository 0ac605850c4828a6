"""The Tango-shaped schema and the demo seed: faithful, realistic, deterministic, rebuildable."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from connectors.tango.connection import open_connection
from connectors.tango.ddl import schema_ddl
from connectors.tango.numbering import decode_proximo
from connectors.tango.schema import GVA03, GVA21, TABLES
from connectors.tango.seed import DemoDatabaseExistsError, create_demo_database, demo_settings
from connectors.tango.seed_data import seed_facts, seed_rows
from connectors.tango.writer import PedidoWriter
from tests.tango_suite.orders import make_order


def test_seed_is_a_realistic_distributor():
    rows, facts = seed_rows(), seed_facts()
    assert len(rows["STA11"]) >= 200
    assert {a["DESC_ADIC"] for a in rows["STA11"]} >= {"Bebidas", "Almacén", "Lácteos",
                                                       "Limpieza", "Golosinas"}
    assert 3 <= len(facts.disabled_articles) <= 10
    assert {a["COD_IVA"] for a in rows["STA11"]} == {1, 2}  # 21 % and 10.5 %
    assert len(rows["GVA10"]) == 3 and sum(p["INCLUY_IVA"] for p in rows["GVA10"]) == 1
    priced = {(p["NRO_DE_LIS"], p["COD_ARTICU"]) for p in rows["GVA17"]}
    assert priced == {(n, a) for n in facts.price_lists for a in facts.sellable_articles}
    assert len(rows["GVA14"]) >= 30 and 2 <= len(facts.disabled_customers) <= 3
    assert all("@" in c["E_MAIL"] and c["CUIT"].count("-") == 2 for c in rows["GVA14"])
    assert len(facts.sellers) == 4 and all("@" in s["E_MAIL"] for s in rows["GVA23"])
    assert sum(len(v) for v in facts.customers_by_seller.values()) == len(rows["GVA14"])
    assert facts.deposits == ("1", "2")
    assert len(rows["STA19"]) == 2 * (len(rows["STA11"]) - len(facts.non_stock_articles))
    assert {r["PORCENTAJE"] for r in rows["GVA41"]} >= {Decimal(21), Decimal("10.5")}
    talonario = next(t for t in rows["GVA43"] if t["TALONARIO"] == facts.talonario)
    assert (talonario["COMPROB"], talonario["TIPO"], talonario["SUCURSAL"]) == ("PED", "X", 652)
    assert talonario["PROXIMO"] == "7407437B507E066D"
    assert decode_proximo(talonario["PROXIMO"]) == 1018
    assert seed_rows() == rows  # deterministic


def _cuit_ok(cuit: str) -> bool:
    digits = cuit.replace("-", "")
    check = 11 - sum(int(d) * w for d, w in zip(digits[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2),
                                               strict=True)) % 11
    return {11: 0, 10: 9}.get(check, check) == int(digits[10])


def _ean_ok(code: str) -> bool:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def test_cuits_and_barcodes_have_valid_check_digits():
    rows = seed_rows()
    assert all(_cuit_ok(c["CUIT"]) for c in rows["GVA14"])
    barcodes = [a["COD_BARRA"] for a in rows["STA11"] if a["COD_BARRA"]]
    assert len(barcodes) >= 200 and all(_ean_ok(b) and b.startswith("779") for b in barcodes)


def test_demo_database_refuses_to_overwrite_and_rebuilds_on_request(tmp_path):
    path = create_demo_database(tmp_path)
    assert path == tmp_path / "tango.sqlite"
    settings = demo_settings(path)
    with open_connection(settings) as conn:
        PedidoWriter(conn, settings).write(make_order())
    with pytest.raises(DemoDatabaseExistsError, match="ya existe"):
        create_demo_database(tmp_path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM GVA21").fetchone()[0] == 1  # untouched
    create_demo_database(tmp_path, rebuild=True)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT COUNT(*) FROM GVA21").fetchone()[0] == 0
        assert raw.execute("SELECT COUNT(*) FROM STA11").fetchone()[0] == len(seed_rows()["STA11"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tango.sqlite"]  # no scratch left


def test_schema_keeps_tangos_not_null_columns_of_the_written_tables():
    for name in ("ID_MONEDA", "IMPORTE_DESCUENTO_GENERAL", "PORCENTAJE_RECARGO_GENERAL",
                 "IMPORTE_RECARGO_GENERAL", "PORCENTAJE_FLETE", "IMPORTE_FLETE",
                 "PORCENTAJE_INTERES", "IMPORTE_INTERES", "ES_CLOUD", "APLICA_DESCUENTO_CLIENTE",
                 "IMPORTE_DESCUENTO_CLIENTE", "PORCENTAJE_DESCUENTO_CLIENTE", "TOTAL_EXENTO",
                 "ESTADO", "TALON_PED", "ID_GVA21", "ROW_VERSION"):
        assert GVA21.column(name).not_null, name
    assert GVA21.column("NRO_PEDIDO").length == 14 and GVA21.column("ID_EXTERNO").length == 20
    for name in ("NRO_PEDIDO", "TALON_PED", "ID_GVA21", "ID_GVA03", "NRO_ORDEN",
                 "IMPORTE_SIN_IMPUESTOS", "IMPORTE_CON_IMPUESTOS", "IMPORTE_PROPORCIONADO"):
        assert GVA03.column(name).not_null, name
    assert len({t.name for t in TABLES}) == 15


def test_row_version_refuses_explicit_values_like_sql_server(tmp_path):
    pg = "\n".join(schema_ddl("postgresql"))
    assert "ROW_VERSION bigint GENERATED ALWAYS AS IDENTITY" in pg
    assert "CREATE SEQUENCE SEQUENCE_GVA21" in pg and "CREATE SEQUENCE SEQUENCE_GVA03" in pg
    assert "ROW_VERSION timestamp NOT NULL" in "\n".join(schema_ddl("sqlserver"))
    path = create_demo_database(tmp_path)
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.DatabaseError, match="generated"):
        raw.execute("UPDATE GVA43 SET ROW_VERSION = 5")
