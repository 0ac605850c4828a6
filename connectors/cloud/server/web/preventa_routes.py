"""Preventa Telefónica: any customer of the company, a keyboard-only entry grid, confirm.

The grid page is a plain form (article + quantity) that works without JavaScript; the small
``preventa.js`` turns it into code → Enter → quantity → Enter, with the server cart as truth.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import Channel
from connectors.cloud.server import carts, catalog
from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.formatting import format_money, format_quantity
from connectors.cloud.server.models import CustomerRow
from connectors.cloud.server.order_entry import QTY_PREFIX, check_customer
from connectors.cloud.server.order_summary import order_summaries
from connectors.cloud.server.security import new_secret
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web import cart_pages
from connectors.cloud.server.web.auth import ClerkDep, ContextDep

SEARCH_ROWS = 20
SUGGESTIONS = 8

router = APIRouter(prefix="/preventa")


def _shop(viewer: Viewer, customer_code: str) -> cart_pages.Shop:
    def customer_of(session: Session) -> CustomerRow:
        customer = catalog.company_customer(session, viewer.company_id, customer_code)
        if customer is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        return customer

    return cart_pages.Shop(
        channel=Channel.PREVENTA, base=f"/preventa/clientes/{customer_code}",
        back_href="/preventa", back_label="Buscar otro cliente", customer_of=customer_of,
        entry_path="",
    )


def _customer_json(customer: CustomerRow) -> dict[str, str]:
    return {"code": customer.code, "name": customer.name, "tax_id": customer.tax_id,
            "city": customer.city, "url": f"/preventa/clientes/{customer.code}"}


@router.get("", response_class=HTMLResponse)
def find_customer(request: Request, ctx: ContextDep, viewer: ClerkDep, q: str = "") -> Response:
    """Find any enabled customer by name, code or CUIT (JSON for the live search)."""
    with ctx.db.transaction() as session:
        customers = catalog.search_customers(session, viewer.company_id, q[:60],
                                             limit=SEARCH_ROWS) if q.strip() else []
    if cart_pages.wants_json(request):
        return JSONResponse([_customer_json(c) for c in customers])
    return ctx.templates.TemplateResponse(
        request, "preventa/search.html", {"viewer": viewer, "customers": customers, "q": q})


@router.get("/clientes/{customer_code}", response_class=HTMLResponse)
def entry_grid(request: Request, ctx: ContextDep, viewer: ClerkDep, customer_code: str
               ) -> Response:
    """The fast entry grid for one customer, the cart as it stands on the server."""
    return _grid_response(request, ctx, viewer, customer_code)


def _grid_response(request: Request, ctx: AppContext, viewer: Viewer, customer_code: str,
                   error: str = "") -> Response:
    shop = _shop(viewer, customer_code)
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        cart = carts.find_cart(session, viewer.company_id, viewer.user_id, customer.code)
        view = carts.view_cart(session, viewer.company_id, customer, cart, plist)
        context = {
            "viewer": viewer, "shop": shop, "customer": customer, "price_list": plist,
            "condition": catalog.sale_condition(session, viewer.company_id,
                                                customer.sale_condition),
            "cart": view,
            "last": order_summaries(catalog.last_orders(session, viewer.company_id,
                                                        customer.code, 1)),
            "blocking": check_customer(customer, plist), "submission_id": new_secret(),
            "error": error,
        }
    return ctx.templates.TemplateResponse(request, "preventa/entry.html", context,
                                          status_code=422 if error else 200)


def _item_json(item: CatalogItem) -> dict[str, Any]:
    return {"code": item.code, "description": item.description,
            "price": format_money(item.net_price), "list_price": format_money(item.list_price),
            "stock": format_quantity(item.stock) if item.stock is not None else "",
            "fractions": item.allows_fractions, "unit": item.unit}


def _matches(session: Session, viewer: Viewer, customer: CustomerRow, q: str
             ) -> list[CatalogItem]:
    """Articles for what was typed: the exact code first, else the search's first few."""
    term = q.strip()[:60]
    if not term:
        return []
    exact = catalog.catalog_items_by_code(session, viewer.company_id, customer, [term.upper()])
    if exact:
        return list(exact.values())
    return catalog.catalog_page(session, viewer.company_id, customer, query=term,
                                page_size=SUGGESTIONS).items


@router.get("/clientes/{customer_code}/articulos")
def find_articles(
    ctx: ContextDep, viewer: ClerkDep, customer_code: str, q: str = ""
) -> list[dict[str, Any]]:
    """JSON: the articles matching a code or description, priced for the customer."""
    shop = _shop(viewer, customer_code)
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        return [_item_json(item) for item in _matches(session, viewer, customer, q)]


@router.post("/clientes/{customer_code}/carrito")
async def update_cart(
    request: Request, ctx: ContextDep, viewer: ClerkDep, customer_code: str
) -> Response:
    """Set quantities (``qty_CODE``), or one ``article`` (code or description) + ``quantity``."""
    shop = _shop(viewer, customer_code)
    form = await cart_pages.read_form(request, viewer)
    article = form.pop("article", "").strip()
    if article:
        def resolve() -> list[CatalogItem]:
            with ctx.db.transaction() as session:
                return _matches(session, viewer, shop.customer_of(session), article)

        found = await run_in_threadpool(resolve)
        if len(found) != 1:
            reason = ("Ningún artículo coincide con «{}»." if not found else
                      "Hay varios artículos para «{}»: escribí el código.").format(article)
            return await _entry_error(request, ctx, viewer, customer_code, reason)
        form[QTY_PREFIX + found[0].code] = form.pop("quantity", "") or str(Decimal(1))
    form.setdefault("goto", "stay")
    return await cart_pages.update_cart(request, ctx, viewer, shop, form=form)


async def _entry_error(request: Request, ctx: AppContext, viewer: Viewer, customer_code: str,
                       reason: str) -> Response:
    if cart_pages.wants_json(request):
        return JSONResponse({"errors": [reason]}, status_code=422)
    return await run_in_threadpool(_grid_response, request, ctx, viewer, customer_code, reason)


@router.get("/clientes/{customer_code}/pedido", response_class=HTMLResponse)
def review(request: Request, ctx: ContextDep, viewer: ClerkDep, customer_code: str) -> Response:
    return cart_pages.review_response(request, ctx, viewer, _shop(viewer, customer_code))


@router.post("/clientes/{customer_code}/pedido")
async def confirm_order(
    request: Request, ctx: ContextDep, viewer: ClerkDep, customer_code: str
) -> Response:
    return await cart_pages.confirm(request, ctx, viewer, _shop(viewer, customer_code))


@router.post("/clientes/{customer_code}/repetir")
async def repeat_last_order(
    request: Request, ctx: ContextDep, viewer: ClerkDep, customer_code: str
) -> Response:
    """The customer's last order into the cart (F2 on the grid)."""
    return await cart_pages.repeat_order(request, ctx, viewer, _shop(viewer, customer_code),
                                         None)
