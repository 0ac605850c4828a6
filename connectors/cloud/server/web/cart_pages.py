"""The catalog, cart, review and confirm pages shared by the three channels.

A channel's routes only decide *which* customer the person is ordering for (``Shop``); the
pages behave the same everywhere. Everything posts plain forms (the order flow works without
JavaScript); a request that asks for JSON gets the cart back as JSON instead of a redirect,
which is what the small scripts use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import Channel
from connectors.cloud.server import carts, catalog, checkout, orders
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.formatting import format_money, format_quantity
from connectors.cloud.server.models import Cart, CustomerRow
from connectors.cloud.server.order_entry import QTY_PREFIX, check_customer
from connectors.cloud.server.security import new_secret
from connectors.cloud.server.sessions import Viewer
from connectors.cloud.server.web.auth import check_csrf

MAX_QUERY = 60


@dataclass(frozen=True, slots=True)
class Shop:
    """Whom an order is for and where its pages live, for one channel and one request."""

    channel: Channel
    base: str  # prefix of the customer's pages: /vendedor/clientes/C0001, /cliente, ...
    back_href: str
    back_label: str
    customer_of: Callable[[Session], CustomerRow]  # raises 404 when not the viewer's to see
    entry_path: str = "/catalogo"  # where articles are picked, below ``base``

    @property
    def catalog_url(self) -> str:
        return self.base + self.entry_path

    @property
    def review_url(self) -> str:
        return self.base + "/pedido"


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def cart_json(view: carts.CartView, errors: list[str] | None = None) -> dict[str, Any]:
    """The cart as the scripts render it (amounts already formatted for Argentina)."""
    totals = view.totals
    return {
        "count": view.count,
        "lines": [
            {
                "code": line.code,
                "description": line.item.description if line.item else "",
                "quantity": str(line.quantity.normalize()),
                "quantity_text": format_quantity(line.quantity),
                "unit_price": format_money(line.item.list_price) if line.item else "",
                "amount": format_money(line.amount),
                "notice": line.notice,
            }
            for line in view.lines
        ],
        "subtotal": format_money(totals.subtotal),
        "discount": format_money(totals.discount),
        "vat": format_money(totals.vat),
        "total": format_money(totals.total),
        "includes_vat": totals.prices_include_vat,
        "errors": errors or [],
    }


# --------------------------------------------------------------------------- pages


def catalog_response(
    request: Request, ctx: AppContext, viewer: Viewer, shop: Shop, *,
    q: str = "", rubro: str = "", page: int = 1, template: str = "shop/catalog.html",
) -> Response:
    """The catalog as this customer sees it, with the cart's quantities filled in."""
    q, rubro = q[:MAX_QUERY], rubro[:MAX_QUERY]
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        listing = catalog.catalog_page(
            session, viewer.company_id, customer, query=q, family=rubro, page=page,
            page_size=ctx.settings.catalog_page_size,
        )
        cart = carts.find_cart(session, viewer.company_id, viewer.user_id, customer.code)
        view = carts.view_cart(session, viewer.company_id, customer, cart, plist)
        context = {
            "viewer": viewer, "shop": shop, "customer": customer, "price_list": plist,
            "condition": catalog.sale_condition(session, viewer.company_id,
                                                customer.sale_condition),
            "families": catalog.families(session, viewer.company_id),
            "items": listing.items, "page": listing.page, "has_next": listing.has_next,
            "q": q, "rubro": rubro, "cart": view, "in_cart": view.quantities(),
            "blocking": check_customer(customer, plist),
        }
    return ctx.templates.TemplateResponse(request, template, context)


