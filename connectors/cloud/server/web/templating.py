"""Jinja2 setup: Argentine formatting filters and the Spanish error page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from connectors.cloud.server import formatting

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


def install_filters(templates: Jinja2Templates) -> None:
    """Register the formatting functions as Jinja2 filters."""
    env = templates.env
    env.filters["money"] = formatting.format_money
    env.filters["qty"] = formatting.format_quantity
    env.filters["percent"] = formatting.format_percent
    env.filters["fdate"] = formatting.format_date
    env.filters["fdatetime"] = formatting.format_datetime
    env.filters["tango_number"] = formatting.format_tango_number
    env.globals["status_label"] = formatting.status_label


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
