"""Jinja2 setup: Argentine formatting filters and the Spanish error page."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from connectors.cloud.server import formatting, freshness

FORMAT_CACHE_SIZE = 8192

ERROR_MESSAGES_ES = {
    400: ("Solicitud inválida", "Los datos enviados no son válidos."),
    401: ("Sesión requerida", "Iniciá sesión para continuar."),
    403: (
        "Formulario vencido",
        "El formulario venció o no es válido. Volvé a cargar la página e intentá de nuevo.",
    ),
    404: ("No encontrado", "La página que buscás no existe o no tenés acceso."),
    405: ("Operación no permitida", "Esa operación no está permitida aquí."),
    409: ("Conflicto", "La operación no se pudo completar."),
    500: ("Error del servidor", "Ocurrió un error. Probá de nuevo en unos minutos."),
}


def install_filters(templates: Jinja2Templates, freshness_cache_seconds: float = 5.0) -> None:
    """Register the formatting functions as Jinja2 filters."""
    env = templates.env
    # A catalog page formats a few hundred numbers, most of them seen before (prices, rates,
    # stock): equal Decimals format alike (the functions round or normalize first), so the
    # results are memoized.
    env.filters["money"] = lru_cache(maxsize=FORMAT_CACHE_SIZE)(formatting.format_money)
    env.filters["qty"] = lru_cache(maxsize=FORMAT_CACHE_SIZE)(formatting.format_quantity)
    env.filters["percent"] = lru_cache(maxsize=256)(formatting.format_percent)
    env.filters["fdate"] = formatting.format_date
    env.filters["fdatetime"] = formatting.format_datetime
    env.filters["tango_number"] = formatting.format_tango_number
    env.globals["status_label"] = formatting.status_label
    templates.context_processors.append(partial(
        freshness_context, freshness.FreshnessCache(ttl=freshness_cache_seconds)))


def freshness_context(cache: freshness.FreshnessCache, request: Request) -> dict[str, Any]:
    """``data_freshness(company_id)`` for the pages: when Tango's data last reached the cloud.

    Looked up only by the templates that show it (one primary-key read, at most every few
    seconds per company and process).
    """
    db = request.app.state.context.db

    def load(company_id: int) -> Any:
        with db.transaction() as session:
            return freshness.last_refreshed(session, company_id)

    def data_freshness(company_id: int) -> freshness.Freshness:
        return cache.get(company_id, lambda: load(company_id))

    return {"data_freshness": data_freshness}


def error_page(request: Request, status_code: int) -> HTMLResponse:
    """The Spanish error page for ``status_code``."""
    title, message = ERROR_MESSAGES_ES.get(status_code, ERROR_MESSAGES_ES[500])
    templates: Jinja2Templates = request.app.state.context.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "message": message, "status_code": status_code, "viewer": None},
        status_code=status_code,
    )
