"""Autogestión Clientes: the customer's own catalog and prices, cart, history, reorder.

The customer is always the logged-in user's own (``users.customer_code``); no URL names it,
so there is nothing to guess.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from connectors.cloud.contract import Channel
from connectors.cloud.server import catalog
from connectors.cloud.server.models import CustomerRow
from connectors.cloud.server.order_entry import check_customer
from connectors.cloud.server.order_summary import order_summaries
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web import cart_pages
from connectors.cloud.server.web.auth import ContextDep, CustomerDep

HISTORY_ROWS = 50

router = APIRouter(prefix="/cliente")


def _shop(viewer: Viewer) -> cart_pages.Shop:
    def customer_of(session: Session) -> CustomerRow:
        assert viewer.customer_code is not None
        customer = catalog.company_customer(session, viewer.company_id, viewer.customer_code)
        if customer is None:  # not synced (yet): nothing to order from
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        return customer

    return cart_pages.Shop(
        channel=Channel.AUTOGESTION, base="/cliente", back_href="/cliente/pedidos",
        back_label="Mis pedidos", customer_of=customer_of,
    )


@router.get("")
def home(viewer: CustomerDep) -> Response:
    """The customer lands on their catalog."""
    return RedirectResponse("/cliente/catalogo", status.HTTP_303_SEE_OTHER)


@router.get("/catalogo", response_class=HTMLResponse)
def own_catalog(
    request: Request, ctx: ContextDep, viewer: CustomerDep, q: str = "", rubro: str = "",
    page: int = 1,
) -> Response:
    """The customer's catalog with their own prices (list, discount, IVA)."""
    return cart_pages.catalog_response(request, ctx, viewer, _shop(viewer), q=q, rubro=rubro,
                                       page=page)


@router.post("/carrito")
async def update_cart(request: Request, ctx: ContextDep, viewer: CustomerDep) -> Response:
    return await cart_pages.update_cart(request, ctx, viewer, _shop(viewer))


@router.get("/pedido", response_class=HTMLResponse)
def review(request: Request, ctx: ContextDep, viewer: CustomerDep) -> Response:
    return cart_pages.review_response(request, ctx, viewer, _shop(viewer))


@router.post("/pedido")
async def confirm_order(request: Request, ctx: ContextDep, viewer: CustomerDep) -> Response:
    return await cart_pages.confirm(request, ctx, viewer, _shop(viewer))


@router.get("/pedidos", response_class=HTMLResponse)
def history(request: Request, ctx: ContextDep, viewer: CustomerDep) -> Response:
    """The customer's orders, newest first, each with «Repetir pedido»."""
    shop = _shop(viewer)
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        context = {
            "viewer": viewer, "shop": shop, "customer": customer,
            "orders": order_summaries(
                catalog.last_orders(session, viewer.company_id, customer.code, HISTORY_ROWS)),
            "blocking": check_customer(customer, plist),
        }
    return ctx.templates.TemplateResponse(request, "cliente/history.html", context)


@router.post("/repetir/{order_code}")
async def repeat_order(
    request: Request, ctx: ContextDep, viewer: CustomerDep, order_code: str
) -> Response:
    """Copy an old order into the cart, flagging lines no longer sold or repriced."""
    return await cart_pages.repeat_order(request, ctx, viewer, _shop(viewer), order_code)
