"""ConfirmedOrder → GVA21/GVA03 values (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from connectors.cloud.contract import Channel, ConfirmedOrder, OrderLine
from connectors.tango.mapping import (
    GVA03_KEYS,
    GVA21_KEYS,
    ArticleFacts,
    PedidoContext,
    local_naive,
    map_pedido,
)

NOW = datetime(2025, 5, 20, 18, 5, 9)  # Argentina local, naive


def _order(**overrides) -> ConfirmedOrder:
    values = dict(
        code="CP-00000012", channel=Channel.PREVENTA, customer_code="000101", seller_code=None,
        price_list=2, prices_include_vat=True, sale_condition=3, customer_discount_pct=D("2.5"),
        observations="Tocar timbre\nsegundo piso", customer_po="OC-778",
        delivery_date=date(2025, 5, 22),
        confirmed_at=datetime(2025, 5, 20, 2, 30, tzinfo=UTC),  # 23:30 of the 19th in BA
        placed_by="ana@cliente.com.ar",
        lines=[OrderLine(line_no=1, article_code="BE0001", quantity=D(6), unit_price=D("2874.75"),
                         discount_pct=D(10), vat_rate=D(21)),
               OrderLine(line_no=2, article_code="AL0010", quantity=D("2.5"),
                         unit_price=D("1500"), vat_rate=D("10.5"))],
    )
    values.update(overrides)
    return ConfirmedOrder(**values)


def _ctx(**overrides) -> PedidoContext:
    values = dict(talonario=6, nro_pedido="X0065200001018", estado=2, deposit="1", now_local=NOW,
                  user="ACTIVO", terminal="SERVIDOR-ERP", commit_stock=True, id_gva21=41,
                  line_ids=(90, 91), seller_code="V02", transport_code="01", id_gva14=7,
                  id_sta22=1, id_gva43=2,
                  articles={"BE0001": ArticleFacts("BE0001", id_sta11=1, id_medida_ventas=1,
                                                   id_medida_stock=1)})
    values.update(overrides)
    return PedidoContext(**values)


def test_header_values():
    rows = map_pedido(_order(), _ctx())
    h = rows.header
    assert set(h) == set(GVA21_KEYS)
    assert (h["ID_GVA21"], h["TALON_PED"], h["NRO_PEDIDO"], h["ESTADO"]) == (
        41, 6, "X0065200001018", 2)
    assert h["ORIGEN"] == "E" and h["ID_EXTERNO"] == "CP-00000012"
    assert h["LEYENDA_1"] == "Castor Preventa Telefónica CP-00000012"
    assert h["LEYENDA_2"] == "Tocar timbre segundo piso"
    assert h["LEYENDA_3"] == "Confirmado por ana@cliente.com.ar"
    assert h["OBSERVACIONES"] == "Tocar timbre\nsegundo piso"
    assert h["NRO_OC_COMP"] == "OC-778"
    assert h["FECHA_PEDI"] == datetime(2025, 5, 19)  # Argentina date of confirmation
    assert h["FECHA_ENTR"] == datetime(2025, 5, 22)
    assert h["FECHA_INGRESO"] == datetime(2025, 5, 20) and h["HORA_INGRESO"] == "180509"
    assert h["FECHA_APRU"] == datetime(2025, 5, 20) and h["HORA_APRUE"] == "1805"
    assert h["USUARIO_INGRESO"] == "ACTIVO" and h["TERMINAL_INGRESO"] == "SERVIDOR-ERP"
    assert (h["COD_VENDED"], h["COD_TRANSP"], h["COD_SUCURS"]) == ("V02", "01", "1")
    assert (h["COND_VTA"], h["N_LISTA"], h["PORC_DESC"]) == (3, 2, D("2.5"))
    assert (h["MON_CTE"], h["COTIZ"], h["ID_MONEDA"], h["COMP_STK"]) == (True, 1, 1, True)
    assert h["TOTAL_PEDI"] == rows.totals.total_without_vat
    assert h["TOTAL_PEDI_CON_IMPUESTOS"] == rows.totals.total_with_vat
    assert h["IMPORTE_DESCUENTO_GENERAL"] == rows.totals.discount_with_vat
    assert h["IMPORTE_DESCUENTO_CLIENTE"] == 0 and h["APLICA_DESCUENTO_CLIENTE"] is False
    assert (h["ID_GVA14"], h["ID_STA22"], h["ID_GVA43_TALON_PED"]) == (7, 1, 2)


def test_pending_approval_leaves_approval_fields_empty():
    h = map_pedido(_order(delivery_date=None), _ctx(estado=1)).header
    assert h["ESTADO"] == 1
    assert h["FECHA_APRU"] is None and h["HORA_APRUE"] is None and h["APRUEBA"] is None
    assert h["FECHA_ENTR"] == h["FECHA_PEDI"]  # no delivery date: the order's date


def test_line_values():
    rows = map_pedido(_order(), _ctx())
    first, second = rows.lines
    assert set(first) == set(GVA03_KEYS)
    assert (first["ID_GVA03"], first["ID_GVA21"], first["N_RENGLON"], first["NRO_ORDEN"]) == (
        90, 41, 1, 1)
    assert second["N_RENGLON"] == 2 and second["ID_GVA03"] == 91
    for key in ("CANT_PEDID", "CANT_A_FAC", "CANT_A_DES", "CANT_PEN_F", "CANT_PEN_D"):
        assert first[key] == D(6) and second[key] == D("2.5")
    assert first["PEN_REM_FC"] == first["PEN_FAC_RE"] == 0
    assert first["PRECIO"] == first["PRECIO_LISTA"] == D("2874.75")
    assert first["PRECIO_BONIF"] == D("2587.2750000")
    assert first["DESCUENTO"] == D(10)
    assert first["IMPORTE_CON_IMPUESTOS"] == D("15523.65")  # 6 × 2587.275, IVA included
    assert first["IMPORTE_SIN_IMPUESTOS"] == D("12829.46")  # / 1.21
    assert first["IMPORTE_PROPORCIONADO"] == D("12508.72")  # less 2.5 %
    assert first["CAN_EQUI_V"] == 1 and first["UNIDAD_MEDIDA_SELECCIONADA"] == "V"
    assert first["COD_DEPOSI"] == "1" and first["ID_STA11"] == 1
    assert second["ID_STA11"] is None  # unknown facts stay empty, not invented


def test_local_naive_uses_argentina_time():
    assert local_naive(datetime(2025, 1, 1, 2, 0, tzinfo=UTC)) == datetime(2024, 12, 31, 23, 0)
