"""Inflate ``Content-Encoding: gzip`` request bodies, with a cap on the inflated size.

The agent compresses its master-data batches. ``BodyLimit`` (outside this middleware) bounds the
compressed bytes; here the body is inflated as it streams in and refused with 413 as soon as the
inflated size passes the same limit, so a small "zip bomb" cannot make a process hold gigabytes.
A corrupt or truncated gzip stream is answered 400. The application then sees a plain body with
a matching ``Content-Length`` and no ``Content-Encoding``. Other encodings pass through untouched.
"""

from __future__ import annotations

import json
import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.cloud.server.web.body_limit import limit_for

GZIP_WBITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer around the deflate stream


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def is_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-encoding":
            return value.strip().lower() == b"gzip"
    return False


async def inflate(receive: Receive, limit: int) -> bytes:
    """Read the whole request body from ``receive`` and inflate it, at most ``limit`` bytes."""
    inflater = zlib.decompressobj(GZIP_WBITS)
    parts: list[bytes] = []
    size = 0
    more = True
    while more:  # bounded: BodyLimit cuts the compressed stream off at its limit
        message = await receive()
        if message["type"] != "http.request":
            raise _Refused(400, "request body ended early")
        more = message.get("more_body", False)
        chunk = message.get("body", b"")
        try:
            out = inflater.decompress(chunk, limit - size + 1)
        except zlib.error:
            raise _Refused(400, "corrupt gzip request body") from None
        size += len(out)
        if size > limit or inflater.unconsumed_tail:
            raise _Refused(413, f"inflated request body larger than {limit // (1024 * 1024)} MB")
        parts.append(out)
    if not inflater.eof:
        raise _Refused(400, "truncated gzip request body")
    return b"".join(parts)


class GzipRequest:
    """Pure ASGI middleware: gzip request bodies reach the app inflated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_gzip(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await inflate(receive, limit_for(scope.get("path", "")))
        except _Refused as exc:
            await _refuse(send, exc)
            return
        headers = [(k, v) for k, v in scope.get("headers", [])
                   if k.lower() not in (b"content-encoding", b"content-length")]
        headers.append((b"content-length", str(len(body)).encode()))
        delivered = False

        async def inflated_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, inflated_receive, send)


async def _refuse(send: Send, exc: _Refused) -> None:
    body = json.dumps({"detail": exc.detail}).encode()
    await send({
        "type": "http.response.start",
        "status": exc.status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
