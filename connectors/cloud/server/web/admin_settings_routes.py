"""Admin panel: company settings (notification addresses, SMTP, offline alert delay)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from connectors.cloud.server import admin_queries
from connectors.cloud.server import company_settings as cs
from connectors.cloud.server.models import Company
from connectors.cloud.server.secret_box import SecretBox
from connectors.cloud.server.settings import Settings
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
        row = cs.company_settings(session, viewer.company_id)
        values = _current_values(row, company)
        mail = admin_queries.mail_status(session, viewer.company_id)
        has_password = cs.has_smtp_password(row)
    return ctx.templates.TemplateResponse(request, "admin/settings.html", {
        "viewer": viewer, "values": values, "error": "", "section": "empresa", "mail": mail,
        "notice": "Cambios guardados." if aviso == "guardado" else "",
        **_smtp_context(ctx.settings, has_password),
    })


@router.post("")
async def save(request: Request, ctx: ContextDep, viewer: AdminDep) -> Response:
    form = await request.form()
    check_csrf(form.get("csrf_token"), viewer.csrf_token)
    values = {name: str(form.get(name, ""))[:2000] for name in FIELDS}
    # The password is write-only: it is never echoed back into the page, even on an error.
    password = str(form.get("smtp_password", ""))[:2000]
    clear = form.get("smtp_password_clear") == "1"
    box = SecretBox(ctx.settings.secret_keys)

    def run() -> tuple[str, bool]:
        try:
            with ctx.db.transaction() as session:
                cs.save_settings(session, viewer.company_id, cs.SettingsForm(
                    **values, smtp_password=password, smtp_password_clear=clear), box)
        except cs.SettingsInputError as exc:
            with ctx.db.transaction() as session:
                stored = cs.has_smtp_password(cs.company_settings(session, viewer.company_id))
            return str(exc), stored
        return "", False

    error, has_password = await run_in_threadpool(run)
    if not error:
        return RedirectResponse("/admin/empresa?aviso=guardado", status.HTTP_303_SEE_OTHER)
    return ctx.templates.TemplateResponse(request, "admin/settings.html", {
        "viewer": viewer, "values": values, "error": error, "section": "empresa", "notice": "",
        "mail": None, **_smtp_context(ctx.settings, has_password),
    }, status_code=422)


def _smtp_context(settings: Settings, has_password: bool) -> dict[str, object]:
    return {
        "server_smtp": settings.smtp_host or "(sin configurar)",
        "default_minutes": settings.agent_offline_minutes,
        "has_smtp_password": has_password,
        "can_store_password": bool(settings.secret_keys),
    }
