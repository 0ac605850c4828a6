"""``/login`` and ``/logout``: opening and closing server-side sessions."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.server import accounts, throttling
from connectors.cloud.server.sessions import open_session, revoke_session
from connectors.cloud.server.sqltypes import utcnow
from connectors.cloud.server.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    ContextDep,
    OptionalViewerDep,
    check_csrf,
    home_for,
    login_csrf_token,
    set_cookie,
)

LOGIN_FAILED_ES = "Correo o contraseña incorrectos."
THROTTLED_ES = "Demasiados intentos fallidos. Esperá unos minutos y probá de nuevo."
LOGIN_CSRF_MAX_AGE = 2 * 3600

router = APIRouter()
log = logging.getLogger(__name__)


NOTICES_ES = {
    "clave": "Contraseña guardada. Ingresá con tu correo y tu contraseña.",
}


def _login_form(
    request: Request, ctx: ContextDep, *, email: str = "", error: str = "", status_code: int = 200,
    notice: str = "",
) -> HTMLResponse:
    token = login_csrf_token(request)
    response = ctx.templates.TemplateResponse(
        request,
        "login.html",
        {"viewer": None, "csrf_token": token, "email": email, "error": error, "notice": notice},
        status_code=status_code,
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, LOGIN_CSRF_MAX_AGE)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, ctx: ContextDep, viewer: OptionalViewerDep, aviso: str = ""
) -> Response:
    """The login form (or straight home when already logged in)."""
    if viewer is not None:
        return RedirectResponse(home_for(viewer.role), status.HTTP_303_SEE_OTHER)
    return _login_form(request, ctx, notice=NOTICES_ES.get(aviso, ""))


@router.post("/login")
async def login(request: Request, ctx: ContextDep) -> Response:
    """Check e-mail and password; on success a new session and a redirect by role."""
    form = await request.form()
    check_csrf(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE))
    email = accounts.normalize_email(str(form.get("email", "")))[:255]
    password = str(form.get("password", ""))[:1024]
    remember = form.get("remember") == "1"
    lifetime = (timedelta(days=ctx.settings.session_days) if remember
                else timedelta(hours=ctx.settings.short_session_hours))
    address = request.client.host if request.client else "unknown"
    policy = throttling.ThrottlePolicy.from_settings(ctx.settings)

    def attempt() -> tuple[str, str] | str:
        with ctx.db.transaction() as session:
            now = utcnow()
            if throttling.is_blocked(session, policy, email, address, now):
                return THROTTLED_ES
            user = accounts.authenticate(session, email, password) if email and password else None
            if user is None:
                throttling.record_failure(session, email, address, now)
                return LOGIN_FAILED_ES
            throttling.clear_account(session, email)
            old = request.cookies.get(SESSION_COOKIE)
            if old:  # a new id at every login: a planted cookie never becomes a session
                revoke_session(session, old)
            return open_session(session, user, lifetime, persistent=remember), user.role

    outcome = await run_in_threadpool(attempt)
    if isinstance(outcome, str):
        if outcome == THROTTLED_ES:
            log.warning("login_throttled address=%s", address)
        return _login_form(request, ctx, email=email, error=outcome,
                           status_code=429 if outcome == THROTTLED_ES else 200)
    cookie_value, role = outcome
    response = RedirectResponse(home_for(role), status.HTTP_303_SEE_OTHER)
    # Without «Mantener la sesión iniciada» the cookie dies with the browser (and the server
    # forgets the session after a few hours anyway).
    set_cookie(response, request, SESSION_COOKIE, cookie_value,
               int(lifetime.total_seconds()) if remember else None)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, ctx: ContextDep, viewer: OptionalViewerDep) -> Response:
    """End the session (the form carries the session's CSRF token)."""
    form = await request.form()
    if viewer is not None:
        check_csrf(form.get("csrf_token"), viewer.csrf_token)
        cookie = request.cookies.get(SESSION_COOKIE, "")

        def end() -> None:
            with ctx.db.transaction() as session:
                revoke_session(session, cookie)

        await run_in_threadpool(end)
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
