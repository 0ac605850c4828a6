"""An order as people see it: the page ``/pedidos/{code}`` and its JSON status for polling."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from connectors.cloud.server import orders
from connectors.cloud.server.access import can_view_order
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.models import Order
from connectors.cloud.server.pricing import PricedLine, order_totals
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web.auth import ContextDep, ViewerDep

router = APIRouter()


def _visible_order(ctx: AppContext, viewer: Viewer, code: str) -> Order:
    """The order if the viewer may see it; 404 otherwise (no hint that it exists)."""
    with ctx.db.transaction() as session:
        try:
            order = orders.find_order(session, viewer.company_id, code)
        except orders.OrderNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND) from None
    if not can_view_order(viewer, order):
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return order


@router.get("/pedidos/{code}", response_class=HTMLResponse)
def order_page(request: Request, ctx: ContextDep, viewer: ViewerDep, code: str) -> Response:
    """Number, customer, lines, totals and where the order is (confirmed, in Tango, error)."""
    order = _visible_order(ctx, viewer, code)
    lines = [
        (line, PricedLine(line.quantity, line.unit_price, line.discount_pct, line.vat_rate))
        for line in order.lines
    ]
    totals = order_totals(
        (priced for _, priced in lines), order.customer_discount_pct, order.prices_include_vat
    )
    return ctx.templates.TemplateResponse(
        request,
        "order.html",
        {"viewer": viewer, "order": order, "lines": lines, "totals": totals},
    )


@router.get("/api/v1/orders/{code}")
def order_status(ctx: ContextDep, viewer: ViewerDep, code: str) -> dict[str, str | None]:
    """``{"code", "status", "tango_number", "error"}`` for the logged-in viewer."""
    order = _visible_order(ctx, viewer, code)
    return {
        "code": order.code,
        "status": order.status,
        "tango_number": order.tango_number,
        "error": order.error_message if order.status == orders.OrderStatus.ERROR.value else None,
    }
