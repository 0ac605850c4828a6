"""Invitations and password resets over real HTTP and a real SMTP server: follow the link,
set the password, log in."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
import requests

from connectors.cloud.contract import Customer, MasterKind, Seller
from tests.test_server_mail_support import SmtpSink, mail_env
from tests.test_server_support import (
    PASSWORD,
    Agent,
    CloudServer,
    create_company,
    create_user,
    push_demo_catalog,
    start_server,
)
from tests.test_server_web import csrf_of, login

NEW_PASSWORD = "mate-con-bizcochitos-7"


@pytest.fixture(scope="module")
def sink():
    smtp = SmtpSink().start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, sink):
    srv = start_server(tmp_path_factory.mktemp("cloud-invite"), **mail_env(sink.port))
    agent = Agent(srv, create_company(srv, "invco"))
    push_demo_catalog(agent)
    assert agent.push(MasterKind.SELLERS, [Seller(code="V1", name="Verónica Paz"),
                                           Seller(code="V2", name="Raúl Gómez")]).ok
    assert agent.push(MasterKind.CUSTOMERS, [Customer(
        code="C0001", name="Almacén Don Pepe", email="compras@donpepe.example",
        sale_condition=2, price_list=1, discount_pct=Decimal("10"), seller_code="V1")],
        batch_id="emails").ok
    create_user(srv, "invco", "ana@invco.example", "admin")
    yield srv
    srv.stop()


@pytest.fixture
def admin(server) -> requests.Session:
    return login(server, "ana@invco.example")


def invite(server, admin: requests.Session, **data: str) -> requests.Response:
    page = admin.get(server.url(f"/admin/usuarios/invitar?rol={data['role']}"), timeout=10)
    assert page.status_code == 200
    return admin.post(server.url("/admin/usuarios/invitar"), timeout=10, allow_redirects=False,
                      data={"csrf_token": csrf_of(page.text), **data})


def set_password(server, link: str, password: str, password2: str | None = None):
    browser = requests.Session()
    page = browser.get(link, timeout=10)
    assert page.status_code == 200, page.text
    return browser, browser.post(link, timeout=10, allow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "password": password,
        "password2": password if password2 is None else password2})


def test_invited_seller_sets_a_password_and_logs_in(server, admin, sink):
    response = invite(server, admin, role="vendedor", seller_code="V1", name="",
                      email="Vero.Paz@Invco.example")
    assert response.status_code == 303 and response.headers["location"].endswith("invitado")
    [mail] = sink.wait_for(lambda m: bool([x for x in m if "vero.paz@invco.example" in x.rcpt]),
                           what="invitation")[-1:]
    assert "Invitación" in mail.subject and "Invco SA" in mail.subject
    assert "Verónica Paz" in mail.text and "vendedor" in mail.text
    link = mail.link()
    assert link.startswith(server.base_url + "/invitacion/") and link in mail.html

    users = admin.get(server.url("/admin/usuarios"), timeout=10).text
    assert "vero.paz@invco.example" in users and "Invitación pendiente" in users

    # A pending invitee cannot log in with anything yet.
    page = requests.get(server.url("/login"), timeout=10)
    assert "Mantener la sesión iniciada" in page.text

    _, weak = set_password(server, link, "1234567890")
    assert weak.status_code == 422 and "demasiado común" in weak.text
    _, short = set_password(server, link, "corta")
    assert short.status_code == 422 and "al menos 10" in short.text
    _, mismatch = set_password(server, link, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert mismatch.status_code == 422 and "no coinciden" in mismatch.text
    _, done = set_password(server, link, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/login?aviso=clave"

    seller = login(server, "vero.paz@invco.example", NEW_PASSWORD)
    home = seller.get(server.url("/"), timeout=10)
    assert home.url.endswith("/vendedor/clientes") and "Almacén Don Pepe" in home.text
    assert requests.get(link, timeout=10).status_code == 410  # the link works once
    assert "Activo" in admin.get(server.url("/admin/usuarios"), timeout=10).text


def test_customer_invitation_prefills_the_synced_email(server, admin, sink):
    page = admin.get(server.url("/admin/usuarios/invitar?rol=cliente&q=pepe"), timeout=10)
    assert 'value="compras@donpepe.example"' in page.text
    response = invite(server, admin, role="cliente", customer_code="C0001",
                      name="Almacén Don Pepe", email="compras@donpepe.example")
    assert response.status_code == 303
    mail = sink.wait_for(lambda m: bool([x for x in m if "compras@donpepe.example" in x.rcpt]),
                         what="customer invitation")[-1]
    _, done = set_password(server, mail.link(), NEW_PASSWORD)
    assert done.status_code == 303
    login(server, "compras@donpepe.example", NEW_PASSWORD)


def test_invitation_errors_are_explained(server, admin):
    dup = invite(server, admin, role="preventa", name="Ana", email="ana@invco.example")
    assert dup.status_code == 422 and "Ya existe un usuario" in dup.text
    unknown = invite(server, admin, role="vendedor", seller_code="V99", name="X",
                     email="x@invco.example")
    assert unknown.status_code == 422 and "vendedor de Tango" in unknown.text
    bad = invite(server, admin, role="preventa", name="Pía", email="no-es-correo")
    assert bad.status_code == 422 and "correo electrónico válido" in bad.text


def test_resend_replaces_the_old_link(server, admin, sink):
    invite(server, admin, role="preventa", name="Pía Clerk", email="pia@invco.example")
    first = sink.wait_for(lambda m: bool([x for x in m if "pia@invco.example" in x.rcpt]),
                          what="clerk invitation")[-1].link()
    users = admin.get(server.url("/admin/usuarios"), timeout=10).text
    user_id = re.search(r'/admin/usuarios/(\d+)/reenviar', users).group(1)
    resent = admin.post(server.url(f"/admin/usuarios/{user_id}/reenviar"), timeout=10,
                        allow_redirects=False, data={"csrf_token": csrf_of(users)})
    assert resent.status_code == 303
    mails = sink.wait_for(lambda m: len([x for x in m if "pia@invco.example" in x.rcpt]) >= 2,
                          what="second invitation")
    second = [x for x in mails if "pia@invco.example" in x.rcpt][-1].link()
    assert second != first
    assert requests.get(first, timeout=10).status_code == 410
    _, done = set_password(server, second, NEW_PASSWORD)
    assert done.status_code == 303
    home = login(server, "pia@invco.example", NEW_PASSWORD)
    assert home.get(server.url("/admin/pedidos"), timeout=10).status_code == 404


def test_password_reset_by_email(server, sink):
    create_user(server, "invco", "olvido@invco.example", "preventa")
    before = login(server, "olvido@invco.example")
    browser = requests.Session()
    page = browser.get(server.url("/clave/olvide"), timeout=10)
    sent = browser.post(server.url("/clave/olvide"), timeout=10,
                        data={"csrf_token": csrf_of(page.text), "email": "Olvido@invco.example"})
    assert sent.status_code == 200 and "Si el correo está registrado" in sent.text
    unknown = browser.post(server.url("/clave/olvide"), timeout=10, data={
        "csrf_token": csrf_of(page.text), "email": "nadie@invco.example"})
    assert unknown.text.count("Si el correo está registrado") == 1  # same answer, no hint
    mail = sink.wait_for(lambda m: bool([x for x in m if "olvido@invco.example" in x.rcpt]),
                         what="reset")[-1]
    assert "contraseña" in mail.subject.lower()
    link = mail.link()
    assert "/clave/nueva/" in link
    _, done = set_password(server, link, NEW_PASSWORD)
    assert done.status_code == 303
    # The old password and the old session are gone; the new password works.
    assert before.get(server.url("/inicio"), timeout=10, allow_redirects=False).status_code == 303
    page = requests.get(server.url("/login"), timeout=10)
    failed = requests.post(server.url("/login"), timeout=10, allow_redirects=False,
                           cookies=page.cookies, data={"email": "olvido@invco.example",
                                                       "password": PASSWORD,
                                                       "csrf_token": csrf_of(page.text)})
    assert failed.status_code == 200 and "incorrectos" in failed.text
    login(server, "olvido@invco.example", NEW_PASSWORD)
    assert requests.get(link, timeout=10).status_code == 410
    assert not [x for x in sink.snapshot() if "nadie@invco.example" in x.rcpt]


def test_reset_requests_are_rate_limited(server, sink):
    create_user(server, "invco", "insistente@invco.example", "preventa")
    browser = requests.Session()
    page = browser.get(server.url("/clave/olvide"), timeout=10)
    for _ in range(5):
        answer = browser.post(server.url("/clave/olvide"), timeout=10, data={
            "csrf_token": csrf_of(page.text), "email": "insistente@invco.example"})
        assert "Si el correo está registrado" in answer.text  # the same answer every time
    sink.wait_for(lambda m: len([x for x in m if "insistente@invco.example" in x.rcpt]) >= 3,
                  what="three reset e-mails")
    time.sleep(1.0)
    assert len(sink.to("insistente@invco.example")) == 3


def test_cli_invites_the_first_admin(tmp_path, sink):
    srv = start_server(tmp_path / "cli", **mail_env(sink.port))
    try:
        create_company(srv, "cliinv")
        refused = srv.cli("user", "invite", "--company", "cliinv", "--email", "jefa@cliinv.example",
                          "--role", "admin", "--name", "Jefa", check=False)
        assert refused.returncode == 1 and "CASTOR_PUBLIC_URL" in refused.stderr
        with_url = CloudServer(database_url=srv.database_url, workdir=srv.workdir,
                               env_extra={**srv.env_extra, "CASTOR_PUBLIC_URL": srv.base_url})
        done = with_url.cli("user", "invite", "--company", "cliinv", "--email",
                            "jefa@cliinv.example", "--role", "admin", "--name", "Jefa")
        assert "invited admin jefa@cliinv.example" in done.stderr
        mail = sink.wait_for(lambda m: bool(sink.to("jefa@cliinv.example")), what="invitation")
        link = sink.to("jefa@cliinv.example")[-1].link()
        assert mail and link.startswith(srv.base_url + "/invitacion/")
        _, set_done = set_password(srv, link, NEW_PASSWORD)
        assert set_done.status_code == 303
        admin = login(srv, "jefa@cliinv.example", NEW_PASSWORD)
        assert admin.get(srv.url("/admin/pedidos"), timeout=10).status_code == 200
    finally:
        srv.stop()
