"""Autogestión Clientes through real HTTP: own catalog and prices, cart, history, reorder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.cloud.contract import LeasedOrders, LeaseRequest, MasterKind, Price
from tests.test_server_channel_support import (
    CLERK,
    CUSTOMER,
    SELLER,
    csrf_of,
    login,
    post_form,
    start_channel_server,
    submission_of,
)
from tests.test_server_support import CloudServer


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_channel_server(tmp_path_factory.mktemp("cliente"))
    yield srv
    srv.stop()


def confirm(browser, server):
    page = browser.get(server.url("/cliente/pedido"), timeout=10).text
    return browser.post(server.url("/cliente/pedido"), allow_redirects=False, timeout=10,
                        data={"csrf_token": csrf_of(page), "submission_id": submission_of(page)})


def test_customer_lands_on_their_own_catalog_with_their_prices(server):
    customer = login(server, CUSTOMER)
    response = customer.get(server.url("/"), allow_redirects=False, timeout=10)
    assert response.headers["location"] == "/cliente/catalogo"
    page = customer.get(server.url("/cliente/catalogo"), params={"q": "yerba"}, timeout=10).text
    assert "Kiosco La Esquina" in page and "$ 2.500,50" in page and "+ IVA 21 %" in page
    assert 'aria-current="page">Catálogo' in page
    for path in ("/vendedor/clientes", "/preventa"):
        assert customer.get(server.url(path), timeout=10).status_code == 404


def test_customer_orders_then_reorders_from_history(server):
    customer = login(server, CUSTOMER)
    post_form(customer, server, "/cliente/catalogo", "/cliente/carrito",
              {"qty_AZU01": "2", "qty_ART0004": "3"})
    done = confirm(customer, server)
    assert done.status_code == 303, done.text
    code = done.headers["location"].rsplit("/", 1)[1]
    history = customer.get(server.url("/cliente/pedidos"), timeout=10).text
    assert code in history and "Repetir pedido" in history

    agent = server.agent  # type: ignore[attr-defined]
    agent.push(MasterKind.PRICES, [Price(price_list=1, article_code="ART0004",
                                         price=Decimal("99.90"))], batch_id="reprice-4")
    again = post_form(customer, server, "/cliente/pedidos", f"/cliente/repetir/{code}", {})
    assert again.status_code == 303 and again.headers["location"] == "/cliente/pedido"
    review = customer.get(server.url("/cliente/pedido"), timeout=10).text
    assert "Azúcar Común 1kg" in review
    assert "Precio actualizado: antes $ 104,00, ahora $ 99,90." in review
    second = confirm(customer, server)
    assert second.status_code == 303

    leased = LeasedOrders.model_validate(agent.post(
        "/orders/lease", LeaseRequest(wait_seconds=0)).json())
    mine = [lo.order for lo in leased.orders if lo.order.customer_code == "C0002"]
    assert {o.channel.value for o in mine} == {"autogestion"}
    assert [str(line.unit_price) for line in mine[-1].lines if line.article_code == "ART0004"] \
        == ["99.90"]


def test_customer_sees_only_their_own_orders(server):
    seller = login(server, SELLER)
    post_form(seller, server, "/vendedor/clientes/C0001/catalogo",
              "/vendedor/clientes/C0001/carrito", {"qty_YER01": "1"})
    page = seller.get(server.url("/vendedor/clientes/C0001/pedido"), timeout=10).text
    done = seller.post(server.url("/vendedor/clientes/C0001/pedido"), allow_redirects=False,
                       timeout=10, data={"csrf_token": csrf_of(page),
                                         "submission_id": submission_of(page)})
    other_code = done.headers["location"].rsplit("/", 1)[1]
    customer = login(server, CUSTOMER)
    assert other_code not in customer.get(server.url("/cliente/pedidos"), timeout=10).text
    assert customer.get(server.url(f"/pedidos/{other_code}"), timeout=10).status_code == 404
    copy = post_form(customer, server, "/cliente/pedidos", f"/cliente/repetir/{other_code}", {})
    assert copy.status_code == 404
    clerk = login(server, CLERK)
    assert clerk.get(server.url("/cliente/catalogo"), timeout=10).status_code == 404
