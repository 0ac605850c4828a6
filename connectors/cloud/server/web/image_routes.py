"""Article thumbnails: small, cacheable (Cache-Control + ETag), answered 304 when unchanged."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from sqlalchemy import select

from connectors.cloud.server.images import placeholder_etag, placeholder_svg
from connectors.cloud.server.models import ArticleRow
from connectors.cloud.server.web.auth import ContextDep, ViewerDep

# Private: prices and catalogs are per company; a day is fresh enough for a placeholder.
CACHE_CONTROL = "private, max-age=86400"

router = APIRouter()


@router.get("/img/articles/{code:path}")
def article_image(request: Request, ctx: ContextDep, viewer: ViewerDep, code: str) -> Response:
    """The article's image; for now a generated placeholder with its initials."""
    with ctx.db.transaction() as session:
        description = session.scalar(
            select(ArticleRow.description).where(
                ArticleRow.company_id == viewer.company_id,
                ArticleRow.record_key == code,  # an article's key is its code
            )
        )
    if description is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    etag = placeholder_etag(code, description)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(placeholder_svg(code, description), media_type="image/svg+xml",
                    headers=headers)
