"""A company's own SMTP password: typed once in the admin panel, kept only encrypted with the
server key, used to log in to the company's SMTP server (a real aiosmtpd with AUTH), never shown,
never logged, never handed to another server."""

from __future__ import annotations

import threading

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from connectors.cloud.server.db import Database
from connectors.cloud.server.models import CompanySettings
from connectors.cloud.server.secret_box import (
    SecretBox,
    SecretKeyMissing,
    SecretUnreadable,
    new_key,
)
from connectors.cloud.server.settings import Settings, SettingsError
from connectors.cloud.server.smtp_sender import MailNotConfigured, resolve_smtp
from tests.support.postgres import free_port
from tests.test_server_mail_support import SmtpSink
from tests.test_server_support import create_company, create_user, start_server
from tests.test_server_web import csrf_of, login

PASSWORD = "clave-smtp-de-la-empresa-7"
# The test SMTP server asks for AUTH on plain text: loopback only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
KEY = new_key()


def test_box_round_trip_rotation_and_wrong_key():
    old, new = new_key(), new_key()
    sealed = SecretBox((old,)).seal(PASSWORD)
    assert PASSWORD not in sealed
    assert SecretBox((old,)).open(sealed) == PASSWORD
    rotating = SecretBox((new, old))  # new first: it encrypts, both decrypt
    assert rotating.open(sealed) == PASSWORD
    resealed = rotating.reseal(sealed)
    assert SecretBox((new,)).open(resealed) == PASSWORD
    with pytest.raises(SecretUnreadable):
        SecretBox((new_key(),)).open(sealed)
    with pytest.raises(SecretKeyMissing):
        SecretBox(()).seal(PASSWORD)


def test_bad_key_in_environment_is_refused_without_echoing_it():
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://", "CASTOR_SECRET_KEY": "no-sirve-123"})
    assert "no-sirve-123" not in str(info.value) and "secret-key new" in str(info.value)
    settings = Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://", "CASTOR_SECRET_KEY": KEY})
    assert KEY not in repr(settings)


def test_company_server_never_gets_the_server_password():
    settings = Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://",
                                  "CASTOR_SMTP_HOST": "smtp.server.example",
                                  "CASTOR_SMTP_PASSWORD": "clave-del-servidor",
                                  "CASTOR_SECRET_KEY": KEY})
    company = CompanySettings(smtp_host="smtp.empresa.example", smtp_user="u",
                              smtp_password_sealed="", mail_from="")
    assert resolve_smtp(settings, company).password == ""
    company.smtp_password_sealed = SecretBox((KEY,)).seal(PASSWORD)
    assert resolve_smtp(settings, company).password == PASSWORD
    company.smtp_password_sealed = SecretBox((new_key(),)).seal(PASSWORD)  # key lost
    with pytest.raises(MailNotConfigured, match="enter it again"):
        resolve_smtp(settings, company)


