"""Admin panel: company settings (notification addresses, SMTP, offline alert delay)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.server import admin_queries
from connectors.cloud.server import company_settings as cs
from connectors.cloud.server.models import Company
from connectors.cloud.server.web.auth import AdminDep, ContextDep, check_csrf

router = APIRouter(prefix="/admin/empresa")

FIELDS = ("notify_emails", "mail_from", "smtp_host", "smtp_port", "smtp_user", "smtp_security",
          "offline_alert_minutes")


def _current_values(row: cs.CompanySettings | None, company: Company) -> dict[str, str]:
    if row is None:
        return {name: "" for name in FIELDS} | {"notify_emails": company.notify_email or ""}
    return {
        "notify_emails": row.notify_emails or company.notify_email or "",
        "mail_from": row.mail_from,
        "smtp_host": row.smtp_host,
        "smtp_port": str(row.smtp_port or ""),
        "smtp_user": row.smtp_user,
        "smtp_security": row.smtp_security,
        "offline_alert_minutes": str(row.offline_alert_minutes or ""),
    }


@router.get("", response_class=HTMLResponse)
def settings_page(request: Request, ctx: ContextDep, viewer: AdminDep, aviso: str = "") -> Response:
    with ctx.db.transaction() as session:
        company = session.get(Company, viewer.company_id)
        assert company is not None
        values = _current_values(cs.company_settings(session, viewer.company_id), company)
        mail = admin_queries.mail_status(session, viewer.company_id)
    return ctx.templates.TemplateResponse(request, "admin/settings.html", {
        "viewer": viewer, "values": values, "error": "", "section": "empresa", "mail": mail,
        "notice": "Cambios guardados." if aviso == "guardado" else "",
        "server_smtp": ctx.settings.smtp_host or "(sin configurar)",
        "default_minutes": ctx.settings.agent_offline_minutes,
    })


@router.post("")
async def save(request: Request, ctx: ContextDep, viewer: AdminDep) -> Response:
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)
    values = {name: str(form.get(name, ""))[:2000] for name in FIELDS}

    def run() -> str:
        try:
            with ctx.db.transaction() as session:
                cs.save_settings(session, viewer.company_id, cs.SettingsForm(**values))
        except cs.SettingsInputError as exc:
            return str(exc)
        return ""

    error = await run_in_threadpool(run)
    if not error:
        return RedirectResponse("/admin/empresa?aviso=guardado", status.HTTP_303_SEE_OTHER)
    return ctx.templates.TemplateResponse(request, "admin/settings.html", {
        "viewer": viewer, "values": values, "error": error, "section": "empresa", "notice": "",
        "mail": None,
        "server_smtp": ctx.settings.smtp_host or "(sin configurar)",
        "default_minutes": ctx.settings.agent_offline_minutes,
    }, status_code=422)
