"""All web routers, gathered for the app factory, plus home and article images."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from connectors.cloud.server.images import placeholder_svg
from connectors.cloud.server.models import ArticleRow
from connectors.cloud.server.web import login_routes, order_routes, seller_routes
from connectors.cloud.server.web.auth import ContextDep, OptionalViewerDep, ViewerDep, home_for

router = APIRouter()
router.include_router(login_routes.router)
router.include_router(seller_routes.router)
router.include_router(order_routes.router)


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


@router.get("/img/articles/{code:path}")
def article_image(ctx: ContextDep, viewer: ViewerDep, code: str) -> Response:
    """The article's image; for now a generated placeholder with its initials."""
    with ctx.db.transaction() as session:
        description = session.scalar(
            select(ArticleRow.description).where(
                ArticleRow.company_id == viewer.company_id, ArticleRow.code == code
            )
        )
    if description is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return Response(
        placeholder_svg(code, description),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=86400"},
    )