class AuthSink(SmtpSink):
    """The sink, requiring AUTH LOGIN/PLAIN (without TLS: loopback only)."""

    def __init__(self) -> None:
        super().__init__(free_port())
        self.logins: list[tuple[str, str]] = []
        self.refused = 0
        self._guard = threading.Lock()
        self.controller = Controller(
            self.controller.handler, hostname="127.0.0.1", port=self.port,
            authenticator=self._authenticate, auth_required=True, auth_require_tls=False,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        login_name, password = auth_data.login.decode(), auth_data.password.decode()
        with self._guard:
            if (login_name, password) == ("pedidos", PASSWORD):
                self.logins.append((login_name, password))
                return AuthResult(success=True)
            self.refused += 1
            return AuthResult(success=False, handled=False)


@pytest.fixture
def sink():
    smtp = AuthSink().start()
    yield smtp
    smtp.stop()


def _settings_form(port: int, **extra: str) -> dict[str, str]:
    return {"notify_emails": "pedidos@pwdco.example", "mail_from": "Pwdco <pedidos@pwdco.example>",
            "smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_user": "pedidos",
            "smtp_security": "none", "offline_alert_minutes": "", **extra}


def test_admin_stores_the_password_and_mail_goes_out_with_it(tmp_path, sink):
    server = start_server(tmp_path / "pwd", CASTOR_SECRET_KEY=KEY,
                          CASTOR_OUTBOX_POLL_SECONDS="0.1", CASTOR_OUTBOX_RETRY_SECONDS="0.2",
                          CASTOR_PUBLIC_URL="http://127.0.0.1")
    try:
        create_company(server, "pwdco")
        create_user(server, "pwdco", "admin@pwdco.example", "admin")
        admin = login(server, "admin@pwdco.example")
        page = admin.get(server.url("/admin/empresa"), timeout=10).text
        assert 'type="password" name="smtp_password" value=""' in page
        assert 'data-smtp-password="ninguna"' in page
        saved = admin.post(server.url("/admin/empresa"), timeout=10, allow_redirects=False,
                           data={"csrf_token": csrf_of(page),
                                 **_settings_form(sink.port, smtp_password=PASSWORD)})
        assert saved.status_code == 303
        page = admin.get(server.url("/admin/empresa"), timeout=10).text
        assert 'data-smtp-password="guardada"' in page and PASSWORD not in page
        # Saving again with the field empty keeps the stored password.
        kept = admin.post(server.url("/admin/empresa"), timeout=10, allow_redirects=False,
                          data={"csrf_token": csrf_of(page), **_settings_form(sink.port)})
        assert kept.status_code == 303
        sealed = _stored(server)
        assert sealed and PASSWORD not in sealed
        assert SecretBox((KEY,)).open(sealed) == PASSWORD

        server.cli("user", "invite", "--company", "pwdco", "--email", "nuevo@pwdco.example",
                   "--name", "Nuevo", "--role", "preventa")
        sink.wait_for(lambda got: any("nuevo@pwdco.example" in m.rcpt for m in got),
                      what="the invitation through the company's SMTP")
        assert sink.logins and sink.logins[0] == ("pedidos", PASSWORD) and sink.refused == 0

        page = admin.get(server.url("/admin/empresa"), timeout=10).text
        cleared = admin.post(server.url("/admin/empresa"), timeout=10, allow_redirects=False,
                             data={"csrf_token": csrf_of(page), "smtp_password_clear": "1",
                                   **_settings_form(sink.port)})
        assert cleared.status_code == 303 and _stored(server) == ""
        assert PASSWORD not in (server.workdir / f"server-{server.port}.log").read_text()
    finally:
        server.stop()


def test_without_server_key_the_password_is_refused_in_spanish(tmp_path):
    server = start_server(tmp_path / "nokey")
    try:
        create_company(server, "nokeyco")
        create_user(server, "nokeyco", "admin@nokeyco.example", "admin")
        admin = login(server, "admin@nokeyco.example")
        page = admin.get(server.url("/admin/empresa"), timeout=10).text
        assert "CASTOR_SECRET_KEY" in page
        refused = admin.post(server.url("/admin/empresa"), timeout=10,
                             data={"csrf_token": csrf_of(page),
                                   **_settings_form(2525, smtp_password=PASSWORD)})
        assert refused.status_code == 422
        assert "no se guardó la contraseña" in refused.text and PASSWORD not in refused.text
        assert _stored(server) is None
    finally:
        server.stop()


def _stored(server) -> str | None:
    db = Database.from_url(server.database_url)
    try:
        with db.transaction() as session:
            return session.scalar(select(CompanySettings.smtp_password_sealed))
    finally:
        db.dispose()


def test_cli_new_key_and_rotation(tmp_path):
    old = new_key()
    server = start_server(tmp_path / "rot", CASTOR_SECRET_KEY=old)
    server.stop()
    printed = server.cli("secret-key", "new").stdout.strip()
    assert SecretBox((printed,)).available and printed != old
    db = Database.from_url(server.database_url)
    try:
        with db.transaction() as session:
            from connectors.cloud.server.accounts import create_company as make_company

            company = make_company(session, "rotco", "Rot SA", None)
            session.add(CompanySettings(company_id=company.id, smtp_host="smtp.rot.example",
                                        smtp_password_sealed=SecretBox((old,)).seal(PASSWORD)))
    finally:
        db.dispose()
    server.env_extra["CASTOR_SECRET_KEY"] = f"{printed},{old}"
    result = server.cli("secret-key", "rotate")
    assert "re-encrypted 1" in result.stderr
    assert SecretBox((printed,)).open(_stored(server)) == PASSWORD
    server.env_extra["CASTOR_SECRET_KEY"] = new_key()  # neither key: refuses, changes nothing
    refused = server.cli("secret-key", "rotate", check=False)
    assert refused.returncode == 1 and "nothing was changed" in refused.stderr
