"""Admin panel: orders, the error inbox (retry / cancel) and the agent (status, token)."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import CHANNEL_LABELS_ES
from connectors.cloud.server import admin_queries, agents, order_admin, orders
from connectors.cloud.server.accounts import company_by_id
from connectors.cloud.server.company_settings import offline_minutes
from connectors.cloud.server.sqltypes import utcnow
from connectors.cloud.server.web.auth import AdminDep, ContextDep, check_csrf

router = APIRouter(prefix="/admin")

STATUS_FILTERS_ES = {
    "": "Todos",
    "confirmed": "Confirmado",
    "in_tango": "En Tango",
    "error": "Con error",
    "cancelled": "Anulado",
}
CHANNELS_ES = {channel.value: label for channel, label in CHANNEL_LABELS_ES.items()}
NOTICES_ES = {
    "reintentado": "El pedido volvió a la cola: ACTIVO lo intentará de nuevo.",
    "anulado": "El pedido quedó anulado.",
    "no-en-error": "Ese pedido ya no está con error.",
}


def age_es(age: timedelta | None) -> str:
    """``timedelta(minutes=95)`` → «1 h 35 min»; «3 días» beyond two days."""
    if age is None:
        return ""
    minutes = max(int(age.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} días"


def parse_day(raw: str) -> date | None:
    """``2026-12-04`` (date input) or ``04/12/2026``; None when empty or invalid."""
    raw = raw.strip()
    try:
        if "/" in raw:
            day, month, year = (int(part) for part in raw.split("/"))
            return date(year, month, day)
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("")
def admin_home(_viewer: AdminDep) -> Response:
    return RedirectResponse("/admin/pedidos", status.HTTP_303_SEE_OTHER)


@router.get("/pedidos", response_class=HTMLResponse)
def orders_page(
    request: Request, ctx: ContextDep, viewer: AdminDep, estado: str = "", canal: str = "",
    vendedor: str = "", desde: str = "", hasta: str = "", aviso: str = "",
) -> Response:
    """Every order of the company, filtered by status, channel, seller and date."""
    flt = admin_queries.OrderFilter(
        status=estado if estado in STATUS_FILTERS_ES else "",
        channel=canal if canal in CHANNELS_ES else "",
        seller=vendedor.strip()[:10], since=parse_day(desde), until=parse_day(hasta),
    )
    with ctx.db.transaction() as session:
        rows = admin_queries.list_orders(session, viewer.company_id, flt)
        sellers = admin_queries.sellers(session, viewer.company_id)
    return ctx.templates.TemplateResponse(request, "admin/orders.html", {
        "viewer": viewer, "orders": rows, "flt": flt, "sellers": sellers,
        "statuses": STATUS_FILTERS_ES, "channels": CHANNELS_ES,
        "desde": desde, "hasta": hasta, "notice": NOTICES_ES.get(aviso, ""), "section": "pedidos",
    })


@router.get("/errores", response_class=HTMLResponse)
def errors_page(request: Request, ctx: ContextDep, viewer: AdminDep, aviso: str = "") -> Response:
    """The error inbox: what the agent could not write to Tango, and why."""
    with ctx.db.transaction() as session:
        rows = admin_queries.error_orders(session, viewer.company_id)
    return ctx.templates.TemplateResponse(request, "admin/errors.html", {
        "viewer": viewer, "orders": rows, "notice": NOTICES_ES.get(aviso, ""),
        "section": "errores",
    })


async def _order_action(request: Request, ctx: ContextDep, viewer: AdminDep, code: str,
                        action, done: str) -> Response:  # type: ignore[no-untyped-def]
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)

    def run() -> str:
        try:
            with ctx.db.transaction() as session:
                action(session, viewer.company_id, code, viewer.email)
        except orders.OrderNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND) from None
        except orders.OrderConflict:
            return "no-en-error"
        return done

    notice = await run_in_threadpool(run)
    back = "pedidos" if str(form.get("back", "")) == "pedidos" else "errores"
    return RedirectResponse(f"/admin/{back}?aviso={notice}", status.HTTP_303_SEE_OTHER)


@router.post("/pedidos/{code}/reintentar")
async def retry_order(request: Request, ctx: ContextDep, viewer: AdminDep, code: str) -> Response:
    """Send an order in error to Tango again (after fixing the data in Tango)."""
    return await _order_action(request, ctx, viewer, code, order_admin.retry, "reintentado")


@router.post("/pedidos/{code}/anular")
async def cancel_order(request: Request, ctx: ContextDep, viewer: AdminDep, code: str) -> Response:
    """Cancel an order in error; it will not reach Tango."""
    return await _order_action(request, ctx, viewer, code, order_admin.cancel, "anulado")


@router.get("/agente", response_class=HTMLResponse)
def agent_page(request: Request, ctx: ContextDep, viewer: AdminDep) -> Response:
    """ACTIVO: online or not, last heartbeat, version, queue age, last master-data sync."""
    now = utcnow()
    with ctx.db.transaction() as session:
        minutes = offline_minutes(session, viewer.company_id, ctx.settings.agent_offline_minutes)
        agent = admin_queries.agent_status(session, viewer.company_id, now,
                                           timedelta(minutes=minutes))
    return ctx.templates.TemplateResponse(request, "admin/agent.html", {
        "viewer": viewer, "agent": agent, "now": now, "section": "agente",
        "waiting_age": age_es(agent.oldest_waiting_age(now)), "new_token": None,
    })


@router.post("/agente/token", response_class=HTMLResponse)
async def rotate_token(request: Request, ctx: ContextDep, viewer: AdminDep) -> Response:
    """Create the agent token, revoking the previous ones; it is shown this once."""
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)

    def rotate() -> str:
        with ctx.db.transaction() as session:
            company = company_by_id(session, viewer.company_id)
            agents.revoke_tokens(session, company)
            return agents.issue_token(session, company)

    token = await run_in_threadpool(rotate)
    now = utcnow()
    with ctx.db.transaction() as session:
        minutes = offline_minutes(session, viewer.company_id, ctx.settings.agent_offline_minutes)
        agent = admin_queries.agent_status(session, viewer.company_id, now,
                                           timedelta(minutes=minutes))
    response = ctx.templates.TemplateResponse(request, "admin/agent.html", {
        "viewer": viewer, "agent": agent, "now": now, "section": "agente",
        "waiting_age": age_es(agent.oldest_waiting_age(now)), "new_token": token,
    })
    response.headers["Cache-Control"] = "no-store"
    return response
