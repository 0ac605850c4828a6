"""Preventa Telefónica through real HTTP: find any customer, the entry grid's calls, confirm."""

from __future__ import annotations

import pytest

from connectors.cloud.contract import LeasedOrders, LeaseRequest
from tests.test_server_channel_support import (
    CLERK,
    SELLER,
    csrf_of,
    login,
    post_form,
    start_channel_server,
    submission_of,
)
from tests.test_server_support import CloudServer

GRID = "/preventa/clientes/{}"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_channel_server(tmp_path_factory.mktemp("preventa"))
    yield srv
    srv.stop()


@pytest.fixture
def clerk(server):
    return login(server, CLERK)


def test_clerk_finds_any_enabled_customer_by_typing(server, clerk):
    assert clerk.get(server.url("/"), allow_redirects=False,
                     timeout=10).headers["location"] == "/preventa"
    found = clerk.get(server.url("/preventa"), params={"q": "super"}, timeout=10,
                      headers={"Accept": "application/json"}).json()
    assert [c["code"] for c in found] == ["C0009"]  # another seller's customer: fine here
    page = clerk.get(server.url("/preventa"), params={"q": "30712345678"}, timeout=10).text
    assert 'href="/preventa/clientes/C0001"' in page
    assert "Inhabilitado" not in clerk.get(server.url("/preventa"), params={"q": "C000"},
                                           timeout=10).text
    assert login(server, SELLER).get(server.url("/preventa"), timeout=10).status_code == 404


def test_article_lookup_by_exact_code_or_description(server, clerk):
    exact = clerk.get(server.url(GRID.format("C0001") + "/articulos"), params={"q": "yer01"},
                      timeout=10).json()
    assert [i["code"] for i in exact] == ["YER01"] and exact[0]["price"] == "$ 2.250,45"
    several = clerk.get(server.url(GRID.format("C0001") + "/articulos"),
                        params={"q": "bebidas"}, timeout=10).json()
    assert 1 < len(several) <= 8


def test_grid_without_javascript_adds_lines_and_explains_mistakes(server, clerk):
    added = post_form(clerk, server, GRID.format("C0002"), GRID.format("C0002") + "/carrito",
                      {"article": "AZU01", "quantity": "3"})
    assert added.status_code == 303 and added.headers["location"].startswith(GRID.format("C0002"))
    grid = clerk.get(server.url(GRID.format("C0002")), timeout=10).text
    assert "Azúcar Común 1kg" in grid and "$ 3.703,68" in grid
    vague = post_form(clerk, server, GRID.format("C0002"), GRID.format("C0002") + "/carrito",
                      {"article": "limpieza", "quantity": "1"})
    assert vague.status_code == 422 and "escribí el código" in vague.text
    none = post_form(clerk, server, GRID.format("C0002"), GRID.format("C0002") + "/carrito",
                     {"article": "zzz", "quantity": "1"}, json=True)
    assert none.status_code == 422 and "Ningún artículo" in none.json()["errors"][0]


def test_last_order_one_key_away_and_confirm_as_preventa(server, clerk):
    nothing = post_form(clerk, server, GRID.format("C0001"), GRID.format("C0001") + "/repetir",
                        {}, json=True)
    assert nothing.status_code == 404
    post_form(clerk, server, GRID.format("C0001"), GRID.format("C0001") + "/carrito",
              {"qty_YER01": "2", "qty_QUE01": "0,5"}, json=True)
    page = clerk.get(server.url(GRID.format("C0001")), timeout=10).text
    done = clerk.post(server.url(GRID.format("C0001") + "/pedido"), allow_redirects=False,
                      timeout=10, data={"csrf_token": csrf_of(page),
                                        "submission_id": submission_of(page)})
    assert done.status_code == 303, done.text
    code = done.headers["location"].rsplit("/", 1)[1]

    again = post_form(clerk, server, GRID.format("C0001"), GRID.format("C0001") + "/repetir",
                      {}, json=True)
    assert again.status_code == 200
    body = again.json()
    assert [(line["code"], line["quantity"]) for line in body["lines"]] == [
        ("YER01", "2"), ("QUE01", "0.5")]
    assert body["total"].startswith("$ ")
    assert f"Repetir último pedido (F2) · {code}" in clerk.get(
        server.url(GRID.format("C0001")), timeout=10).text

    agent = server.agent  # type: ignore[attr-defined]
    leased = LeasedOrders.model_validate(agent.post(
        "/orders/lease", LeaseRequest(wait_seconds=0)).json())
    order = next(lo.order for lo in leased.orders if lo.order.code == code)
    assert order.channel.value == "preventa" and order.placed_by == CLERK