def review_response(
    request: Request, ctx: AppContext, viewer: Viewer, shop: Shop, *,
    errors: list[str] | None = None, typed: dict[str, str] | None = None,
) -> Response:
    """The cart to review: lines, subtotal, discount, IVA, total, delivery date, confirm."""
    with ctx.db.transaction() as session:
        customer = shop.customer_of(session)
        plist = catalog.price_list(session, viewer.company_id, customer.price_list)
        cart = carts.find_cart(session, viewer.company_id, viewer.user_id, customer.code)
        context = {
            "viewer": viewer, "shop": shop, "customer": customer, "price_list": plist,
            "condition": catalog.sale_condition(session, viewer.company_id,
                                                customer.sale_condition),
            "cart": carts.view_cart(session, viewer.company_id, customer, cart, plist),
            "typed": typed or {}, "errors": errors or [],
            "blocking": check_customer(customer, plist), "submission_id": new_secret(),
        }
    return ctx.templates.TemplateResponse(request, "shop/review.html", context,
                                          status_code=422 if errors else 200)


# --------------------------------------------------------------------------- changes


def _typed_quantities(form: dict[str, str]) -> dict[str, str]:
    return {key[len(QTY_PREFIX):]: value for key, value in form.items()
            if key.startswith(QTY_PREFIX)}


def _apply(session: Session, viewer: Viewer, customer: CustomerRow, cart: Cart,
           form: dict[str, str]) -> list[str]:
    """Apply a posted form to the cart: quantities, a removal, header fields."""
    typed = _typed_quantities(form)
    items = catalog.catalog_items_by_code(session, viewer.company_id, customer, typed)
    errors = carts.set_quantities(cart, typed, items)
    if form.get("remove"):
        carts.remove_line(cart, form["remove"])
    if "observations" in form or "delivery_date" in form:
        carts.save_header(cart, form.get("observations", cart.observations).strip(),
                          form.get("delivery_date", cart.delivery_date).strip())
    return errors


async def read_form(request: Request, viewer: Viewer) -> dict[str, str]:
    """The posted form as strings, after the CSRF check."""
    raw = await request.form()
    check_csrf(raw.get("csrf_token"), viewer.csrf_token)
    return {key: str(value) for key, value in raw.items()}


async def update_cart(
    request: Request, ctx: AppContext, viewer: Viewer, shop: Shop,
    form: dict[str, str] | None = None,
) -> Response:
    """Save quantities (blank or 0 removes), then JSON, or back to the page the form came from.

    ``form`` is the already read (and CSRF-checked) form, when the caller needed it first.
    """
    if form is None:
        form = await read_form(request, viewer)

    def change() -> tuple[list[str], dict[str, Any]]:
        with ctx.db.transaction() as session:
            customer = shop.customer_of(session)
            cart = carts.open_cart(session, viewer.company_id, viewer.user_id, customer.code)
            errors = _apply(session, viewer, customer, cart, form)
            session.flush()
            plist = catalog.price_list(session, viewer.company_id, customer.price_list)
            return errors, cart_json(
                carts.view_cart(session, viewer.company_id, customer, cart, plist), errors)

    errors, body = await run_in_threadpool(change)
    if wants_json(request):
        return JSONResponse(body, status_code=422 if errors else 200)
    if errors:
        return await run_in_threadpool(review_response, request, ctx, viewer, shop,
                                       errors=errors, typed=_typed_quantities(form))
    return RedirectResponse(_after_update(shop, form), status.HTTP_303_SEE_OTHER)


def _after_update(shop: Shop, form: dict[str, str]) -> str:
    goto = form.get("goto", "")
    if goto == "review":
        return shop.review_url
    page = goto if goto.isdigit() else form.get("page", "1")
    params = {"q": form.get("q", "")[:MAX_QUERY], "rubro": form.get("rubro", "")[:MAX_QUERY],
              "page": page if page.isdigit() else "1"}
    return f"{shop.catalog_url}?{urlencode({k: v for k, v in params.items() if v})}"


