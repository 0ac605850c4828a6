"""All web routers, gathered for the app factory, plus home."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from connectors.cloud.server.web import (
    admin_routes,
    admin_settings_routes,
    admin_users_routes,
    cliente_routes,
    image_routes,
    login_routes,
    order_routes,
    password_routes,
    preventa_routes,
    seller_routes,
)
from connectors.cloud.server.web.auth import ContextDep, OptionalViewerDep, ViewerDep, home_for

router = APIRouter()
router.include_router(login_routes.router)
router.include_router(password_routes.router)
router.include_router(admin_routes.router)
router.include_router(admin_users_routes.router)
router.include_router(admin_settings_routes.router)
router.include_router(seller_routes.router)
router.include_router(order_routes.router)
router.include_router(preventa_routes.router)
router.include_router(cliente_routes.router)
router.include_router(image_routes.router)


@router.get("/")
def root(viewer: OptionalViewerDep) -> Response:
    """Home by role, or the login form."""
    target = home_for(viewer.role) if viewer else "/login"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.get("/inicio", response_class=HTMLResponse)
def home(request: Request, ctx: ContextDep, viewer: ViewerDep) -> Response:
    """Landing page for roles whose channel is not open yet."""
    return ctx.templates.TemplateResponse(request, "home.html", {"viewer": viewer})


@router.get("/healthz")
def health() -> dict[str, str]:
    """For load balancers: the process answers."""
    return {"status": "ok"}
