"""Outbox and SMTP configuration at unit level, on a fresh migrated SQLite database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from connectors.cloud.server import outbox
from connectors.cloud.server.company_settings import split_addresses
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import ComposedMail, MailComposer
from connectors.cloud.server.migrate import upgrade_head
from connectors.cloud.server.models import CompanySettings, OutboxMail
from connectors.cloud.server.settings import Settings
from connectors.cloud.server.smtp_sender import MailNotConfigured, build_message, resolve_smtp
from connectors.cloud.server.sqltypes import utcnow

MAIL = ComposedMail(subject="Asunto", text="hola", html="<p>hola</p>")


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'units.sqlite3'}"
    upgrade_head(url)
    database = Database.from_url(url)
    yield database
    database.dispose()


def test_queue_is_idempotent_by_key_and_claims_are_exclusive(db):
    with db.transaction() as session:
        assert outbox.queue_mail(session, company_id=None, kind="t", to_addr="a@x.example",
                                 mail=MAIL, dedupe_key="k1")
        assert not outbox.queue_mail(session, company_id=None, kind="t",
                                     to_addr="a@x.example", mail=MAIL, dedupe_key="k1")
        assert not outbox.queue_mail(session, company_id=None, kind="t", to_addr=" ", mail=MAIL)
    with db.transaction() as session:
        claimed = outbox.claim_next(session, lease_seconds=60)
    with db.transaction() as session:
        assert claimed is not None and claimed.attempts == 1
        assert outbox.claim_next(session, lease_seconds=60) is None  # held by the first lease
        outbox.mark_retry(session, claimed, "SMTP down", base_seconds=30)
    with db.transaction() as session:
        assert outbox.claim_next(session, lease_seconds=60) is None  # backing off
        session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
    with db.transaction() as session:
        again = outbox.claim_next(session, lease_seconds=60)
        assert again is not None and again.attempts == 2
        outbox.mark_sent(session, claimed)  # a stale lease cannot mark it
    with db.transaction() as session:
        assert session.get(OutboxMail, again.id).status == "pending"
        outbox.mark_sent(session, again)
    with db.transaction() as session:
        row = session.get(OutboxMail, again.id)
        assert row.status == "sent" and row.sent_at is not None and row.lease_token is None
        assert outbox.purge_sent(session, utcnow() + timedelta(seconds=1)) == 1


def test_expired_lease_is_claimable_again(db):
    with db.transaction() as session:
        outbox.queue_mail(session, company_id=None, kind="t", to_addr="a@x.example", mail=MAIL)
    with db.transaction() as session:
        first = outbox.claim_next(session, lease_seconds=60)
        session.execute(update(OutboxMail).values(lease_expires_at=utcnow() - timedelta(1)))
    with db.transaction() as session:
        second = outbox.claim_next(session, lease_seconds=60)
    assert first and second and first.lease_token != second.lease_token


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff_seconds(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert outbox.backoff_seconds(50, 30) == outbox.MAX_BACKOFF_SECONDS


def test_smtp_from_company_or_server_and_password_only_from_env():
    settings = Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://", "CASTOR_SMTP_HOST":
                                  "smtp.server.example", "CASTOR_SMTP_PORT": "2525",
                                  "CASTOR_SMTP_PASSWORD": "s3creto-del-env"})
    assert "s3creto" not in repr(settings)
    server = resolve_smtp(settings, None)
    assert (server.host, server.port, server.password) == ("smtp.server.example", 2525,
                                                           "s3creto-del-env")
    assert "s3creto" not in repr(server)
    company = CompanySettings(smtp_host="smtp.empresa.example", smtp_port=587, smtp_user="u",
                              smtp_security="starttls", mail_from="Empresa <p@empresa.example>")
    own = resolve_smtp(settings, company)
    assert (own.host, own.port, own.security, own.mail_from) == (
        "smtp.empresa.example", 587, "starttls", "Empresa <p@empresa.example>")
    with pytest.raises(MailNotConfigured):
        resolve_smtp(Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://"}), None)
    message = build_message(server, "a@x.example", "Asunto", "texto", "<p>html</p>")
    assert message.get_body(("plain",)).get_content().strip() == "texto"
    assert message.get_body(("html",)).get_content().strip() == "<p>html</p>"


def test_addresses_are_split_and_deduplicated():
    assert split_addresses("A@x.com; b@x.com,\na@x.com , ") == ["a@x.com", "b@x.com"]


def test_templates_escape_html_but_not_text():
    mail = MailComposer().compose("agent_back", "ACTIVO volvió", company_name="<Uno & Dos>",
                                  back_at=utcnow(), host="SRV")
    assert "&lt;Uno &amp; Dos&gt;" in mail.html and "<Uno & Dos>" in mail.text


def test_ages_read_naturally():
    from connectors.cloud.server.web.admin_routes import age_es, parse_day

    assert age_es(timedelta(minutes=5)) == "5 min"
    assert age_es(timedelta(minutes=95)) == "1 h 35 min"
    assert age_es(timedelta(days=3, hours=1)) == "3 días"
    assert parse_day("04/12/2026").isoformat() == "2026-12-04"
    assert parse_day("2026-12-04").isoformat() == "2026-12-04"
    assert parse_day("31/02/2026") is None and parse_day("") is None
