"""Idle timeout of web sessions: a session without «Mantener la sesión» ends after a while
without requests; a remembered one does not; browsing writes the last request only rarely."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from connectors.cloud.server.accounts import Role, create_company, create_user
from connectors.cloud.server.db import Database
from connectors.cloud.server.migrate import upgrade_head
from connectors.cloud.server.models import WebSession
from connectors.cloud.server.security import digest
from connectors.cloud.server.sessions import TOUCH_EVERY, load_viewer, needs_touch, open_session
from connectors.cloud.server.settings import Settings, SettingsError
from connectors.cloud.server.sqltypes import utcnow
from tests.test_server_support import PASSWORD, start_server
from tests.test_server_support import create_company as cli_company
from tests.test_server_support import create_user as cli_user
from tests.test_server_web import login

IDLE = timedelta(minutes=120)


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'idle.sqlite3'}"
    upgrade_head(url)
    database = Database.from_url(url)
    with database.transaction() as session:
        company = create_company(session, "idleco", "Idle SA", None)
        create_user(session, company, email="i@idleco.example", role=Role.PREVENTA, name="I",
                    password=PASSWORD)
    yield database
    database.dispose()


def _open(db, *, persistent: bool) -> str:
    from connectors.cloud.server.models import User

    with db.transaction() as session:
        user = session.scalars(select(User)).one()
        return open_session(session, user, timedelta(days=30), persistent=persistent)


def _last_seen(db, cookie: str):
    with db.transaction() as session:
        return session.get(WebSession, digest(cookie)).last_seen_at


def test_short_session_ends_after_idle_but_activity_keeps_it(db):
    cookie = _open(db, persistent=False)
    start = _last_seen(db, cookie)
    with db.transaction() as session:
        assert load_viewer(session, cookie, idle=IDLE, now=start + timedelta(minutes=119))
    # That request was more than TOUCH_EVERY after the last one, so it moved the mark.
    assert _last_seen(db, cookie) == start + timedelta(minutes=119)
    with db.transaction() as session:  # 3 h after opening, but only 61 min after the last use
        assert load_viewer(session, cookie, idle=IDLE, now=start + timedelta(minutes=180))
    with db.transaction() as session:  # now truly idle for more than 2 h
        assert load_viewer(session, cookie, idle=IDLE, now=start + timedelta(minutes=301)) is None


def test_remembered_session_has_no_idle_timeout(db):
    cookie = _open(db, persistent=True)
    start = _last_seen(db, cookie)
    with db.transaction() as session:
        assert load_viewer(session, cookie, idle=IDLE, now=start + timedelta(days=10))


def test_no_idle_setting_means_only_the_fixed_expiry(db):
    cookie = _open(db, persistent=False)
    start = _last_seen(db, cookie)
    with db.transaction() as session:
        assert load_viewer(session, cookie, idle=None, now=start + timedelta(days=10))
    with db.transaction() as session:
        assert load_viewer(session, cookie, idle=None, now=start + timedelta(days=31)) is None


def test_browsing_writes_the_last_request_only_every_few_minutes(db):
    cookie = _open(db, persistent=False)
    start = _last_seen(db, cookie)
    for seconds in (1, 30, 90, 200):
        with db.transaction() as session:
            assert load_viewer(session, cookie, idle=IDLE, now=start + timedelta(seconds=seconds))
    assert _last_seen(db, cookie) == start  # four requests within five minutes: no write
    assert not needs_touch(start, start + TOUCH_EVERY - timedelta(seconds=1), IDLE)
    assert needs_touch(start, start + TOUCH_EVERY, IDLE)
    # A short idle timeout touches more often, so a busy user never falls through a gap.
    assert needs_touch(start, start + timedelta(seconds=60), timedelta(minutes=10))


def test_idle_minutes_setting():
    assert Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://"}).session_idle_minutes == 120
    settings = Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://",
                                  "CASTOR_SESSION_IDLE_MINUTES": "0"})
    assert settings.session_idle_minutes == 0
    with pytest.raises(SettingsError):
        Settings.from_env({"CASTOR_DATABASE_URL": "sqlite://", "CASTOR_SESSION_IDLE_MINUTES": "x"})


def test_idle_session_is_sent_to_the_login_page_over_http(tmp_path):
    server = start_server(tmp_path / "idle", CASTOR_SESSION_IDLE_MINUTES="1")
    try:
        cli_company(server, "idleweb")
        cli_user(server, "idleweb", "clerk@idleweb.example", "preventa")
        browser = login(server, "clerk@idleweb.example")
        assert browser.get(server.url("/preventa"), timeout=10).status_code == 200
        # Age the session's last request by two minutes, as if the clerk went to lunch.
        db = Database.from_url(server.database_url)
        try:
            with db.transaction() as session:
                for row in session.scalars(select(WebSession)):
                    row.last_seen_at = utcnow() - timedelta(minutes=2)
                    row.created_at = utcnow() - timedelta(minutes=2)
        finally:
            db.dispose()
        answer = browser.get(server.url("/preventa"), timeout=10, allow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
    finally:
        server.stop()
