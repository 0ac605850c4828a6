"""The Tango connector's behavioural suite: writing pedidos and reading master data.

Every test runs on a fresh seeded SQLite database and on a fresh seeded PostgreSQL database
reached through pyodbc + psqlODBC (marked ``odbc``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from connectors.cloud.contract import MasterKind
from connectors.tango.connection import TangoConnection
from connectors.tango.errors import TangoBusinessError, TangoConfigError
from connectors.tango.mapping import compute_totals
from connectors.tango.numbering import decode_proximo
from connectors.tango.reader import MasterDataReader
from connectors.tango.seed_data import seed_rows
from connectors.tango.writer import PedidoWriter
from tests.tango_suite import fixtures
from tests.tango_suite.orders import make_order

# The suite's fixtures (a fresh seeded database per test, SQLite and PostgreSQL).
tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template


def _write(db, order, **settings):
    settings_obj = db.with_settings(**settings)
    with db.connect(**settings) as conn:
        return PedidoWriter(conn, settings_obj).write(order)


def _proximo(db) -> int:
    return decode_proximo(db.scalar("SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?",
                                    (db.facts.talonario,)).strip())


def _count(db, table: str) -> int:
    return int(db.scalar(f"SELECT COUNT(*) AS n FROM {table}"))


def test_write_creates_one_pedido_with_lines_and_advances_proximo(tango_db):
    order = make_order(customer_discount_pct=Decimal("3"), observations="Entregar antes de las 10")
    result = _write(tango_db, order)

    assert result.already_present is False
    assert result.talonario == 6
    assert result.nro_pedido == "X0065200001018"
    assert result.display == "X00652-00001018"
    headers = tango_db.rows("SELECT * FROM GVA21")
    assert len(headers) == 1
    header = headers[0]
    totals = compute_totals(order, 2)
    assert header["NRO_PEDIDO"] == "X0065200001018"
    assert header["ID_EXTERNO"] == order.code
    assert int(header["TALON_PED"]) == 6
    assert int(header["ESTADO"]) == 2
    assert header["ORIGEN"] == "E"
    assert header["COD_CLIENT"] == order.customer_code
    assert header["COD_SUCURS"] == "1"
    assert header["LEYENDA_1"] == "Castor Vendedor Móvil CP-00000012"
    assert header["OBSERVACIONES"] == "Entregar antes de las 10"
    assert header["HORA_INGRESO"].isdigit() and len(header["HORA_INGRESO"]) == 6
    assert Decimal(str(header["TOTAL_PEDI"])) == totals.total_without_vat
    assert Decimal(str(header["TOTAL_PEDI_CON_IMPUESTOS"])) == totals.total_with_vat
    assert int(header["ID_MONEDA"]) == 1

    lines = tango_db.rows("SELECT * FROM GVA03 ORDER BY N_RENGLON")
    assert [int(li["N_RENGLON"]) for li in lines] == [1, 2, 3]
    for line, ordered, computed in zip(lines, order.lines, totals.lines, strict=True):
        assert line["COD_ARTICU"] == ordered.article_code
        assert line["NRO_PEDIDO"] == "X0065200001018"
        assert int(line["ID_GVA21"]) == int(header["ID_GVA21"])
        for column in ("CANT_PEDID", "CANT_A_FAC", "CANT_A_DES", "CANT_PEN_F", "CANT_PEN_D"):
            assert Decimal(str(line[column])) == ordered.quantity
        assert Decimal(str(line["IMPORTE_SIN_IMPUESTOS"])) == computed.amount_without_vat
        assert Decimal(str(line["IMPORTE_PROPORCIONADO"])) == computed.proportioned
        assert line["UNIDAD_MEDIDA_SELECCIONADA"].strip() == "V"
    assert len({int(li["ID_GVA03"]) for li in lines}) == 3
    assert _proximo(tango_db) == 1019


def test_same_order_again_is_already_present_and_writes_nothing(tango_db):
    order = make_order()
    first = _write(tango_db, order)
    again = _write(tango_db, order)

    assert again.already_present is True
    assert (again.talonario, again.nro_pedido) == (first.talonario, first.nro_pedido)
    assert _count(tango_db, "GVA21") == 1
    assert _count(tango_db, "GVA03") == len(order.lines)
    assert _proximo(tango_db) == 1019


def test_consecutive_orders_take_consecutive_numbers(tango_db):
    numbers = [_write(tango_db, make_order(f"CP-{i:08d}")).nro_pedido for i in range(1, 4)]
    assert numbers == ["X0065200001018", "X0065200001019", "X0065200001020"]
    assert _proximo(tango_db) == 1021


@pytest.mark.parametrize(("case", "expected"), [
    ("unknown_article", "no existe en Tango"),
    ("disabled_article", "inhabilitado para la venta"),
    ("unknown_customer", "El cliente 999999 no existe"),
    ("disabled_customer", "inhabilitado en Tango desde"),
    ("unknown_deposit", "El depósito 9 no existe"),
])
def test_business_errors_are_spanish_and_write_nothing(tango_db, case, expected):
    facts = tango_db.facts
    order = {
        "unknown_article": lambda: make_order(articles=("XX-NO-EXISTE",)),
        "disabled_article": lambda: make_order(articles=(facts.sellable_articles[0],
                                                         facts.disabled_articles[0])),
        "unknown_customer": lambda: make_order(customer_code="999999"),
        "disabled_customer": lambda: make_order(customer_code=facts.disabled_customers[0]),
        "unknown_deposit": lambda: make_order(deposit_code="9"),
    }[case]()
    with pytest.raises(TangoBusinessError) as caught:
        _write(tango_db, order)
    assert expected in caught.value.message_es
    assert _count(tango_db, "GVA21") == 0
    assert _count(tango_db, "GVA03") == 0
    assert _proximo(tango_db) == 1018


def test_wrong_or_missing_talonario_is_a_configuration_error(tango_db):
    with pytest.raises(TangoConfigError, match="not found"):
        _write(tango_db, make_order(), talonario=77)
    with pytest.raises(TangoConfigError) as caught:
        _write(tango_db, make_order(), talonario=tango_db.facts.invoice_talonario)
    assert "no es de pedidos" in caught.value.message_es
    assert _count(tango_db, "GVA21") == 0


def test_any_error_mid_write_rolls_everything_back(tango_db, monkeypatch):
    # Fail at the very last step, after header, lines, stock and PROXIMO were written.
    real_batch = TangoConnection.batch

    def crash(self, statements, *, writes=False):
        results = real_batch(self, statements, writes=writes)
        if writes:
            raise RuntimeError("power cut")
        return results

    monkeypatch.setattr(TangoConnection, "batch", crash)
    before = tango_db.rows("SELECT CANT_COMP FROM STA19 ORDER BY COD_ARTICU, COD_DEPOSI")
    with pytest.raises(RuntimeError, match="power cut"):
        _write(tango_db, make_order(), commit_stock=True)
    assert tango_db.rows("SELECT CANT_COMP FROM STA19 ORDER BY COD_ARTICU, COD_DEPOSI") == before
    assert _count(tango_db, "GVA21") == 0
    assert _count(tango_db, "GVA03") == 0
    assert _proximo(tango_db) == 1018


def test_commit_stock_updates_sta19_committed_for_stock_items_only(tango_db):
    facts = tango_db.facts
    stocked = next(a for a in facts.sellable_articles if a not in facts.non_stock_articles)
    service = facts.non_stock_articles[0]

    def committed(code: str) -> Decimal | None:
        value = tango_db.scalar("SELECT CANT_COMP FROM STA19 WHERE COD_ARTICU = ? AND "
                                "COD_DEPOSI = ?", (code, "1"))
        return None if value is None else Decimal(str(value))

    before = committed(stocked)
    order = make_order(articles=(stocked, service), quantities=(Decimal(7), Decimal(1)))
    _write(tango_db, order, commit_stock=True)
    assert committed(stocked) == before + 7
    assert committed(service) is None  # services keep no stock row
    assert tango_db.scalar("SELECT COMP_STK FROM GVA21") in (True, 1, "1")


def test_commit_stock_creates_a_missing_stock_row(tango_db):
    stocked = tango_db.facts.sellable_articles[1]
    with tango_db.connect() as conn:
        conn.run("DELETE FROM STA19 WHERE COD_ARTICU = ? AND COD_DEPOSI = ?", [stocked, "2"])
    _write(tango_db, make_order(articles=(stocked,), quantities=(Decimal(4),), deposit_code="2"),
           commit_stock=True)
    value = tango_db.scalar("SELECT CANT_COMP FROM STA19 WHERE COD_ARTICU = ? AND COD_DEPOSI = ?",
                            (stocked, "2"))
    assert Decimal(str(value)) == 4


def test_without_commit_stock_sta19_is_untouched(tango_db):
    query = "SELECT COD_ARTICU, CANT_COMP FROM STA19 ORDER BY COD_ARTICU, COD_DEPOSI"
    before = tango_db.rows(query)
    _write(tango_db, make_order())
    after = tango_db.rows(query)
    assert before == after


def test_emoji_and_over_long_text_are_fitted_not_errors(tango_db):
    observations = "Dejar en portería 🍺🚚 " + "x" * 1900
    placed_by = "un.correo.muy.largo.de.quien.confirmo.el.pedido@distribuidora-del-sur.com.ar"
    order = make_order(observations=observations, placed_by=placed_by,
                       customer_po="OC-2025-0001")
    with capture_logs() as logs:
        _write(tango_db, order)
    header = tango_db.rows("SELECT LEYENDA_2, LEYENDA_3, OBSERVACIONES, NRO_OC_COMP FROM GVA21")[0]
    assert header["LEYENDA_2"].startswith("Dejar en portería ?? x")
    assert len(header["LEYENDA_2"]) == 60
    assert len(header["LEYENDA_3"]) == 60
    assert header["OBSERVACIONES"].startswith("Dejar en portería ?? ")
    assert header["NRO_OC_COMP"] == "OC-2025-0001"
    events = {(e["event"], e.get("column")) for e in logs}
    assert ("tango.text_replaced_characters", "OBSERVACIONES") in events
    assert ("tango.text_truncated", "LEYENDA_3") in events


def test_estado_from_settings_and_from_gva16(tango_db):
    assert _write(tango_db, make_order("CP-1"), estado="1").already_present is False
    _write(tango_db, make_order("CP-2"), estado="auto")  # APRUEBA_PE false → Aprobado
    with tango_db.connect() as conn:
        conn.run("UPDATE GVA16 SET APRUEBA_PE = ?", [True])
    _write(tango_db, make_order("CP-3"), estado="auto")  # approval on → Ingresado
    estados = tango_db.rows("SELECT ID_EXTERNO, ESTADO FROM GVA21 ORDER BY ID_EXTERNO")
    assert [(r["ID_EXTERNO"], int(r["ESTADO"])) for r in estados] == [
        ("CP-1", 1), ("CP-2", 2), ("CP-3", 1)]


def test_prices_including_vat_split_the_amounts(tango_db):
    facts = tango_db.facts
    order = make_order(price_list=facts.vat_included_list, prices_include_vat=True)
    _write(tango_db, order)
    totals = compute_totals(order, 2)
    header = tango_db.rows("SELECT TOTAL_PEDI, TOTAL_PEDI_CON_IMPUESTOS FROM GVA21")[0]
    assert Decimal(str(header["TOTAL_PEDI_CON_IMPUESTOS"])) == totals.total_with_vat
    assert Decimal(str(header["TOTAL_PEDI"])) == totals.total_without_vat
    assert totals.total_with_vat == sum(
        (li.quantity * li.unit_price * (1 - li.discount_pct / 100) for li in order.lines),
        Decimal(0)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- reading


def test_reader_streams_every_kind_with_the_seed_counts(tango_db):
    rows = seed_rows()
    expected = {
        MasterKind.ARTICLES: len(rows["STA11"]), MasterKind.PRICE_LISTS: len(rows["GVA10"]),
        MasterKind.PRICES: len(rows["GVA17"]), MasterKind.CUSTOMERS: len(rows["GVA14"]),
        MasterKind.SELLERS: len(rows["GVA23"]), MasterKind.SALE_CONDITIONS: len(rows["GVA01"]),
        MasterKind.DEPOSITS: len(rows["STA22"]), MasterKind.STOCK: len(rows["STA19"]),
        MasterKind.VAT_RATES: len(rows["GVA41"]),
    }
    settings = tango_db.with_settings(fetch_size=7)  # many fetchmany rounds
    with tango_db.connect(fetch_size=7) as conn:
        got = {kind: list(records) for kind, records in MasterDataReader(conn, settings).read_all()}
    assert {k: len(v) for k, v in got.items()} == expected

    facts = tango_db.facts
    articles = {a.code: a for a in got[MasterKind.ARTICLES]}
    assert {c for c, a in articles.items() if not a.sellable} == set(facts.disabled_articles)
    assert {c for c, a in articles.items() if not a.manages_stock} == set(facts.non_stock_articles)
    coke = articles["BE0001"]
    assert coke.description == "Gaseosa Coca-Cola 500 ml"
    assert coke.family == "Bebidas"
    assert coke.vat_rate == Decimal(21)
    assert coke.unit == "UNI"
    assert len(coke.barcode) == 13
    assert {a.vat_rate for a in articles.values()} == {Decimal(21), Decimal("10.5")}
    assert any(a.allows_fractions for a in articles.values())

    lists = {p.number: p for p in got[MasterKind.PRICE_LISTS]}
    assert [n for n, p in lists.items() if p.includes_vat] == [facts.vat_included_list]
    assert all(isinstance(p.price, Decimal) for p in got[MasterKind.PRICES])

    customers = {c.code: c for c in got[MasterKind.CUSTOMERS]}
    assert {c for c, v in customers.items() if not v.enabled} == set(facts.disabled_customers)
    first = customers[facts.enabled_customers[0]]
    assert first.name == "Supermercado La Estrella S.R.L."
    assert first.seller_code == "V01" and first.email.endswith(".com.ar")
    assert {c.code for c in customers.values() if c.seller_code == "V02"} == set(
        facts.customers_by_seller["V02"])

    sellers = got[MasterKind.SELLERS]
    assert all(s.enabled and "@" in s.email for s in sellers)
    assert {d.code for d in got[MasterKind.DEPOSITS]} == set(facts.deposits)
    assert any(c.cash for c in got[MasterKind.SALE_CONDITIONS])
    stock = got[MasterKind.STOCK][0]
    assert isinstance(stock.on_hand, Decimal) and stock.available == stock.on_hand - stock.committed


def test_reader_sees_committed_stock_after_a_write(tango_db):
    code = tango_db.facts.sellable_articles[0]
    order = make_order(articles=(code,), quantities=(Decimal(5),))
    with tango_db.connect() as conn:
        reader = MasterDataReader(conn, tango_db.settings)
        before = next(s for s in reader.read(MasterKind.STOCK)
                      if s.article_code == code and s.deposit_code == "1")
    _write(tango_db, order, commit_stock=True)
    with tango_db.connect() as conn:
        after = next(s for s in MasterDataReader(conn, tango_db.settings).read(MasterKind.STOCK)
                     if s.article_code == code and s.deposit_code == "1")
    assert after.committed == before.committed + 5
