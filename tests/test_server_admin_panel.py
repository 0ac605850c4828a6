"""The admin panel over real HTTP: orders and filters, the error inbox (retry / cancel with
CSRF), the agent's status, token rotation, company settings; one active agent per company."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests

from connectors.cloud.contract import (
    FailureKind,
    Heartbeat,
    LeasedOrders,
    LeaseRequest,
    MasterKind,
    OrderAck,
    OrderFailure,
    Seller,
)
from tests.test_server_support import (
    Agent,
    create_company,
    create_user,
    insert_orders,
    push_demo_catalog,
    start_server,
)
from tests.test_server_web import csrf_of, login

REASON = "El cliente C0001 no existe en Tango"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("cloud-admin"))
    srv.token = create_company(srv, "admco")  # type: ignore[attr-defined]
    srv.agent = Agent(srv, srv.token)  # type: ignore[attr-defined]
    push_demo_catalog(srv.agent)  # type: ignore[attr-defined]
    assert srv.agent.push(MasterKind.SELLERS, [Seller(code="V1", name="Verónica")]).ok  # type: ignore[attr-defined]
    create_user(srv, "admco", "ana@admco.example", "admin")
    create_company(srv, "otraco")
    create_user(srv, "otraco", "ana@otraco.example", "admin")
    yield srv
    srv.stop()


@pytest.fixture
def admin(server) -> requests.Session:
    return login(server, "ana@admco.example")


def beat(host: str = "SRV-TANGO", take_over: bool = False, **extra) -> Heartbeat:
    now = datetime.now(UTC)
    return Heartbeat(agent_version="1.2.3", host=host, started_at=now, sent_at=now,
                     take_over=take_over, **extra)


def lease(agent: Agent, count: int = 10) -> list:
    response = agent.post("/orders/lease", LeaseRequest(wait_seconds=0, max_orders=count))
    assert response.status_code == 200, response.text
    return LeasedOrders.model_validate(response.json()).orders


def park_in_error(server, count: int = 1) -> list[str]:
    codes = insert_orders(server.database_url, "admco", count)
    for leased in lease(server.agent, 50):
        if leased.order.code in codes:
            assert server.agent.post(f"/orders/{leased.order.code}/failure", OrderFailure(
                lease_token=leased.lease_token, kind=FailureKind.BUSINESS,
                message_es=REASON)).ok
    return codes


def test_error_inbox_retry_and_cancel(server, admin):
    retry_code, cancel_code = park_in_error(server, 2)
    inbox = admin.get(server.url("/admin/errores"), timeout=10)
    assert inbox.status_code == 200 and retry_code in inbox.text and REASON in inbox.text
    # The status reads the same for everyone concerned.
    status = admin.get(server.url(f"/api/v1/orders/{retry_code}"), timeout=10).json()
    assert status == {"code": retry_code, "status": "error", "tango_number": None, "error": REASON}

    no_csrf = admin.post(server.url(f"/admin/pedidos/{retry_code}/reintentar"), timeout=10,
                         allow_redirects=False, data={})
    assert no_csrf.status_code == 403
    token = csrf_of(inbox.text)
    retried = admin.post(server.url(f"/admin/pedidos/{retry_code}/reintentar"), timeout=10,
                         allow_redirects=False, data={"csrf_token": token})
    assert retried.status_code == 303 and retried.headers["location"].endswith("reintentado")
    again = [x for x in lease(server.agent) if x.order.code == retry_code]
    assert again, "a retried order is offered to the agent again"
    assert server.agent.post(f"/orders/{retry_code}/ack", OrderAck(
        lease_token=again[0].lease_token, tango_talonario=6, tango_number="X0065200001018",
        written_at=datetime.now(UTC))).ok
    page = admin.get(server.url(f"/pedidos/{retry_code}"), timeout=10).text
    assert "En Tango: pedido X00652-00001018" in page

    cancelled = admin.post(server.url(f"/admin/pedidos/{cancel_code}/anular"), timeout=10,
                           allow_redirects=False, data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert admin.get(server.url(f"/api/v1/orders/{cancel_code}"),
                     timeout=10).json()["status"] == "cancelled"
    assert cancel_code not in [x.order.code for x in lease(server.agent)]
    twice = admin.post(server.url(f"/admin/pedidos/{cancel_code}/anular"), timeout=10,
                       data={"csrf_token": token})
    assert "ya no está con error" in twice.text
    unknown = admin.post(server.url("/admin/pedidos/CP-99999999/reintentar"), timeout=10,
                         allow_redirects=False, data={"csrf_token": token})
    assert unknown.status_code == 404
    assert cancel_code not in admin.get(server.url("/admin/errores"), timeout=10).text


def test_orders_list_filters(server, admin):
    codes = insert_orders(server.database_url, "admco", 2)
    everything = admin.get(server.url("/admin/pedidos"), timeout=10).text
    assert all(code in everything for code in codes)
    today = datetime.now(UTC).date().isoformat()
    waiting = admin.get(server.url(f"/admin/pedidos?estado=confirmed&canal=vendedor"
                                   f"&vendedor=V1&desde={today}&hasta={today}"), timeout=10).text
    assert all(code in waiting for code in codes)
    assert "Verónica (V1)" in waiting
    none = admin.get(server.url("/admin/pedidos?estado=in_tango&canal=preventa"), timeout=10)
    assert not any(code in none.text for code in codes) and "No hay pedidos" in none.text
    old = admin.get(server.url("/admin/pedidos?hasta=01/01/2020"), timeout=10).text
    assert "No hay pedidos" in old
    other = login(server, "ana@otraco.example").get(server.url("/admin/pedidos"), timeout=10)
    assert not any(code in other.text for code in codes)


def test_agent_status_and_token_rotation(server, admin):
    insert_orders(server.database_url, "admco", 1)
    sync = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)
    assert server.agent.post("/heartbeat", beat(last_master_sync_at=sync)).ok
    page = admin.get(server.url("/admin/agente"), timeout=10).text
    assert 'data-agent="online"' in page and "SRV-TANGO" in page and "1.2.3" in page
    assert "03/12/2026 12:30" in page  # shown in Argentina time
    assert "el más antiguo desde hace" in page
    assert "cst_" in page  # the live token's prefix only
    assert server.token not in page

    rotated = admin.post(server.url("/admin/agente/token"), timeout=10,
                         data={"csrf_token": csrf_of(page)})
    new_token = re.search(r"data-token>(cst_[^<]+)<", rotated.text).group(1)
    assert rotated.headers["cache-control"] == "no-store"
    assert Agent(server, server.token).post("/heartbeat", beat()).status_code == 401
    fresh = Agent(server, new_token)
    assert fresh.post("/heartbeat", beat()).ok
    assert new_token not in admin.get(server.url("/admin/agente"), timeout=10).text
    server.agent = fresh
    server.token = new_token


def test_one_active_agent_per_company(server):
    agent = server.agent
    assert agent.post("/heartbeat", beat("SRV-TANGO")).ok
    second = agent.post("/heartbeat", beat("NOTEBOOK-JUAN"))
    assert second.status_code == 409
    assert second.json()["detail"] == (
        "otro ACTIVO ya está sincronizando esta empresa desde SRV-TANGO")
    taken = agent.post("/heartbeat", beat("NOTEBOOK-JUAN", take_over=True))
    assert taken.ok
    assert agent.post("/heartbeat", beat("SRV-TANGO")).status_code == 409
    assert agent.post("/heartbeat", beat("SRV-TANGO", take_over=True)).ok


def test_company_settings(server, admin):
    page = admin.get(server.url("/admin/empresa"), timeout=10)
    assert "pedidos@admco.example" in page.text
    assert 'data-mail-waiting="0"' in page.text  # this server has no SMTP and nothing queued
    token = csrf_of(page.text)
    fields = {"notify_emails": "Pedidos@admco.example; ventas@admco.example",
              "mail_from": "Admco <pedidos@admco.example>", "smtp_host": "smtp.admco.example",
              "smtp_port": "587", "smtp_user": "pedidos", "smtp_security": "starttls",
              "offline_alert_minutes": "15"}
    saved = admin.post(server.url("/admin/empresa"), timeout=10, allow_redirects=False,
                       data={"csrf_token": token, **fields})
    assert saved.status_code == 303
    page = admin.get(server.url("/admin/empresa"), timeout=10).text
    assert "pedidos@admco.example, ventas@admco.example" in page and "smtp.admco.example" in page
    # The password field is write-only: disabled here (this server has no CASTOR_SECRET_KEY).
    assert 'type="password" name="smtp_password" value=""' in page and "CASTOR_SECRET_KEY" in page
    bad = admin.post(server.url("/admin/empresa"), timeout=10,
                     data={"csrf_token": token, **fields, "notify_emails": "no-es-correo"})
    assert bad.status_code == 422 and "no es una dirección de correo válida" in bad.text
    bad_port = admin.post(server.url("/admin/empresa"), timeout=10,
                          data={"csrf_token": token, **fields, "smtp_port": "99999"})
    assert bad_port.status_code == 422 and "puerto" in bad_port.text.lower()
    forged = admin.post(server.url("/admin/empresa"), timeout=10, data=fields)
    assert forged.status_code == 403


def test_deactivating_a_user_ends_their_sessions(server, admin):
    create_user(server, "admco", "baja@admco.example", "preventa")
    victim = login(server, "baja@admco.example")
    users = admin.get(server.url("/admin/usuarios"), timeout=10).text
    row = re.search(r'data-email="baja@admco.example".*?/admin/usuarios/(\d+)/desactivar',
                    users, re.S)
    user_id, token = row.group(1), csrf_of(users)
    done = admin.post(server.url(f"/admin/usuarios/{user_id}/desactivar"), timeout=10,
                      allow_redirects=False, data={"csrf_token": token})
    assert done.status_code == 303
    assert victim.get(server.url("/inicio"), timeout=10, allow_redirects=False).status_code == 303
    assert "Desactivado" in admin.get(server.url("/admin/usuarios"), timeout=10).text
    page = requests.get(server.url("/login"), timeout=10)
    refused = requests.post(server.url("/login"), timeout=10, cookies=page.cookies, data={
        "email": "baja@admco.example", "password": "clave-segura-123",
        "csrf_token": csrf_of(page.text)})
    assert "incorrectos" in refused.text
    assert admin.post(server.url(f"/admin/usuarios/{user_id}/activar"), timeout=10,
                      allow_redirects=False, data={"csrf_token": token}).status_code == 303
    login(server, "baja@admco.example")
    me = re.search(r'data-email="ana@admco.example"', users)
    assert me and "/desactivar" not in users[me.start():users.find("</tr>", me.start())]
    other = login(server, "ana@otraco.example")
    foreign = other.post(server.url(f"/admin/usuarios/{user_id}/desactivar"), timeout=10,
                         allow_redirects=False, data={"csrf_token": csrf_of(
                             other.get(server.url("/admin/usuarios"), timeout=10).text)})
    assert foreign.status_code == 404  # another company's user does not exist for them
