"""Vendedor Móvil: the seller's portfolio, a customer's card, catalog, cart and confirm.

Only customers of the seller's own portfolio (``COD_VENDED``) exist here; anyone else's is
a 404. The catalog, cart and confirm pages are the shared ones of ``cart_pages``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from connectors.cloud.contract import Channel
from connectors.cloud.server import carts, catalog
from connectors.cloud.server.models import CustomerRow
from connectors.cloud.server.order_entry import check_customer
from connectors.cloud.server.order_summary import order_summaries
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web import cart_pages
from connectors.cloud.server.web.auth import ContextDep, SellerDep

router = APIRouter(prefix="/vendedor")


def _shop(viewer: Viewer, customer_code: str) -> cart_pages.Shop:
    def customer_of(session: Session) -> CustomerRow:
        assert viewer.seller_code is not None
        customer = catalog.seller_customer(session, viewer.company_id, viewer.seller_code,
                                           customer_code)
        if customer is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        return customer

    return cart_pages.Shop(
        channel=Channel.VENDEDOR,
        base=f"/vendedor/clientes/{customer_code}",
        back_href=f"/vendedor/clientes/{customer_code}",
        back_label="Ficha del cliente",
        customer_of=customer_of,
    )


@router.get("/clientes", response_class=HTMLResponse)
def portfolio(request: Request, ctx: ContextDep, viewer: SellerDep, q: str = "") -> Response:
    """The seller's own enabled customers, searchable by name, code or CUIT."""
    assert viewer.seller_code is not None
    with ctx.db.transaction() as session:
        customers = catalog.seller_customers(session, viewer.company_id, viewer.seller_code,
                                             q[:60])
    return ctx.templates.TemplateResponse(
        request, "seller/customers.html", {"viewer": viewer, "customers": customers, "q": q}
    )


@router.get("/clientes/{customer_code}", response_class=HTMLResponse)
def customer_card(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str
) -> Response:
    """The customer's card: conditions, price list, discount, last orders, open cart."""
    shop = _shop(viewer, customer_code)
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        cart = carts.find_cart(session, viewer.company_id, viewer.user_id, customer.code)
        context = {
            "viewer": viewer, "shop": shop, "customer": customer, "price_list": plist,
            "condition": catalog.sale_condition(session, viewer.company_id,
                                                customer.sale_condition),
            "cart_lines": len(cart.lines) if cart else 0,
            "orders": order_summaries(
                catalog.last_orders(session, viewer.company_id, customer.code)),
            "blocking": check_customer(customer, plist),
        }
    return ctx.templates.TemplateResponse(request, "seller/card.html", context)


@router.get("/clientes/{customer_code}/catalogo", response_class=HTMLResponse)
def customer_catalog(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str,
    q: str = "", rubro: str = "", page: int = 1,
) -> Response:
    """Articles priced for this customer, a quantity box each, the cart filled in."""
    return cart_pages.catalog_response(request, ctx, viewer, _shop(viewer, customer_code),
                                       q=q, rubro=rubro, page=page)


@router.post("/clientes/{customer_code}/carrito")
async def update_cart(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str
) -> Response:
    """Save the quantities typed on a catalog or review page."""
    return await cart_pages.update_cart(request, ctx, viewer, _shop(viewer, customer_code))


@router.get("/clientes/{customer_code}/pedido", response_class=HTMLResponse)
def review(request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str) -> Response:
    """The order to review before confirming."""
    return cart_pages.review_response(request, ctx, viewer, _shop(viewer, customer_code))


@router.post("/clientes/{customer_code}/pedido")
async def confirm_order(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str
) -> Response:
    """Validate and confirm; back to the review with the reasons (cart intact) on error."""
    return await cart_pages.confirm(request, ctx, viewer, _shop(viewer, customer_code))


@router.post("/clientes/{customer_code}/repetir/{order_code}")
async def repeat_order(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str, order_code: str
) -> Response:
    """Copy one of the customer's orders into the cart, flagging what changed."""
    return await cart_pages.repeat_order(request, ctx, viewer, _shop(viewer, customer_code),
                                         order_code)
