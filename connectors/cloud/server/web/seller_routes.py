"""Vendedor Móvil: the seller's portfolio, a customer's catalog and confirming the order."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import Channel
from connectors.cloud.server import catalog, orders
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.models import CustomerRow
from connectors.cloud.server.order_entry import OrderForm, check_customer, place_order
from connectors.cloud.server.security import new_secret
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web.auth import ContextDep, SellerDep, check_csrf

router = APIRouter(prefix="/vendedor")


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


def _customer_or_404(session, viewer: Viewer, code: str) -> CustomerRow:  # type: ignore[no-untyped-def]
    assert viewer.seller_code is not None
    customer = catalog.seller_customer(session, viewer.company_id, viewer.seller_code, code)
    if customer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return customer


def _catalog_response(
    request: Request,
    ctx: AppContext,
    viewer: Viewer,
    customer_code: str,
    *,
    q: str = "",
    page: int = 1,
    form: OrderForm | None = None,
    errors: list[str] | None = None,
) -> Response:
    with ctx.db.transaction() as session:
        customer = _customer_or_404(session, viewer, customer_code)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        condition = catalog.sale_condition(session, viewer.company_id, customer.sale_condition)
        listing = catalog.catalog_page(session, viewer.company_id, customer, query=q[:60],
                                       page=page, page_size=ctx.settings.catalog_page_size)
        blocking = check_customer(customer, plist)
        if form is not None:
            # Keep lines the seller typed that are not on this page, so nothing is lost.
            shown = {item.code for item in listing.items}
            extra = catalog.catalog_items_by_code(
                session, viewer.company_id, customer,
                [code for code in form.quantities if code not in shown],
            )
            items = list(extra.values()) + listing.items
        else:
            items = listing.items
    return ctx.templates.TemplateResponse(
        request,
        "seller/catalog.html",
        {
            "viewer": viewer,
            "customer": customer,
            "price_list": plist,
            "condition": condition,
            "items": items,
            "page": listing.page,
            "has_next": listing.has_next,
            "q": q,
            "form": form or OrderForm(quantities={}),
            "errors": errors or [],
            "blocking": blocking,
            "submission_id": new_secret(),
        },
        status_code=422 if errors else 200,
    )


@router.get("/clientes/{customer_code}/catalogo", response_class=HTMLResponse)
def customer_catalog(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str,
    q: str = "", page: int = 1,
) -> Response:
    """The order form: articles priced for this customer, a quantity box each."""
    return _catalog_response(request, ctx, viewer, customer_code, q=q, page=page)


@router.post("/clientes/{customer_code}/pedido")
async def confirm_order(
    request: Request, ctx: ContextDep, viewer: SellerDep, customer_code: str
) -> Response:
    """Validate and confirm; back to the form with the reasons (and the quantities) on error."""
    raw = await request.form()
    check_csrf(raw.get("csrf_token"), viewer.csrf_token)
    form = OrderForm.from_form({key: value for key, value in raw.items()})

    def confirm() -> tuple[str | None, list[str]]:
        with ctx.db.transaction() as session:
            customer = _customer_or_404(session, viewer, customer_code)
            row, errors = place_order(
                session,
                company_id=viewer.company_id,
                order_prefix=ctx.settings.order_prefix,
                channel=Channel.VENDEDOR,
                customer=customer,
                form=form,
                placed_by=viewer.email,
                placed_by_user_id=viewer.user_id,
            )
            return (row.code if row else None), errors

    def already_confirmed() -> str | None:
        with ctx.db.transaction() as session:
            row = orders.find_submitted(session, viewer.company_id, form.submission_id)
            return row.code if row else None

    try:
        code, errors = await run_in_threadpool(confirm)
    except IntegrityError:  # the same form confirmed concurrently: show the order it made
        code, errors = await run_in_threadpool(already_confirmed), []
        if code is None:
            raise
    if code is None:
        return await run_in_threadpool(
            _catalog_response, request, ctx, viewer, customer_code, form=form, errors=errors
        )
    return RedirectResponse(f"/pedidos/{code}", status.HTTP_303_SEE_OTHER)
