"""Refuse oversized request bodies with 413 before they are buffered.

Any anonymous client could otherwise make every server process hold arbitrarily large bodies in
memory. A declared ``Content-Length`` over the limit is refused before reading anything; a
chunked body is counted as it streams and cut off at the limit. The agent's master-data
batches (up to 5,000 records) get a larger allowance than pages and forms.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_LIMIT_BYTES = 1 * 1024 * 1024
AGENT_LIMIT_BYTES = 8 * 1024 * 1024
AGENT_PREFIX = "/api/v1/agent/"


class BodyTooLarge(Exception):
    """The streamed body went past the limit."""


def limit_for(path: str) -> int:
    """The largest body accepted on ``path``."""
    return AGENT_LIMIT_BYTES if path.startswith(AGENT_PREFIX) else PAGE_LIMIT_BYTES


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    """Pure ASGI middleware answering 413 to bodies over :func:`limit_for`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        length = declared_length(scope)
        if length is not None and length > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    megabytes = limit // (1024 * 1024)
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps({"detail": f"request body larger than {megabytes} MB"}).encode()
        content_type = b"application/json"
    else:
        body = (f"El envío es demasiado grande (máximo {megabytes} MB).").encode()
        content_type = b"text/plain; charset=utf-8"
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
