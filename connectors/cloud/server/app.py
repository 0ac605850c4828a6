"""The composition root: ``create_app(settings)`` builds one server instance."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from connectors.cloud.server import agent_api, agent_images_api
from connectors.cloud.server.background import BackgroundWorker
from connectors.cloud.server.context import AppContext
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.settings import Settings
from connectors.cloud.server.web import templating
from connectors.cloud.server.web.auth import LoginRequired, login_redirect
from connectors.cloud.server.web.body_limit import BodyLimit
from connectors.cloud.server.web.gzip_request import GzipRequest
from connectors.cloud.server.web.routes import router as web_router
from connectors.cloud.server.web.security_headers import SecurityHeaders

WEB_DIR = Path(__file__).with_name("web")


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """A FastAPI app serving the agent API and the web pages from ``settings``."""
    db = database or Database.from_url(settings.database_url)
    composer = MailComposer()
    worker = BackgroundWorker(settings, db, composer)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop), name="castor-background")
        try:
            yield
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=settings.smtp_timeout_seconds + 5)
            except TimeoutError:
                task.cancel()
            db.dispose()

    app = FastAPI(
        title="Castor Pedidos",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    templating.install_filters(templates, settings.freshness_cache_seconds)
    app.state.context = AppContext(settings=settings, db=db, templates=templates, mail=composer)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GzipRequest)  # inside BodyLimit: inflates what BodyLimit let through
    app.add_middleware(BodyLimit)  # added last: runs first, before anything reads the body

    app.include_router(agent_api.router)
    app.include_router(agent_images_api.router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")

    app.openapi = lambda: _openapi_with_error_body(app)  # type: ignore[method-assign]
    app.add_exception_handler(LoginRequired, login_redirect)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    return app


def _openapi_with_error_body(app: FastAPI) -> dict:
    """The schema, saying what the server really sends on 422: the contract's ``ErrorBody``
    (``{"detail": "text"}``, see ``_validation_error``), not FastAPI's default list."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in components:
            components["HTTPValidationError"] = {
                "title": "ErrorBody",
                "type": "object",
                "properties": {"detail": {"type": "string", "title": "Detail"}},
                "required": ["detail"],
            }
        app.openapi_schema = schema
    return app.openapi_schema


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """JSON ``{"detail": ...}`` for the APIs; a Spanish page for people."""
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    return templating.error_page(request, exc.status_code)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    """422 with a one-string ``detail`` (the contract's ``ErrorBody``)."""
    if not _wants_json(request):
        return templating.error_page(request, 400)
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, 422)
