"""A confirmed cloud order → the GVA21 header and GVA03 lines of a Tango pedido (pure).

Tango stores naive local dates, so every date and hour here is Argentina time. The mapping
always produces the same keys (None where there is nothing to say), so the writer's INSERT
plan is computed once per connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from connectors.cloud.contract import CHANNEL_LABELS_ES, ConfirmedOrder
from connectors.tango.totals import LineInput, OrderTotals, order_totals

ARGENTINA = ZoneInfo("America/Argentina/Buenos_Aires")
ESTADO_INGRESADO = 1
ESTADO_APROBADO = 2
LEYENDA_LENGTH = 60

GVA21_KEYS: tuple[str, ...] = (
    "ID_GVA21", "TALON_PED", "NRO_PEDIDO", "ESTADO", "COD_CLIENT", "COND_VTA", "N_LISTA",
    "COD_VENDED", "COD_TRANSP", "COD_SUCURS", "PORC_DESC", "FECHA_PEDI", "FECHA_ENTR",
    "FECHA_APRU", "HORA_APRUE", "APRUEBA", "LEYENDA_1", "LEYENDA_2", "LEYENDA_3",
    "OBSERVACIONES", "ID_EXTERNO", "NRO_OC_COMP", "ORIGEN", "MON_CTE", "COTIZ", "ID_MONEDA",
    "COMP_STK", "EXPORTADO", "TOTAL_PEDI", "TOTAL_PEDI_CON_IMPUESTOS", "TOTAL_EXENTO",
    "IMPORTE_DESCUENTO_GENERAL", "IMPORTE_DESCUENTO_GENERAL_SIN_IMPUESTOS",
    "APLICA_DESCUENTO_CLIENTE", "IMPORTE_DESCUENTO_CLIENTE", "PORCENTAJE_DESCUENTO_CLIENTE",
    "ES_CLOUD", "ES_PEDIDO_WEB", "FECHA_INGRESO", "HORA_INGRESO", "USUARIO_INGRESO",
    "TERMINAL_INGRESO", "ID_GVA14", "ID_STA22", "ID_GVA43_TALON_PED",
)
GVA03_KEYS: tuple[str, ...] = (
    "ID_GVA03", "ID_GVA21", "TALON_PED", "NRO_PEDIDO", "N_RENGLON", "NRO_ORDEN", "COD_ARTICU",
    "COD_DEPOSI", "CANT_PEDID", "CANT_A_FAC", "CANT_A_DES", "CANT_PEN_F", "CANT_PEN_D",
    "PEN_REM_FC", "PEN_FAC_RE", "PRECIO", "PRECIO_LISTA", "PRECIO_BONIF", "PRECIO_NETO",
    "DESCUENTO", "IMPORTE_SIN_IMPUESTOS", "IMPORTE_CON_IMPUESTOS", "IMPORTE_PROPORCIONADO",
    "CAN_EQUI_V", "UNIDAD_MEDIDA_SELECCIONADA", "ID_MEDIDA_VENTAS", "ID_MEDIDA_STOCK",
    "PROMOCION", "ID_STA11", "ID_STA22",
)


@dataclass(frozen=True)
class ArticleFacts:
    """What the writer read from STA11 about one article."""

    code: str
    sellable: bool = True
    manages_stock: bool = True
    id_sta11: int | None = None
    id_medida_ventas: int | None = None
    id_medida_stock: int | None = None


@dataclass(frozen=True)
class PedidoContext:
    """Everything besides the order that the pedido's rows need, decided by the writer."""

    talonario: int
    nro_pedido: str
    estado: int
    deposit: str
    now_local: datetime  # naive Argentina time of writing
    user: str
    terminal: str = ""
    commit_stock: bool = False
    decimals: int = 2
    id_gva21: int | None = None
    line_ids: tuple[int, ...] | None = None
    seller_code: str | None = None  # the order's, else the customer's
    transport_code: str | None = None
    id_gva14: int | None = None
    id_sta22: int | None = None
    id_gva43: int | None = None
    articles: Mapping[str, ArticleFacts] = field(default_factory=dict)


@dataclass(frozen=True)
class PedidoRows:
    header: dict[str, Any]
    lines: list[dict[str, Any]]
    totals: OrderTotals


def local_naive(moment: datetime) -> datetime:
    """An aware datetime as naive Argentina time (what Tango's datetime columns hold)."""
    if moment.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
    return moment.astimezone(ARGENTINA).replace(tzinfo=None)


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def compute_totals(order: ConfirmedOrder, decimals: int) -> OrderTotals:
    """The order's totals as the pedido will store them."""
    lines = [LineInput(li.quantity, li.unit_price, li.discount_pct, li.vat_rate)
             for li in order.lines]
    return order_totals(lines, order.customer_discount_pct, order.prices_include_vat, decimals)


def leyenda_channel(order: ConfirmedOrder) -> str:
    """``Castor Vendedor Móvil CP-00000012``: where the order came from, for Tango's users."""
    return f"Castor {CHANNEL_LABELS_ES[order.channel]} {order.code}"[:LEYENDA_LENGTH]


