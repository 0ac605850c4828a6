"""Sending one e-mail through SMTP, configured per company or by the server defaults."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from connectors.cloud.server.models import CompanySettings
from connectors.cloud.server.secret_box import SecretBox, SecretKeyMissing, SecretUnreadable
from connectors.cloud.server.settings import Settings


class MailNotConfigured(RuntimeError):
    """No usable SMTP: no host (the company's or the server's), or an unreadable password."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    user: str
    security: str  # starttls | ssl | none
    mail_from: str
    timeout: float
    password: str = field(default="", repr=False)  # never logged, never shown


def resolve_smtp(settings: Settings, company: CompanySettings | None) -> SmtpConfig:
    """The company's SMTP when it set a host, otherwise the server's.

    A company's server gets the company's own password (stored sealed), never the server's.
    """
    if company is not None and company.smtp_host.strip():
        return SmtpConfig(
            host=company.smtp_host.strip(),
            port=company.smtp_port or 25,
            user=company.smtp_user.strip(),
            security=company.smtp_security or "none",
            mail_from=company.mail_from.strip() or settings.mail_from,
            timeout=settings.smtp_timeout_seconds,
            password=_company_password(settings, company),
        )
    if not settings.smtp_host:
        raise MailNotConfigured("no SMTP host configured")
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        security=settings.smtp_security,
        mail_from=(company.mail_from.strip() if company else "") or settings.mail_from,
        timeout=settings.smtp_timeout_seconds,
        password=settings.smtp_password,
    )


def _company_password(settings: Settings, company: CompanySettings) -> str:
    if not company.smtp_password_sealed:
        return ""
    try:
        return SecretBox(settings.secret_keys).open(company.smtp_password_sealed)
    except (SecretKeyMissing, SecretUnreadable) as exc:
        raise MailNotConfigured(
            f"company SMTP password unreadable ({exc}); the admin must enter it again"
        ) from None


def build_message(
    config: SmtpConfig, to_addr: str, subject: str, text: str, html: str
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the preferred part."""
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = to_addr
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="castor-pedidos")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server; raises ``OSError`` / ``smtplib.SMTPException``."""
    if config.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with client:
        if config.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.user:
            client.login(config.user, config.password)
        client.send_message(message)
