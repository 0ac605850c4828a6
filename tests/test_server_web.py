"""The first web flow (Vendedor Móvil) through real HTTP: login, portfolio, catalog, order."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests

from connectors.cloud.contract import LeasedOrders, LeaseRequest, OrderAck
from tests.test_server_support import (
    PASSWORD,
    Agent,
    CloudServer,
    create_company,
    create_user,
    push_demo_catalog,
    start_server,
)

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_server(tmp_path_factory.mktemp("cloud-web"))
    token = create_company(srv, "acme")
    srv.agent = Agent(srv, token)  # type: ignore[attr-defined]
    push_demo_catalog(srv.agent)  # type: ignore[attr-defined]
    create_user(srv, "acme", "vero@acme.example", "vendedor", "--seller-code", "V1")
    create_user(srv, "acme", "otro@acme.example", "vendedor", "--seller-code", "V2")
    create_user(srv, "acme", "clara@acme.example", "cliente", "--customer-code", "C0002")
    yield srv
    srv.stop()


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1)


def login(server: CloudServer, email: str, password: str = PASSWORD) -> requests.Session:
    browser = requests.Session()
    page = browser.get(server.url("/login"), timeout=10)
    response = browser.post(server.url("/login"), timeout=10, allow_redirects=False, data={
        "email": email, "password": password, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303, response.text
    return browser


@pytest.fixture
def seller(server) -> requests.Session:
    return login(server, "vero@acme.example")


# --------------------------------------------------------------------------- login


def test_login_page_has_csrf_and_redirects_seller_to_portfolio(server):
    browser = requests.Session()
    page = browser.get(server.url("/login"), timeout=10)
    assert page.status_code == 200 and "Ingresar" in page.text
    response = browser.post(server.url("/login"), allow_redirects=False, timeout=10, data={
        "email": "VERO@acme.example", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/vendedor/clientes"
    cookie = response.headers["set-cookie"]
    assert "castor_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_post_without_csrf_token_is_403_in_spanish(server):
    browser = requests.Session()
    browser.get(server.url("/login"), timeout=10)
    response = browser.post(server.url("/login"), timeout=10, data={
        "email": "vero@acme.example", "password": PASSWORD})
    assert response.status_code == 403
    assert "Volvé a cargar la página" in response.text


def test_wrong_password_shows_the_form_again(server):
    browser = requests.Session()
    page = browser.get(server.url("/login"), timeout=10)
    response = browser.post(server.url("/login"), timeout=10, allow_redirects=False, data={
        "email": "vero@acme.example", "password": "incorrecta!!", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 200
    assert "Correo o contraseña incorrectos." in response.text
    assert "castor_session" not in browser.cookies


def test_pages_need_a_session(server):
    response = requests.get(server.url("/vendedor/clientes"), allow_redirects=False, timeout=10)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    api = requests.get(server.url("/api/v1/orders/CP-00000001"), timeout=10)
    assert api.status_code == 401


def test_logout_needs_csrf_and_ends_the_session(server):
    browser = login(server, "vero@acme.example")
    page = browser.get(server.url("/vendedor/clientes"), timeout=10)
    assert browser.post(server.url("/logout"), data={}, timeout=10).status_code == 403
    done = browser.post(server.url("/logout"), data={"csrf_token": csrf_of(page.text)},
                        allow_redirects=False, timeout=10)
    assert done.status_code == 303
    cookie = login(server, "vero@acme.example").cookies  # a new login still works
    assert cookie.get("castor_session")
    again = browser.get(server.url("/vendedor/clientes"), allow_redirects=False, timeout=10)
    assert again.status_code == 303


# --------------------------------------------------------------------------- portfolio


def test_seller_sees_only_their_enabled_customers(server, seller):
    page = seller.get(server.url("/vendedor/clientes"), timeout=10)
    assert page.status_code == 200
    assert "Almacén Don Pepe" in page.text and "Kiosco La Esquina" in page.text
    assert "Supermercado Ajeno" not in page.text  # another seller's
    assert "Cliente Inhabilitado" not in page.text
    assert 'href="/vendedor/clientes/C0001"' in page.text  # the customer's card


@pytest.mark.parametrize(("query", "expected"), [
    ("pepe", "Almacén Don Pepe"), ("C0002", "Kiosco La Esquina"), ("30712345678", "Don Pepe")])
def test_portfolio_search_by_name_code_or_cuit(server, seller, query, expected):
    page = seller.get(server.url("/vendedor/clientes"), params={"q": query}, timeout=10)
    assert expected in page.text
    assert page.text.count('href="/vendedor/clientes/C') == 1


def test_another_sellers_customer_is_404(server, seller):
    assert seller.get(server.url("/vendedor/clientes/C0009/catalogo"), timeout=10).status_code \
        == 404
    post = seller.post(server.url("/vendedor/clientes/C0009/pedido"), timeout=10,
                       data={"csrf_token": "x", "qty_YER01": "1"})
    assert post.status_code in (403, 404)


def test_customer_role_cannot_use_seller_pages(server):
    browser = login(server, "clara@acme.example")
    assert browser.get(server.url("/vendedor/clientes"), timeout=10).status_code == 404


# --------------------------------------------------------------------------- catalog and order


def test_catalog_shows_prices_stock_and_quantity_inputs(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10).text
    assert "Yerba Mate Suave 1kg" in page and "YER01" in page
    assert "$ 2.500,50" in page  # list price
    assert "$ 2.250,45" in page  # with the customer's 10 % discount
    assert "+ IVA 21 %" in page
    assert "Disponible: 105" in page
    assert 'name="qty_YER01" min="0" step="1" inputmode="decimal"' in page
    assert 'name="qty_QUE01" min="0" step="any"' in page
    assert '<img loading="lazy" src="/img/articles/YER01"' in page
    assert "SINPRE" not in page and "NOVEN" not in page  # unpriced / not sellable
    review = seller.get(server.url("/vendedor/clientes/C0001/pedido"), timeout=10).text
    assert 'name="observations"' in review and 'name="delivery_date"' in review
    image = seller.get(server.url("/img/articles/YER01"), timeout=10)
    assert image.headers["content-type"].startswith("image/svg+xml") and ">YM<" in image.text


def test_catalog_search(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), params={"q": "azú"},
                      timeout=10).text
    assert "AZU01" in page and "YER01" not in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("qty_YER01", "1.5", "se vende por unidades enteras"),
    ("qty_YER01", "200000", "demasiado grande"),
    ("qty_YER01", "-1", "no puede ser negativa"),
    ("qty_YER01", "abc", "no es un número"),
    ("qty_SINPRE", "1", "no está disponible"),
    ("qty_NOVEN", "1", "no está disponible"),
])
def test_invalid_quantities_re_render_the_form_with_the_reason(server, seller, field, value,
                                                              message):
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10)
    response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=10,
                           allow_redirects=False, data={
                               "csrf_token": csrf_of(page.text), field: value,
                               "qty_AZU01": "3", "observations": "Dejar en depósito"})
    assert response.status_code == 422
    assert message in response.text
    assert 'name="qty_AZU01" min="0" step="1" inputmode="decimal"\n             value="3"' \
        in response.text
    assert "Dejar en depósito" in response.text


def test_order_without_any_quantity_is_refused(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10)
    response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=10, data={
        "csrf_token": csrf_of(page.text), "qty_YER01": "0", "qty_AZU01": ""})
    assert response.status_code == 422 and "al menos un artículo" in response.text


def test_order_without_csrf_is_403(server, seller):
    response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=10,
                           data={"qty_YER01": "1"})
    assert response.status_code == 403


def test_confirmed_order_reaches_the_agent_and_shows_the_tango_number(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10)
    response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=10,
                           allow_redirects=False, data={
                               "csrf_token": csrf_of(page.text), "qty_YER01": "2",
                               "qty_QUE01": "1,25", "qty_AZU01": "", "observations": "Urgente",
                               "delivery_date": "2999-12-31"})
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    code = location.rsplit("/", 1)[1]
    assert re.fullmatch(r"CP-\d{8}", code)

    order_page = seller.get(server.url(location), timeout=10).text
    assert "Confirmado" in order_page and "Almacén Don Pepe" in order_page
    assert "31/12/2999" in order_page
    # 2 × 2500,50 + 1,25 × 8900 = 16126,00; less 10 % = 14513,40; IVA 21 % = 3047,81
    assert "$ 16.126,00" in order_page and "$ 3.047,81" in order_page
    assert "$ 17.561,21" in order_page
    assert seller.get(server.url(f"/api/v1/orders/{code}"), timeout=10).json() == {
        "code": code, "status": "confirmed", "tango_number": None, "error": None}

    agent: Agent = server.agent  # type: ignore[attr-defined]
    leased = LeasedOrders.model_validate(agent.post(
        "/orders/lease", LeaseRequest(wait_seconds=0)).json())
    mine = next(lo for lo in leased.orders if lo.order.code == code)
    order = mine.order
    assert order.customer_code == "C0001" and order.seller_code == "V1"
    assert order.sale_condition == 2 and order.price_list == 1 and not order.prices_include_vat
    assert order.customer_discount_pct == 10 and order.transport_code == "T1"
    assert order.placed_by == "vero@acme.example" and order.observations == "Urgente"
    assert [(line.article_code, str(line.quantity)) for line in order.lines] == [
        ("YER01", "2"), ("QUE01", "1.25")]
    ack = OrderAck(lease_token=mine.lease_token, tango_talonario=6,
                   tango_number="X0065200001018", written_at=datetime.now(UTC))
    assert agent.post(f"/orders/{code}/ack", ack).status_code == 200

    assert "En Tango: pedido X00652-00001018" in seller.get(server.url(location), timeout=10).text
    status = seller.get(server.url(f"/api/v1/orders/{code}"), timeout=10).json()
    assert status["status"] == "in_tango" and status["tango_number"] == "X0065200001018"

    other = login(server, "otro@acme.example")
    assert other.get(server.url(location), timeout=10).status_code == 404
    assert other.get(server.url(f"/api/v1/orders/{code}"), timeout=10).status_code == 404


def test_submitting_the_same_form_twice_confirms_once(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0002/pedido"), timeout=10).text
    submission = re.search(r'name="submission_id" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_of(page), "submission_id": submission, "qty_AZU01": "4"}
    first = seller.post(server.url("/vendedor/clientes/C0002/pedido"), data=data,
                        allow_redirects=False, timeout=10)
    second = seller.post(server.url("/vendedor/clientes/C0002/pedido"), data=data,
                         allow_redirects=False, timeout=10)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_past_delivery_date_is_refused(server, seller):
    page = seller.get(server.url("/vendedor/clientes/C0002/catalogo"), timeout=10)
    response = seller.post(server.url("/vendedor/clientes/C0002/pedido"), timeout=10, data={
        "csrf_token": csrf_of(page.text), "qty_YER01": "1", "delivery_date": "2000-01-01"})
    assert response.status_code == 422 and "anterior a hoy" in response.text


def test_session_cookie_is_secure_behind_an_https_proxy(tmp_path):
    srv = CloudServer(database_url=f"sqlite:///{tmp_path / 'https.sqlite3'}", workdir=tmp_path)
    srv.cli("migrate")
    create_company(srv, "segura")
    create_user(srv, "segura", "vero@segura.example", "vendedor", "--seller-code", "V1")
    srv.start_args = ["--proxy-headers"]
    srv.start()
    try:
        https = {"X-Forwarded-Proto": "https"}
        page = requests.get(srv.url("/login"), headers=https, timeout=10)
        assert "Secure" in page.headers["set-cookie"]
        # requests keeps Secure cookies off plain http, so hand the pre-session cookie back.
        response = requests.post(
            srv.url("/login"), headers=https, allow_redirects=False, timeout=10,
            cookies={"castor_login_csrf": page.cookies["castor_login_csrf"]},
            data={"email": "vero@segura.example", "password": PASSWORD,
                  "csrf_token": csrf_of(page.text)})
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]
    finally:
        srv.stop()
