"""Every route × every role: admin, vendedor, preventa, cliente, anonymous, another company's
admin. The test reads the app's own route list and fails on any route not classified below, so
a new route cannot ship without saying who may use it.

Outcomes: an allowed role gets a page (2xx, or a redirect that is not the login form); on a POST
sent without its CSRF token it gets 403 — proof it passed the role gate, and nothing changes.
Others get 404 (the page does not exist for them); anonymous visitors go to /login (401 under
/api/). Another company's admin gets 404 on anything naming this company's data.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import select

from connectors.cloud.server.db import Database
from connectors.cloud.server.models import User
from tests.test_server_support import (
    Agent,
    create_company,
    create_user,
    insert_orders,
    push_demo_catalog,
    start_server,
)
from tests.test_server_web import login

ADMIN, VENDEDOR, PREVENTA, CLIENTE = "admin", "vendedor", "preventa", "cliente"
ANON, FOREIGN = "anonymous", "foreign-admin"
EVERY_USER = frozenset({ADMIN, VENDEDOR, PREVENTA, CLIENTE})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str] = frozenset()
    tenant: bool = False  # names this company's data: another company's admin gets 404
    public: int | None = None  # public route: this status for everyone (None: not public)
    agent: bool = False  # agent API: bearer token only
    sample: tuple[tuple[str, str], ...] = ()  # path parameters other than the defaults


def only(*roles: str, tenant: bool = False) -> Rule:
    return Rule(allowed=frozenset(roles), tenant=tenant)


ROUTES: dict[tuple[str, str], Rule] = {
    # public
    ("GET", "/"): Rule(public=0),  # 0: any non-error answer (redirects by role)
    ("GET", "/healthz"): Rule(public=200),
    ("GET", "/login"): Rule(public=0),
    ("POST", "/login"): Rule(public=403),
    ("GET", "/clave/olvide"): Rule(public=0),
    ("POST", "/clave/olvide"): Rule(public=403),
    ("GET", "/clave/nueva/{token}"): Rule(public=410),
    ("POST", "/clave/nueva/{token}"): Rule(public=403),
    ("GET", "/invitacion/{token}"): Rule(public=410),
    ("POST", "/invitacion/{token}"): Rule(public=403),
    # any logged-in user
    ("POST", "/logout"): Rule(allowed=EVERY_USER),
    ("GET", "/inicio"): Rule(allowed=EVERY_USER),
    ("GET", "/img/articles/{code}"): Rule(allowed=EVERY_USER, tenant=True,
                                          sample=(("code", "YER01"),)),
    ("GET", "/img/articles/{code}/{version}-{rendition}.webp"): Rule(
        allowed=EVERY_USER, tenant=True,
        sample=(("code", "YER01"), ("version", "0"), ("rendition", "thumb"))),
    ("GET", "/pedidos/{code}"): Rule(allowed=EVERY_USER, tenant=True),
    ("GET", "/api/v1/orders/{code}"): Rule(allowed=EVERY_USER, tenant=True),
    # admin panel
    ("GET", "/admin"): only(ADMIN),
    ("GET", "/admin/pedidos"): only(ADMIN),
    ("GET", "/admin/errores"): only(ADMIN),
    ("POST", "/admin/pedidos/{code}/reintentar"): only(ADMIN),
    ("POST", "/admin/pedidos/{code}/anular"): only(ADMIN),
    ("GET", "/admin/agente"): only(ADMIN),
    ("POST", "/admin/agente/token"): only(ADMIN),
    ("GET", "/admin/usuarios"): only(ADMIN),
    ("GET", "/admin/usuarios/invitar"): only(ADMIN),
    ("POST", "/admin/usuarios/invitar"): only(ADMIN),
    ("POST", "/admin/usuarios/{user_id}/reenviar"): only(ADMIN),
    ("POST", "/admin/usuarios/{user_id}/desactivar"): only(ADMIN),
    ("POST", "/admin/usuarios/{user_id}/activar"): only(ADMIN),
    ("GET", "/admin/empresa"): only(ADMIN),
    ("POST", "/admin/empresa"): only(ADMIN),
    # Vendedor Móvil
    ("GET", "/vendedor/clientes"): only(VENDEDOR),
    ("GET", "/vendedor/clientes/{customer_code}"): only(VENDEDOR),
    ("GET", "/vendedor/clientes/{customer_code}/catalogo"): only(VENDEDOR),
    ("POST", "/vendedor/clientes/{customer_code}/carrito"): only(VENDEDOR),
    ("GET", "/vendedor/clientes/{customer_code}/pedido"): only(VENDEDOR),
    ("POST", "/vendedor/clientes/{customer_code}/pedido"): only(VENDEDOR),
    ("POST", "/vendedor/clientes/{customer_code}/repetir/{order_code}"): only(VENDEDOR),
    # Preventa Telefónica
    ("GET", "/preventa"): only(PREVENTA),
    ("GET", "/preventa/clientes/{customer_code}"): only(PREVENTA),
    ("GET", "/preventa/clientes/{customer_code}/articulos"): only(PREVENTA),
    ("POST", "/preventa/clientes/{customer_code}/carrito"): only(PREVENTA),
    ("GET", "/preventa/clientes/{customer_code}/pedido"): only(PREVENTA),
    ("POST", "/preventa/clientes/{customer_code}/pedido"): only(PREVENTA),
    ("POST", "/preventa/clientes/{customer_code}/repetir"): only(PREVENTA),
    # Autogestión Clientes
    ("GET", "/cliente"): only(CLIENTE),
    ("GET", "/cliente/catalogo"): only(CLIENTE),
    ("POST", "/cliente/carrito"): only(CLIENTE),
    ("GET", "/cliente/pedido"): only(CLIENTE),
    ("POST", "/cliente/pedido"): only(CLIENTE),
    ("GET", "/cliente/pedidos"): only(CLIENTE),
    ("POST", "/cliente/repetir/{order_code}"): only(CLIENTE),
    # agent API (bearer token; covered by test_server_agent_api)
    ("POST", "/api/v1/agent/heartbeat"): Rule(agent=True),
    ("POST", "/api/v1/agent/master-data"): Rule(agent=True),
    ("POST", "/api/v1/agent/orders/lease"): Rule(agent=True),
    ("POST", "/api/v1/agent/orders/{code}/ack"): Rule(agent=True),
    ("POST", "/api/v1/agent/orders/{code}/failure"): Rule(agent=True),
    ("GET", "/api/v1/agent/images"): Rule(agent=True),
    ("PUT", "/api/v1/agent/images/{code}"): Rule(agent=True),
    ("DELETE", "/api/v1/agent/images/{code}"): Rule(agent=True),
}
IGNORED = {("GET", "/api/openapi.json"), ("GET", "/static")}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("cloud-matrix"))
    push_demo_catalog(Agent(srv, create_company(srv, "matco")))
    create_user(srv, "matco", "admin@matco.example", "admin")
    create_user(srv, "matco", "vende@matco.example", "vendedor", "--seller-code", "V1")
    create_user(srv, "matco", "tele@matco.example", "preventa")
    create_user(srv, "matco", "cli@matco.example", "cliente", "--customer-code", "C0001")
    create_company(srv, "ajeno")  # no data: nothing of matco's may show through
    create_user(srv, "ajeno", "admin@ajeno.example", "admin")
    [order] = insert_orders(srv.database_url, "matco", 1, customer_code="C0001")
    db = Database.from_url(srv.database_url)
    try:
        with db.transaction() as session:
            user_id = session.scalar(select(User.id).where(User.email == "vende@matco.example"))
    finally:
        db.dispose()
    browsers = {
        ADMIN: login(srv, "admin@matco.example"),
        VENDEDOR: login(srv, "vende@matco.example"),
        PREVENTA: login(srv, "tele@matco.example"),
        CLIENTE: login(srv, "cli@matco.example"),
        FOREIGN: login(srv, "admin@ajeno.example"),
        ANON: requests.Session(),
    }
    samples = {"code": order, "order_code": order, "customer_code": "C0001",
               "user_id": str(user_id), "token": "no-es-un-token-valido"}
    yield srv, browsers, samples
    srv.stop()


def app_routes(server) -> set[tuple[str, str]]:
    spec = requests.get(server.url("/api/openapi.json"), timeout=10).json()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def expected(rule: Rule, role: str, path: str) -> str:
    if rule.public is not None:
        return f"public:{rule.public}"
    if rule.agent:
        return "401"
    if role == ANON:
        return "401" if path.startswith("/api/") else "login"
    if role == FOREIGN:
        return "ok" if ADMIN in rule.allowed and not rule.tenant else "404"
    return "ok" if role in rule.allowed else "404"


def outcome(response: requests.Response, method: str, want: str) -> bool:
    code = response.status_code
    location = response.headers.get("location", "")
    if want.startswith("public:"):
        status = int(want.split(":")[1])
        return code < 400 if status == 0 else code == status
    if want == "login":
        return code == 303 and location.endswith("/login")
    if want == "ok":
        if method == "POST":
            return code == 403  # passed the role gate, stopped at the missing CSRF token
        return code < 400 and not location.endswith("/login")
    return str(code) == want


def test_every_route_is_classified(world):
    server, _, _ = world
    routes = app_routes(server) - IGNORED
    unclassified = sorted(routes - ROUTES.keys())
    assert not unclassified, f"classify these routes in ROUTES: {unclassified}"
    stale = sorted(ROUTES.keys() - routes)
    assert not stale, f"ROUTES lists routes the app no longer has: {stale}"


def test_every_route_with_every_role(world):
    server, browsers, samples = world
    failures = []
    for (method, template), rule in sorted(ROUTES.items()):
        path = template.format(**(samples | dict(rule.sample)))
        for role, browser in browsers.items():
            want = expected(rule, role, path)
            response = browser.request(method, server.url(path), timeout=30,
                                       allow_redirects=False, data={} if method == "POST" else None)
            if not outcome(response, method, want):
                failures.append(f"{role:13} {method:4} {path}: want {want}, got "
                                f"{response.status_code} {response.headers.get('location', '')}")
    assert not failures, "\n" + "\n".join(failures)


def test_portfolio_and_ownership_boundaries(world):
    server, browsers, samples = world
    seller, customer = browsers[VENDEDOR], browsers[CLIENTE]
    # V2's customer is not in V1's portfolio.
    for path in ("/vendedor/clientes/C0009", "/vendedor/clientes/C0009/catalogo"):
        assert seller.get(server.url(path), timeout=10).status_code == 404
    assert "Supermercado Ajeno" not in seller.get(server.url("/vendedor/clientes"),
                                                  timeout=10).text
    # Another customer's order is invisible to this customer.
    [other] = insert_orders(server.database_url, "matco", 1, customer_code="C0002")
    assert customer.get(server.url(f"/pedidos/{other}"), timeout=10).status_code == 404
    assert customer.get(server.url(f"/api/v1/orders/{other}"), timeout=10).status_code == 404
    assert browsers[FOREIGN].get(server.url(f"/pedidos/{samples['code']}"),
                                 timeout=10).status_code == 404