async def confirm(request: Request, ctx: AppContext, viewer: Viewer, shop: Shop) -> Response:
    """Apply the last edits, validate and confirm; on any problem the review page says why."""
    form = await read_form(request, viewer)
    submission_id = form.get("submission_id", "").strip()[:64]

    typed = _typed_quantities(form)
    if form.get("remove"):  # a removal is a quantity of nothing
        typed[form["remove"][:15]] = ""
    header = {k: form[k].strip() for k in ("observations", "delivery_date") if k in form}

    def attempt() -> tuple[str | None, list[str]]:
        with ctx.db.transaction() as session:  # 1. check: reads only
            customer = shop.customer_of(session)
            done = orders.find_submitted(session, viewer.company_id, submission_id)
            if done is not None:  # a repeated tap: show the order it made
                return done.code, []
            cart = carts.find_cart(session, viewer.company_id, viewer.user_id, customer.code)
            checked = checkout.check_cart(
                session, company_id=viewer.company_id, channel=shop.channel,
                customer=customer, cart=cart, typed=typed, header=header,
                placed_by=viewer.email)
            if checked.draft is None:
                checkout.keep_edits(session, company_id=viewer.company_id,
                                    user_id=viewer.user_id, customer=customer, typed=typed,
                                    header=header, items=checked.items)
                return None, checked.errors
        number = orders.reserve_order_number(ctx.db.engine, viewer.company_id)  # 2. number
        with ctx.db.transaction() as session:  # 3. store, discard the cart, queue e-mails
            row = checkout.store_checked(
                session, company_id=viewer.company_id, order_prefix=ctx.settings.order_prefix,
                customer=customer, draft=checked.draft, number=number,
                submission_id=submission_id, user_id=viewer.user_id, composer=ctx.mail)
            return row.code, []

    def already_confirmed() -> str | None:
        with ctx.db.transaction() as session:
            row = orders.find_submitted(session, viewer.company_id, submission_id)
            return row.code if row else None

    try:
        code, errors = await run_in_threadpool(attempt)
    except IntegrityError:  # the same form confirmed concurrently: show the order it made
        code, errors = await run_in_threadpool(already_confirmed), []
        if code is None:
            raise
    if code is None:
        if wants_json(request):
            return JSONResponse({"errors": errors}, status_code=422)
        return await run_in_threadpool(review_response, request, ctx, viewer, shop,
                                       errors=errors, typed=_typed_quantities(form))
    if wants_json(request):
        return JSONResponse({"code": code, "url": f"/pedidos/{code}"})
    return RedirectResponse(f"/pedidos/{code}", status.HTTP_303_SEE_OTHER)


async def repeat_order(
    request: Request, ctx: AppContext, viewer: Viewer, shop: Shop, code: str | None
) -> Response:
    """«Repetir pedido»: copy one of the customer's orders (the last when ``code`` is None)."""
    await read_form(request, viewer)

    def copy() -> dict[str, Any]:
        with ctx.db.transaction() as session:
            customer = shop.customer_of(session)
            if code is None:
                found = catalog.last_orders(session, viewer.company_id, customer.code, 1)
                order = found[0] if found else None
            else:
                try:
                    order = orders.find_order(session, viewer.company_id, code)
                except orders.OrderNotFound:
                    order = None
            if order is None or order.customer_code != customer.code:
                raise HTTPException(status.HTTP_404_NOT_FOUND)
            cart = carts.open_cart(session, viewer.company_id, viewer.user_id, customer.code)
            items = catalog.catalog_items_by_code(
                session, viewer.company_id, customer, [line.article_code for line in order.lines])
            carts.copy_order(cart, order, items)
            session.flush()
            plist = catalog.price_list(session, viewer.company_id, customer.price_list)
            return cart_json(carts.view_cart(session, viewer.company_id, customer, cart, plist))

    body = await run_in_threadpool(copy)
    if wants_json(request):
        return JSONResponse(body)
    return RedirectResponse(shop.review_url, status.HTTP_303_SEE_OTHER)