def map_pedido(order: ConfirmedOrder, ctx: PedidoContext) -> PedidoRows:
    """GVA21 and GVA03 values (keys ``GVA21_KEYS`` / ``GVA03_KEYS``) for ``order``."""
    totals = compute_totals(order, ctx.decimals)
    ordered_at = _midnight(local_naive(order.confirmed_at))
    delivery = (datetime(order.delivery_date.year, order.delivery_date.month,  # noqa: DTZ001
                         order.delivery_date.day) if order.delivery_date else ordered_at)
    approved = ctx.estado == ESTADO_APROBADO
    observations = " ".join(order.observations.split())
    header: dict[str, Any] = {
        "ID_GVA21": ctx.id_gva21,
        "TALON_PED": ctx.talonario,
        "NRO_PEDIDO": ctx.nro_pedido,
        "ESTADO": ctx.estado,
        "COD_CLIENT": order.customer_code,
        "COND_VTA": order.sale_condition,
        "N_LISTA": order.price_list,
        "COD_VENDED": ctx.seller_code,
        "COD_TRANSP": ctx.transport_code,
        "COD_SUCURS": ctx.deposit,
        "PORC_DESC": order.customer_discount_pct,
        "FECHA_PEDI": ordered_at,
        "FECHA_ENTR": delivery,
        "FECHA_APRU": _midnight(ctx.now_local) if approved else None,
        "HORA_APRUE": ctx.now_local.strftime("%H%M") if approved else None,
        "APRUEBA": ctx.user if approved else None,
        "LEYENDA_1": leyenda_channel(order),
        "LEYENDA_2": observations[:LEYENDA_LENGTH] or None,
        "LEYENDA_3": f"Confirmado por {order.placed_by}" if order.placed_by else None,
        "OBSERVACIONES": order.observations or None,
        "ID_EXTERNO": order.code,
        "NRO_OC_COMP": order.customer_po,
        "ORIGEN": "E",  # external: loaded by another program
        "MON_CTE": True,  # pesos (moneda corriente)
        "COTIZ": Decimal(1),
        "ID_MONEDA": 1,
        "COMP_STK": ctx.commit_stock,
        "EXPORTADO": False,
        "TOTAL_PEDI": totals.total_without_vat,
        "TOTAL_PEDI_CON_IMPUESTOS": totals.total_with_vat,
        "TOTAL_EXENTO": totals.total_exempt,
        # The customer's discount travels as Tango's general discount (PORC_DESC); the
        # separate "descuento cliente" fields stay zero so it is not applied twice.
        "IMPORTE_DESCUENTO_GENERAL": totals.discount_with_vat,
        "IMPORTE_DESCUENTO_GENERAL_SIN_IMPUESTOS": totals.discount_without_vat,
        "APLICA_DESCUENTO_CLIENTE": False,
        "IMPORTE_DESCUENTO_CLIENTE": Decimal(0),
        "PORCENTAJE_DESCUENTO_CLIENTE": Decimal(0),
        "ES_CLOUD": False,  # Tango's own cloud flag, not ours
        "ES_PEDIDO_WEB": False,
        "FECHA_INGRESO": _midnight(ctx.now_local),
        "HORA_INGRESO": ctx.now_local.strftime("%H%M%S"),
        "USUARIO_INGRESO": ctx.user,
        "TERMINAL_INGRESO": ctx.terminal or None,
        "ID_GVA14": ctx.id_gva14,
        "ID_STA22": ctx.id_sta22,
        "ID_GVA43_TALON_PED": ctx.id_gva43,
    }
    if ctx.line_ids is not None and len(ctx.line_ids) != len(order.lines):
        raise ValueError("line_ids must have one id per order line")
    lines = []
    for index, (line, computed) in enumerate(zip(order.lines, totals.lines, strict=True)):
        facts = ctx.articles.get(line.article_code, ArticleFacts(line.article_code))
        qty = line.quantity
        lines.append({
            "ID_GVA03": ctx.line_ids[index] if ctx.line_ids is not None else None,
            "ID_GVA21": ctx.id_gva21,
            "TALON_PED": ctx.talonario,
            "NRO_PEDIDO": ctx.nro_pedido,
            "N_RENGLON": index + 1,
            "NRO_ORDEN": index + 1,
            "COD_ARTICU": line.article_code,
            "COD_DEPOSI": ctx.deposit,
            "CANT_PEDID": qty,
            "CANT_A_FAC": qty,
            "CANT_A_DES": qty,
            "CANT_PEN_F": qty,
            "CANT_PEN_D": qty,
            "PEN_REM_FC": Decimal(0),
            "PEN_FAC_RE": Decimal(0),
            "PRECIO": computed.price,
            "PRECIO_LISTA": computed.price,
            "PRECIO_BONIF": computed.bonified_price,
            "PRECIO_NETO": computed.net_price,
            "DESCUENTO": line.discount_pct,
            "IMPORTE_SIN_IMPUESTOS": computed.amount_without_vat,
            "IMPORTE_CON_IMPUESTOS": computed.amount_with_vat,
            "IMPORTE_PROPORCIONADO": computed.proportioned,
            "CAN_EQUI_V": Decimal(1),
            "UNIDAD_MEDIDA_SELECCIONADA": "V",  # quantities are in the sales unit
            "ID_MEDIDA_VENTAS": facts.id_medida_ventas,
            "ID_MEDIDA_STOCK": facts.id_medida_stock,
            "PROMOCION": False,
            "ID_STA11": facts.id_sta11,
            "ID_STA22": ctx.id_sta22,
        })
    return PedidoRows(header, lines, totals)
