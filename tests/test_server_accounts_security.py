"""Session hardening over real HTTP: cookie flags, «Mantener la sesión iniciada», no session
fixation, security headers, and login throttling shared by two server processes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from connectors.cloud.server.accounts import Role, create_company, create_user
from connectors.cloud.server.db import Database
from connectors.cloud.server.migrate import upgrade_head
from connectors.cloud.server.models import WebSession
from connectors.cloud.server.security import PasswordPolicyError, check_password_policy
from connectors.cloud.server.sessions import delete_expired, open_session
from connectors.cloud.server.sqltypes import utcnow
from tests.test_server_support import PASSWORD, CloudServer, start_server
from tests.test_server_support import create_company as cli_company
from tests.test_server_support import create_user as cli_user
from tests.test_server_web import csrf_of


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def servers(request, tmp_path_factory):
    url = None
    if request.param == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.psycopg_url(cluster.create_database())
    first = start_server(tmp_path_factory.mktemp("cloud-sec"), url,
                         CASTOR_LOGIN_MAX_FAILURES="5", CASTOR_LOGIN_MAX_FAILURES_ADDRESS="8")
    first.start_args = ["--proxy-headers"]
    first.stop()
    first.start()
    second = CloudServer(database_url=first.database_url, workdir=first.workdir,
                         env_extra=first.env_extra, start_args=["--proxy-headers"]).start()
    cli_company(first, "secco")
    for name in ("sec", "victima", "otra"):
        cli_user(first, "secco", f"{name}@secco.example", "preventa")
    yield first, second
    second.stop()
    first.stop()


def attempt(server: CloudServer, email: str, password: str, *, remember: bool = True,
            address: str = "10.0.0.1", browser: requests.Session | None = None):
    browser = browser or requests.Session()
    headers = {"X-Forwarded-For": address}
    page = browser.get(server.url("/login"), timeout=10, headers=headers)
    data = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    if remember:
        data["remember"] = "1"
    response = browser.post(server.url("/login"), timeout=10, allow_redirects=False,
                            headers=headers, data=data)
    return browser, response


def test_cookie_flags_and_remember_me(servers):
    server, _ = servers
    _, kept = attempt(server, "sec@secco.example", PASSWORD, remember=True, address="10.1.0.1")
    assert kept.status_code == 303
    cookie = kept.headers["set-cookie"]
    assert "castor_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=2592000" in cookie and "Secure" not in cookie
    _, short = attempt(server, "sec@secco.example", PASSWORD, remember=False, address="10.1.0.1")
    session_cookie = next(c for c in short.raw.headers.getlist("set-cookie")
                          if c.startswith("castor_session="))
    assert "Max-Age" not in session_cookie and "expires" not in session_cookie.lower()
    # Behind an https proxy the cookie is Secure (and HSTS is sent).
    browser = requests.Session()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.0.2"}
    page = browser.get(server.url("/login"), timeout=10, headers=headers)
    assert "Secure" in page.headers["set-cookie"]
    assert page.headers["strict-transport-security"].startswith("max-age=")


def test_a_new_session_id_at_every_login(servers):
    server, _ = servers
    browser, _ = attempt(server, "sec@secco.example", PASSWORD, address="10.2.0.1")
    old = browser.cookies.get("castor_session")
    assert browser.get(server.url("/inicio"), timeout=10, allow_redirects=False).status_code == 200
    # A browser carrying a known session id (planted, or left over) logs in: it gets a new id
    # and the old one stops working.
    planted = requests.Session()
    page = planted.get(server.url("/login"), timeout=10)
    planted.cookies.set("castor_session", old)
    response = planted.post(server.url("/login"), timeout=10, allow_redirects=False, data={
        "email": "sec@secco.example", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    new = response.cookies.get("castor_session")
    assert new and new != old
    stale = requests.get(server.url("/inicio"), cookies={"castor_session": old}, timeout=10,
                         allow_redirects=False)
    assert stale.status_code == 303  # the old id is dead
    fresh = requests.get(server.url("/inicio"), cookies={"castor_session": new}, timeout=10,
                         allow_redirects=False)
    assert fresh.status_code == 200


def test_security_headers_everywhere(servers):
    server, _ = servers
    for path in ("/login", "/healthz", "/api/v1/agent/heartbeat"):
        headers = requests.get(server.url(path), timeout=10).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_throttling_per_account_is_shared_by_both_processes(servers):
    first, second = servers
    for i in range(5):
        server = first if i % 2 else second
        _, response = attempt(server, "victima@secco.example", "mal-" + "x" * 10,
                              address=f"10.3.0.{i}")
        assert response.status_code == 200 and "incorrectos" in response.text
    for server in (first, second):  # even the right password waits now, from any address
        _, blocked = attempt(server, "victima@secco.example", PASSWORD, address="10.3.1.1")
        assert blocked.status_code == 429 and "Demasiados intentos" in blocked.text
    _, other = attempt(first, "otra@secco.example", PASSWORD, address="10.3.0.1")
    assert other.status_code == 303


def test_throttling_per_address(servers):
    first, second = servers
    for i in range(8):
        _, response = attempt(first if i % 2 else second, f"spray{i}@secco.example",
                              "mal-" + "x" * 10, address="10.4.0.9")
        assert response.status_code == 200
    _, blocked = attempt(first, "otra@secco.example", PASSWORD, address="10.4.0.9")
    assert blocked.status_code == 429
    _, elsewhere = attempt(second, "otra@secco.example", PASSWORD, address="10.4.0.10")
    assert elsewhere.status_code == 303


# --------------------------------------------------------------------------- unit level


@pytest.mark.parametrize("password", ["corta", "1234567890", "Argentina2024!", "password123",
                                      "aaaaaaaaaaaa", " con-espacios-al-borde "])
def test_weak_passwords_are_refused(password):
    with pytest.raises(PasswordPolicyError) as info:
        check_password_policy(password)
    assert info.value.message_es


def test_good_passwords_pass():
    check_password_policy("mate-con-bizcochitos-7")
    check_password_policy(PASSWORD)


def test_expired_sessions_are_deleted(tmp_path):
    url = f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    upgrade_head(url)
    db = Database.from_url(url)
    try:
        with db.transaction() as session:
            company = create_company(session, "sessco", "Sess SA", None)
            user = create_user(session, company, email="s@sessco.example", role=Role.PREVENTA,
                               name="S", password=PASSWORD)
            open_session(session, user, timedelta(hours=1))
            open_session(session, user, timedelta(seconds=-1))  # just expired: kept a day
            open_session(session, user, -timedelta(days=2))  # long expired: deleted
        with db.transaction() as session:
            assert delete_expired(session, utcnow()) == 1
            assert session.scalar(select(func.count()).select_from(WebSession)) == 2
            assert delete_expired(session, utcnow() + timedelta(days=2)) == 2
    finally:
        db.dispose()
