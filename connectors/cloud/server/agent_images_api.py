"""The agent API's article images (``/api/v1/agent/images``), authenticated like the rest.

Uploads are checked here as if the agent were hostile: both parts must be real WebP images
within the contract's byte and pixel caps, the code an article code, the source hash a SHA-256.
Anything else is a 422 naming what is wrong, and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import (
    AGENT_API_PREFIX,
    DETAIL_MAX_SIDE,
    MAX_DETAIL_BYTES,
    MAX_IMAGE_CODE,
    MAX_THUMB_BYTES,
    SHA256_PATTERN,
    THUMB_MAX_SIDE,
    ImageAck,
    ImageManifest,
)
from connectors.cloud.server import images
from connectors.cloud.server.agent_api import Agent, Context, check_contract_version

router = APIRouter(prefix=AGENT_API_PREFIX, dependencies=[Depends(check_contract_version)])

MANIFEST_CACHE_CONTROL = "private, no-cache"


def _code(code: str) -> str:
    key = images.image_key(code)
    if not 0 < len(key) <= MAX_IMAGE_CODE:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"article code must have 1 to {MAX_IMAGE_CODE} characters")
    return key


@router.get("/images", response_model=ImageManifest)
def image_manifest(request: Request, ctx: Context, agent: Agent) -> Response:
    """The company's images without their pixels; 304 when ``If-None-Match`` is current."""
    with ctx.db.transaction() as session:
        entries, etag = images.manifest(session, agent.company_id)
    headers = {"ETag": etag, "Cache-Control": MANIFEST_CACHE_CONTROL}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    body = ImageManifest(images=entries).model_dump_json()
    return Response(body, media_type="application/json", headers=headers)


@router.put("/images/{code}", response_model=ImageAck)
async def put_image(
    code: str,
    ctx: Context,
    agent: Agent,
    source_sha256: Annotated[str, Form(pattern=SHA256_PATTERN)],
    thumb: Annotated[UploadFile, File()],
    detail: Annotated[UploadFile, File()],
) -> ImageAck:
    """Store both renditions of one article's image (a repeat is ``unchanged``)."""
    key = _code(code)
    thumb_data = await thumb.read(MAX_THUMB_BYTES + 1)
    detail_data = await detail.read(MAX_DETAIL_BYTES + 1)

    def store() -> ImageAck:
        try:
            images.check_webp(thumb_data, "thumb", MAX_THUMB_BYTES, THUMB_MAX_SIDE)
            images.check_webp(detail_data, "detail", MAX_DETAIL_BYTES, DETAIL_MAX_SIDE)
        except images.InvalidImage as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        with ctx.db.transaction() as session:
            row, changed = images.store_image(session, agent.company_id, key, source_sha256,
                                              thumb_data, detail_data)
            return ImageAck(article_code=key, status="stored" if changed else "unchanged",
                            version=row.version, source_sha256=row.source_sha256)

    return await run_in_threadpool(store)


@router.delete("/images/{code}", response_model=ImageAck)
def delete_image(code: str, ctx: Context, agent: Agent) -> ImageAck:
    """Remove one article's image; ``absent`` when there was none (a repeat is harmless)."""
    key = _code(code)
    with ctx.db.transaction() as session:
        deleted = images.delete_image(session, agent.company_id, key)
    return ImageAck(article_code=key, status="deleted" if deleted else "absent")
