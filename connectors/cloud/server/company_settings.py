"""A company's own settings: where order copies go, its SMTP server, the offline alert delay."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.cloud.server.accounts import EMAIL_RE, Role
from connectors.cloud.server.models import Company, CompanySettings, User
from connectors.cloud.server.secret_box import SecretBox
from connectors.cloud.server.settings import SMTP_SECURITY_CHOICES
from connectors.cloud.server.sqltypes import utcnow

MAX_NOTIFY_ADDRESSES = 10
MAX_PASSWORD_CHARS = 500


class SettingsInputError(ValueError):
    """A value typed in the settings form is not acceptable (message in Spanish)."""


@dataclass(frozen=True, slots=True)
class SettingsForm:
    notify_emails: str
    mail_from: str
    smtp_host: str
    smtp_port: str
    smtp_user: str
    smtp_security: str
    offline_alert_minutes: str
    smtp_password: str = ""  # empty: keep the stored one
    smtp_password_clear: bool = False


def split_addresses(raw: str) -> list[str]:
    """``"a@x.com, b@x.com; c@x.com"`` → the addresses, lower-cased, without repeats."""
    seen: list[str] = []
    for part in raw.replace(";", ",").replace("\n", ",").split(","):
        address = part.strip().lower()
        if address and address not in seen:
            seen.append(address)
    return seen


def company_settings(session: Session, company_id: int) -> CompanySettings | None:
    return session.get(CompanySettings, company_id)


def notify_addresses(session: Session, company_id: int) -> list[str]:
    """The company's notification addresses (settings first, the one given at creation else)."""
    row = session.get(CompanySettings, company_id)
    if row is not None and row.notify_emails.strip():
        return split_addresses(row.notify_emails)
    company = session.get(Company, company_id)
    return split_addresses(company.notify_email or "") if company else []


def admin_addresses(session: Session, company_id: int) -> list[str]:
    """Active admins who have set a password (they receive the agent alerts)."""
    return list(session.scalars(
        select(User.email).where(User.company_id == company_id, User.role == Role.ADMIN.value,
                                 User.active.is_(True), User.password_hash != "")
        .order_by(User.id)
    ).all())


def offline_minutes(session: Session, company_id: int, default: float) -> float:
    row = session.get(CompanySettings, company_id)
    if row is not None and row.offline_alert_minutes:
        return float(row.offline_alert_minutes)
    return default


def save_settings(
    session: Session, company_id: int, form: SettingsForm, box: SecretBox
) -> CompanySettings:
    """Validate and store the form; raises ``SettingsInputError`` with the first problem.

    A typed SMTP password is stored sealed by ``box``; an empty one keeps what is stored.
    """
    addresses = split_addresses(form.notify_emails)
    if len(addresses) > MAX_NOTIFY_ADDRESSES:
        raise SettingsInputError(f"Hasta {MAX_NOTIFY_ADDRESSES} direcciones de aviso.")
    for address in addresses:
        if not EMAIL_RE.match(address):
            raise SettingsInputError(f"«{address}» no es una dirección de correo válida.")
    mail_from = form.mail_from.strip()
    if mail_from and "@" not in mail_from:
        raise SettingsInputError("El remitente debe incluir una dirección de correo.")
    port = _optional_int(form.smtp_port, "El puerto SMTP", 1, 65535)
    minutes = _optional_int(form.offline_alert_minutes, "Los minutos sin conexión", 1, 10080)
    security = form.smtp_security.strip().lower()
    if security and security not in SMTP_SECURITY_CHOICES:
        raise SettingsInputError("Seguridad SMTP: STARTTLS, SSL o ninguna.")
    host = form.smtp_host.strip()
    if any(c.isspace() for c in host) or len(host) > 255:
        raise SettingsInputError("El servidor SMTP no es válido.")
    sealed = _sealed_password(form, box)
    row = session.get(CompanySettings, company_id)
    if row is None:
        row = CompanySettings(company_id=company_id, smtp_password_sealed="")
        session.add(row)
    if not host or form.smtp_password_clear:
        row.smtp_password_sealed = ""  # no own SMTP server: no reason to keep its password
    elif sealed is not None:
        row.smtp_password_sealed = sealed
    row.notify_emails = ", ".join(addresses)
    row.mail_from = mail_from[:255]
    row.smtp_host = host
    row.smtp_port = port
    row.smtp_user = form.smtp_user.strip()[:255]
    row.smtp_security = security
    row.offline_alert_minutes = minutes
    row.updated_at = utcnow()
    return row


def has_smtp_password(row: CompanySettings | None) -> bool:
    return bool(row is not None and row.smtp_password_sealed)


def reseal_passwords(session: Session, box: SecretBox) -> int:
    """Re-encrypt every stored SMTP password with the current key (after a key rotation)."""
    rows = session.scalars(
        select(CompanySettings).where(CompanySettings.smtp_password_sealed != "")
    ).all()
    for row in rows:
        row.smtp_password_sealed = box.reseal(row.smtp_password_sealed)
    return len(rows)


def _sealed_password(form: SettingsForm, box: SecretBox) -> str | None:
    """The new sealed password, or None to keep the stored one."""
    if not form.smtp_password or form.smtp_password_clear:
        return None
    if len(form.smtp_password) > MAX_PASSWORD_CHARS:
        raise SettingsInputError("La contraseña SMTP es demasiado larga.")
    if not form.smtp_host.strip():
        raise SettingsInputError(
            "Indique el servidor SMTP de la empresa para guardar su contraseña.")
    if not box.available:
        raise SettingsInputError(
            "El servidor no tiene configurada la clave para guardar contraseñas "
            "(CASTOR_SECRET_KEY). Pídasela a quien administra el servidor; mientras tanto "
            "no se guardó la contraseña."
        )
    return box.seal(form.smtp_password)


def _optional_int(raw: str, label: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsInputError(f"{label} debe ser un número entre {low} y {high}.")
    return int(raw)
