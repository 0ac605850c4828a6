"""Request-level authentication for pages: session cookie, CSRF checks, role checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse, RedirectResponse, Response

from connectors.cloud.server.accounts import Role
from connectors.cloud.server.context import AppContext, get_context
from connectors.cloud.server.security import new_secret, same_secret
from connectors.cloud.server.sessions import Viewer, load_viewer

SESSION_COOKIE = "castor_session"
LOGIN_CSRF_COOKIE = "castor_login_csrf"  # double-submit token for the login form (no session yet)

HOME_BY_ROLE = {
    Role.ADMIN.value: "/admin/pedidos",
    Role.VENDEDOR.value: "/vendedor/clientes",
    Role.PREVENTA.value: "/preventa",
    Role.CLIENTE.value: "/cliente/catalogo",
}
DEFAULT_HOME = "/inicio"


class LoginRequired(Exception):
    """No live session: pages redirect to the login form, JSON answers 401."""


def home_for(role: str) -> str:
    """Where a user lands after logging in."""
    return HOME_BY_ROLE.get(role, DEFAULT_HOME)


def optional_viewer(
    request: Request, ctx: Annotated[AppContext, Depends(get_context)]
) -> Viewer | None:
    """The logged-in viewer, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    with ctx.db.transaction() as session:
        return load_viewer(session, cookie, idle=idle)


def require_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    """The logged-in viewer; otherwise ``LoginRequired``."""
    if viewer is None:
        raise LoginRequired()
    return viewer


def require_seller(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    """A logged-in seller with a seller code; 404 for everyone else (pages don't exist for them)."""
    if viewer.role != Role.VENDEDOR.value or not viewer.seller_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return viewer


def require_admin(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    """A logged-in admin of the viewer's company; 404 for everyone else."""
    if viewer.role != Role.ADMIN.value:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return viewer


def require_clerk(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    """A phone-order clerk (Preventa Telefónica); 404 for everyone else."""
    if viewer.role != Role.PREVENTA.value:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return viewer


def require_customer(viewer: Annotated[Viewer, Depends(require_viewer)]) -> Viewer:
    """A customer (Autogestión) with a customer code; 404 for everyone else."""
    if viewer.role != Role.CLIENTE.value or not viewer.customer_code:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return viewer


def check_csrf(submitted: object, expected: str | None) -> None:
    """403 unless the form's token equals the expected one."""
    if not isinstance(submitted, str) or not same_secret(submitted, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid CSRF token")


def login_csrf_token(request: Request) -> str:
    """The pre-session CSRF token from the cookie, or a fresh one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret()


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int | None
) -> None:
    """HttpOnly, SameSite=Lax, Secure on https; ``max_age=None`` is a browser-session cookie."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=is_https(request),
        path="/",
    )


async def login_redirect(request: Request, _exc: LoginRequired) -> Response:
    """Exception handler for ``LoginRequired``."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "login required"}, status.HTTP_401_UNAUTHORIZED)
    return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)


ViewerDep = Annotated[Viewer, Depends(require_viewer)]
SellerDep = Annotated[Viewer, Depends(require_seller)]
AdminDep = Annotated[Viewer, Depends(require_admin)]
ClerkDep = Annotated[Viewer, Depends(require_clerk)]
CustomerDep = Annotated[Viewer, Depends(require_customer)]
OptionalViewerDep = Annotated[Viewer | None, Depends(optional_viewer)]
ContextDep = Annotated[AppContext, Depends(get_context)]
