"""Admin panel: users and invitations (sellers and customers from the synced Tango data)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.server import admin_queries, invitations
from connectors.cloud.server.accounts import ROLE_LABELS_ES, Role, company_by_id
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.models import User
from connectors.cloud.server.sessions import Viewer, revoke_user_sessions
from connectors.cloud.server.web.auth import AdminDep, ContextDep, check_csrf
from connectors.cloud.server.web.password_routes import public_base_url

router = APIRouter(prefix="/admin/usuarios")

NOTICES_ES = {
    "invitado": "Invitación enviada.",
    "reenviado": "Invitación enviada otra vez.",
    "desactivado": "Usuario desactivado: ya no puede ingresar.",
    "activado": "Usuario activado.",
}


@router.get("", response_class=HTMLResponse)
def users_page(request: Request, ctx: ContextDep, viewer: AdminDep, aviso: str = "") -> Response:
    """Everyone who can log in, with pending invitations marked."""
    with ctx.db.transaction() as session:
        users = admin_queries.company_users(session, viewer.company_id)
        pending = invitations.pending_invitations(session, viewer.company_id)
    return ctx.templates.TemplateResponse(request, "admin/users.html", {
        "viewer": viewer, "users": users, "pending": pending, "roles": ROLE_LABELS_ES,
        "notice": NOTICES_ES.get(aviso, ""), "section": "usuarios",
    })


def _invite_form(request: Request, ctx: AppContext, viewer: Viewer, *, rol: str, q: str = "",
                 values: dict[str, str] | None = None, error: str = "") -> Response:
    role = rol if rol in ROLE_LABELS_ES else Role.VENDEDOR.value
    with ctx.db.transaction() as session:
        sellers = admin_queries.sellers(session, viewer.company_id)
        customers = (admin_queries.find_customers(session, viewer.company_id, q[:60])
                     if role == Role.CLIENTE.value else [])
    return ctx.templates.TemplateResponse(request, "admin/invite.html", {
        "viewer": viewer, "role": role, "roles": ROLE_LABELS_ES, "q": q, "sellers": sellers,
        "customers": customers, "values": values or {}, "error": error, "section": "usuarios",
    }, status_code=422 if error else 200)


@router.get("/invitar", response_class=HTMLResponse)
def invite_page(request: Request, ctx: ContextDep, viewer: AdminDep, rol: str = "vendedor",
                q: str = "") -> Response:
    """Pick a Tango seller, a Tango customer (e-mail prefilled) or type a clerk / admin."""
    return _invite_form(request, ctx, viewer, rol=rol, q=q)


@router.post("/invitar")
async def invite(request: Request, ctx: ContextDep, viewer: AdminDep) -> Response:
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)
    values = {key: str(form.get(key, "")).strip()[:255]
              for key in ("role", "email", "name", "seller_code", "customer_code")}
    if values["role"] not in ROLE_LABELS_ES:
        raise HTTPException(status.HTTP_400_BAD_REQUEST)
    base_url = public_base_url(request, ctx)

    def run() -> str:
        try:
            with ctx.db.transaction() as session:
                invitations.invite(
                    session, company_by_id(session, viewer.company_id),
                    invitations.Invitee(email=values["email"], name=values["name"],
                                        role=Role(values["role"]),
                                        seller_code=values["seller_code"] or None,
                                        customer_code=values["customer_code"] or None),
                    base_url=base_url, days=ctx.settings.invitation_days, composer=ctx.mail,
                )
        except invitations.InvitationError as exc:
            return str(exc)
        return ""

    error = await run_in_threadpool(run)
    if error:
        return await run_in_threadpool(_invite_form, request, ctx, viewer, rol=values["role"],
                                       values=values, error=error)
    return RedirectResponse("/admin/usuarios?aviso=invitado", status.HTTP_303_SEE_OTHER)


def _company_user(session, viewer: Viewer, user_id: int) -> User:  # type: ignore[no-untyped-def]
    user = session.get(User, user_id)
    if user is None or user.company_id != viewer.company_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return user


async def _user_action(request: Request, ctx: AppContext, viewer: Viewer, user_id: int,
                       action: str) -> Response:
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)
    base_url = public_base_url(request, ctx)

    def run() -> None:
        with ctx.db.transaction() as session:
            user = _company_user(session, viewer, user_id)
            if action == "reenviado":
                if user.password_hash:
                    raise HTTPException(status.HTTP_409_CONFLICT)
                invitations.send_invitation(session, company_by_id(session, viewer.company_id),
                                            user, base_url=base_url,
                                            days=ctx.settings.invitation_days, composer=ctx.mail)
            elif action == "desactivado":
                if user.id == viewer.user_id:
                    raise HTTPException(status.HTTP_409_CONFLICT)  # never lock yourself out
                user.active = False
                revoke_user_sessions(session, user.id)
            else:
                user.active = True

    await run_in_threadpool(run)
    return RedirectResponse(f"/admin/usuarios?aviso={action}", status.HTTP_303_SEE_OTHER)


@router.post("/{user_id}/reenviar")
async def resend(request: Request, ctx: ContextDep, viewer: AdminDep, user_id: int) -> Response:
    """Send a fresh invitation link (the old one stops working)."""
    return await _user_action(request, ctx, viewer, user_id, "reenviado")


@router.post("/{user_id}/desactivar")
async def deactivate(request: Request, ctx: ContextDep, viewer: AdminDep,
                     user_id: int) -> Response:
    """Block a user and end their sessions."""
    return await _user_action(request, ctx, viewer, user_id, "desactivado")


@router.post("/{user_id}/activar")
async def activate(request: Request, ctx: ContextDep, viewer: AdminDep, user_id: int) -> Response:
    return await _user_action(request, ctx, viewer, user_id, "activado")
