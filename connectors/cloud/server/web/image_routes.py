"""Article images for the catalog pages: small, cacheable (Cache-Control + ETag), 304 when
unchanged, and only ever of the viewer's company.

``/img/articles/{code}/{version}-thumb.webp`` (and ``-detail.webp``) is what the pages link
when the article has an image: the version is a digest of the image, so what a URL answers
never changes and the browser keeps it for a year without asking again. A version that is no
longer current (a page older than the image) is redirected to the current one, or to the
placeholder when the image was removed. ``/img/articles/{code}`` is the unversioned form: the
thumbnail when there is one, else a generated SVG with the article's initials.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from connectors.cloud.server.images import image_key, placeholder_etag, placeholder_svg
from connectors.cloud.server.models import ArticleImageRow, ArticleRow
from connectors.cloud.server.web.auth import ContextDep, ViewerDep

# Private: prices and catalogs are per company; a day is fresh enough for a placeholder.
CACHE_CONTROL = "private, max-age=86400"
IMMUTABLE = "private, max-age=31536000, immutable"
UNVERSIONED = "private, max-age=300"  # the same URL may show another image later
REDIRECT = "private, no-cache"
RENDITIONS = ("thumb", "detail")
WEBP = "image/webp"

router = APIRouter()


def image_url(code: str, version: str, rendition: str = "thumb") -> str:
    """The immutable URL of one rendition of an article's image."""
    return f"/img/articles/{quote(code, safe='')}/{version}-{rendition}.webp"


def _not_modified(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return None


def _image(ctx: ContextDep, company_id: int, code: str, rendition: str
           ) -> tuple[str, bytes] | None:
    column = ArticleImageRow.thumb if rendition == "thumb" else ArticleImageRow.detail
    with ctx.db.transaction() as session:
        row = session.execute(select(ArticleImageRow.version, column).where(
            ArticleImageRow.company_id == company_id,
            ArticleImageRow.article_code == image_key(code))).first()
    return (row[0], row[1]) if row else None


def _article_description(ctx: ContextDep, company_id: int, code: str) -> str | None:
    with ctx.db.transaction() as session:
        return session.scalar(select(ArticleRow.description).where(
            ArticleRow.company_id == company_id,
            ArticleRow.record_key == code,  # an article's key is its code
        ))


@router.get("/img/articles/{code:path}/{version}-{rendition}.webp")
def versioned_image(request: Request, ctx: ContextDep, viewer: ViewerDep, code: str,
                    version: str, rendition: str) -> Response:
    """One rendition of the article's image at its immutable URL."""
    if rendition not in RENDITIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    found = _image(ctx, viewer.company_id, code, rendition)
    if found is None or found[0] != version:
        if found is None and _article_description(ctx, viewer.company_id, code) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND)
        target = (image_url(code, found[0], rendition) if found
                  else f"/img/articles/{quote(code, safe='')}")
        return RedirectResponse(target, status.HTTP_307_TEMPORARY_REDIRECT,
                                headers={"Cache-Control": REDIRECT})
    etag = f'"{version}-{rendition}"'
    headers = {"Cache-Control": IMMUTABLE, "ETag": etag}
    return _not_modified(request, etag, headers) or Response(found[1], media_type=WEBP,
                                                             headers=headers)


@router.get("/img/articles/{code:path}")
def article_image(request: Request, ctx: ContextDep, viewer: ViewerDep, code: str) -> Response:
    """The article's thumbnail, or a generated placeholder with its initials."""
    found = _image(ctx, viewer.company_id, code, "thumb")
    if found is not None:
        etag = f'"{found[0]}-thumb"'
        headers = {"Cache-Control": UNVERSIONED, "ETag": etag}
        return _not_modified(request, etag, headers) or Response(found[1], media_type=WEBP,
                                                                 headers=headers)
    description = _article_description(ctx, viewer.company_id, code)
    if description is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    etag = placeholder_etag(code, description)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    return _not_modified(request, etag, headers) or Response(
        placeholder_svg(code, description), media_type="image/svg+xml", headers=headers)
