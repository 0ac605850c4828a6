"""Invitation links, «olvidé mi contraseña» and reset links: people set their own password."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.server import invitations, throttling
from connectors.cloud.server.accounts import normalize_email
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.security import PasswordPolicyError
from connectors.cloud.server.sqltypes import utcnow
from connectors.cloud.server.web.auth import (
    LOGIN_CSRF_COOKIE,
    ContextDep,
    check_csrf,
    login_csrf_token,
    set_cookie,
)

FORM_CSRF_MAX_AGE = 2 * 3600
MISMATCH_ES = "Las dos contraseñas no coinciden."
TITLES_ES = {invitations.INVITE: "Elegí tu contraseña", invitations.RESET: "Nueva contraseña"}

router = APIRouter()
log = logging.getLogger(__name__)


def public_base_url(request: Request, ctx: AppContext) -> str:
    """Where links in e-mails point: the configured public URL, or this request's own."""
    return ctx.settings.public_url or str(request.base_url).rstrip("/")


def _with_csrf(request: Request, ctx: AppContext, template: str, context: dict,
               status_code: int = 200) -> HTMLResponse:
    token = login_csrf_token(request)
    response = ctx.templates.TemplateResponse(
        request, template, {"viewer": None, "csrf_token": token, **context},
        status_code=status_code,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, FORM_CSRF_MAX_AGE)
    response.headers["Cache-Control"] = "no-store"  # pages reached through one-time links
    return response


def _invalid(request: Request, ctx: AppContext) -> HTMLResponse:
    return ctx.templates.TemplateResponse(request, "link_invalid.html", {"viewer": None},
                                          status_code=status.HTTP_410_GONE)


def _set_form(request: Request, ctx: AppContext, token: str, purpose: str, path: str,
              error: str = "", status_code: int = 200) -> HTMLResponse:
    with ctx.db.transaction() as session:
        found = invitations.find_token(session, token, purpose)
    if found is None:
        return _invalid(request, ctx)
    _, user = found
    return _with_csrf(request, ctx, "password_set.html", {
        "title": TITLES_ES[purpose], "name": user.name, "email": user.email,
        "action": path + token, "error": error,
    }, status_code)


async def _set_password(request: Request, ctx: AppContext, token: str, purpose: str,
                        path: str) -> Response:
    form = await request.form()
    check_csrf(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE))
    password = str(form.get("password", ""))[:1024]
    if password != str(form.get("password2", ""))[:1024]:
        return await run_in_threadpool(_set_form, request, ctx, token, purpose, path,
                                       MISMATCH_ES, 422)

    def redeem() -> bool | str:
        try:
            with ctx.db.transaction() as session:
                return invitations.redeem(session, token, purpose, password) is not None
        except PasswordPolicyError as exc:
            return exc.message_es

    outcome = await run_in_threadpool(redeem)
    if isinstance(outcome, str):
        return await run_in_threadpool(_set_form, request, ctx, token, purpose, path,
                                       outcome, 422)
    if not outcome:
        return _invalid(request, ctx)
    return RedirectResponse("/login?aviso=clave", status.HTTP_303_SEE_OTHER)


@router.get("/invitacion/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, ctx: ContextDep, token: str) -> Response:
    """The invitee chooses their password."""
    return _set_form(request, ctx, token, invitations.INVITE, invitations.INVITE_PATH)


@router.post("/invitacion/{token}")
async def accept_invitation(request: Request, ctx: ContextDep, token: str) -> Response:
    return await _set_password(request, ctx, token, invitations.INVITE, invitations.INVITE_PATH)


@router.get("/clave/nueva/{token}", response_class=HTMLResponse)
def reset_page(request: Request, ctx: ContextDep, token: str) -> Response:
    """The form behind a reset link."""
    return _set_form(request, ctx, token, invitations.RESET, invitations.RESET_PATH)


@router.post("/clave/nueva/{token}")
async def reset_password(request: Request, ctx: ContextDep, token: str) -> Response:
    return await _set_password(request, ctx, token, invitations.RESET, invitations.RESET_PATH)


@router.get("/clave/olvide", response_class=HTMLResponse)
def forgot_page(request: Request, ctx: ContextDep) -> Response:
    return _with_csrf(request, ctx, "password_forgot.html", {"sent": False})


@router.post("/clave/olvide")
async def forgot(request: Request, ctx: ContextDep) -> Response:
    """Queue a reset link; the answer is the same whether the e-mail exists or not."""
    form = await request.form()
    check_csrf(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE))
    email = normalize_email(str(form.get("email", "")))[:255]
    base_url = public_base_url(request, ctx)
    address = request.client.host if request.client else "unknown"
    policy = throttling.ThrottlePolicy.from_settings(ctx.settings)

    def queue() -> None:
        if not email:
            return
        with ctx.db.transaction() as session:
            if not throttling.allow_reset_request(session, policy, email, address, utcnow()):
                log.warning("reset_throttled address=%s", address)
                return  # same answer: the page never tells whether anything was sent
            invitations.request_reset(session, email, base_url=base_url,
                                      hours=ctx.settings.reset_hours, composer=ctx.mail)

    await run_in_threadpool(queue)
    return _with_csrf(request, ctx, "password_forgot.html", {"sent": True})
