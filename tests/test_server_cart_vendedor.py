"""Vendedor Móvil with the server cart, through real HTTP: card, catalog, cart, review, confirm."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from connectors.cloud.contract import Article, Customer, MasterKind, Price
from tests.test_server_channel_support import (
    SELLER,
    csrf_of,
    login,
    post_form,
    start_channel_server,
    submission_of,
)
from tests.test_server_support import CloudServer

CATALOG = "/vendedor/clientes/{}/catalogo"
CART = "/vendedor/clientes/{}/carrito"
REVIEW = "/vendedor/clientes/{}/pedido"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_channel_server(tmp_path_factory.mktemp("cart-vendedor"))
    yield srv
    srv.stop()


def add(browser, server, customer: str, **quantities: str):
    data = {f"qty_{code}": qty for code, qty in quantities.items()}
    return post_form(browser, server, CATALOG.format(customer), CART.format(customer), data)


def confirm(browser, server, customer: str, **fields: str):
    page = browser.get(server.url(REVIEW.format(customer)), timeout=10).text
    return browser.post(server.url(REVIEW.format(customer)), allow_redirects=False, timeout=10,
                        data={"csrf_token": csrf_of(page), "submission_id": submission_of(page),
                              **fields})


def test_card_shows_conditions_list_discount_and_a_way_to_order(server):
    seller = login(server, SELLER)
    card = seller.get(server.url("/vendedor/clientes/C0001"), timeout=10).text
    assert "Almacén Don Pepe" in card and "30-71234567-8" in card
    assert "Cuenta corriente 30 días" in card and "Mayorista (+ IVA)" in card
    assert "10 %" in card and "Tomar pedido" in card
    assert "Todavía no hay pedidos." in card
    assert seller.get(server.url("/vendedor/clientes/C0009"), timeout=10).status_code == 404


def test_cart_survives_catalog_pages_and_a_second_device(server):
    phone = login(server, SELLER)
    first = add(phone, server, "C0001", YER01="2")
    assert first.status_code == 303 and first.headers["location"].startswith(
        CATALOG.format("C0001"))
    page2 = phone.get(server.url(CATALOG.format("C0001")), params={"page": 2}, timeout=10).text
    assert "Página 2" in page2
    code_on_page_2 = re.search(r'name="qty_(ART\d+)"', page2).group(1)
    post_form(phone, server, CATALOG.format("C0001") + "?page=2", CART.format("C0001"),
              {f"qty_{code_on_page_2}": "3", "page": "2"})

    tablet = login(server, SELLER)  # another device, another session, the same cart
    catalog = tablet.get(server.url(CATALOG.format("C0001")), params={"q": "yerba"},
                         timeout=10).text
    assert re.search(r'name="qty_YER01"[^>]*\n\s*value="2"', catalog)
    assert "2 artículos" in catalog
    review = tablet.get(server.url(REVIEW.format("C0001")), timeout=10).text
    assert "Yerba Mate Suave 1kg" in review and code_on_page_2 in review
    card = tablet.get(server.url("/vendedor/clientes/C0001"), timeout=10).text
    assert "Continuar pedido (2 artículos)" in card

    cleared = add(tablet, server, "C0001", YER01="", **{code_on_page_2: "0"})
    assert cleared.status_code == 303
    assert "0 artículos" in phone.get(server.url(CATALOG.format("C0001")), timeout=10).text


def test_cart_json_answers_with_formatted_totals(server):
    seller = login(server, SELLER)
    response = post_form(seller, server, CATALOG.format("C0002"), CART.format("C0002"),
                         {"qty_AZU01": "2"}, json=True)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["lines"][0]["code"] == "AZU01"
    # 2 × 1.234,56 = 2.469,12; IVA 10,5 % = 259,26
    assert body["subtotal"] == "$ 2.469,12" and body["vat"] == "$ 259,26"
    assert body["total"] == "$ 2.728,38"
    bad = post_form(seller, server, CATALOG.format("C0002"), CART.format("C0002"),
                    {"qty_AZU01": "1,5"}, json=True)
    assert bad.status_code == 422 and "unidades enteras" in bad.json()["errors"][0]
    add(seller, server, "C0002", AZU01="")


def test_review_shows_lines_subtotal_discount_vat_and_total(server):
    seller = login(server, SELLER)
    add(seller, server, "C0001", YER01="2", QUE01="1,25")
    review = seller.get(server.url(REVIEW.format("C0001")), timeout=10).text
    # 2 × 2500,50 + 1,25 × 8900 = 16126,00; less 10 % = 14513,40; IVA 21 % = 3047,81
    for text in ("$ 16.126,00", "-$ 1.612,60", "$ 3.047,81", "$ 17.561,21", "Descuento 10 %"):
        assert text in review
    add(seller, server, "C0001", YER01="", QUE01="")


def test_confirm_refused_by_master_data_keeps_the_cart(server):
    seller = login(server, SELLER)
    add(seller, server, "C0002", ART0001="4", YER01="1")
    agent = server.agent  # type: ignore[attr-defined]
    agent.push(MasterKind.ARTICLES, [Article(code="ART0001", description="Retirado",
                                             sellable=False)], batch_id="retire")
    refused = confirm(seller, server, "C0002", observations="Tocar timbre")
    assert refused.status_code == 422
    assert "El artículo ART0001 no está disponible para este cliente." in refused.text
    assert "Ya no se vende" in refused.text
    review = seller.get(server.url(REVIEW.format("C0002")), timeout=10).text
    assert "ART0001" in review and "YER01" in review and "Tocar timbre" in review

    agent.push(MasterKind.CUSTOMERS, [Customer(code="C0002", name="Kiosco La Esquina",
                                               sale_condition=1, price_list=1, seller_code="V1",
                                               enabled=False)], batch_id="disable")
    try:
        refused = confirm(seller, server, "C0002")
        assert refused.status_code in (404, 422)  # a disabled customer leaves the portfolio
    finally:
        agent.push(MasterKind.CUSTOMERS, [Customer(code="C0002", name="Kiosco La Esquina",
                                                   sale_condition=1, price_list=1,
                                                   seller_code="V1")], batch_id="enable")
        agent.push(MasterKind.ARTICLES, [Article(code="ART0001", description="Almacén x",
                                                 family="Bebidas")], batch_id="back")
    add(seller, server, "C0002", ART0001="", YER01="")


def test_confirmed_order_has_a_code_empties_the_cart_and_cannot_change(server):
    seller = login(server, SELLER)
    add(seller, server, "C0001", AZU01="3")
    done = confirm(seller, server, "C0001", delivery_date="2999-01-31", observations="Mañana")
    assert done.status_code == 303, done.text
    code = done.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"CP-\d{8}", code) and len(code) <= 20
    order = seller.get(server.url(done.headers["location"]), timeout=10).text
    assert "31/01/2999" in order and "Mañana" in order and "$ 3.703,68" in order
    assert "0 artículos" in seller.get(server.url(CATALOG.format("C0001")), timeout=10).text
    # No route changes a confirmed order.
    assert seller.post(server.url(f"/pedidos/{code}"), timeout=10).status_code == 405
    card = seller.get(server.url("/vendedor/clientes/C0001"), timeout=10).text
    assert code in card and "Confirmado" in card


def test_repeat_order_copies_lines_and_flags_repriced_and_withdrawn(server):
    seller = login(server, SELLER)
    add(seller, server, "C0001", YER01="2", ART0002="5", ART0003="1")
    code = confirm(seller, server, "C0001").headers["location"].rsplit("/", 1)[1]
    agent = server.agent  # type: ignore[attr-defined]
    agent.push(MasterKind.PRICES, [Price(price_list=1, article_code="ART0002",
                                         price=Decimal("150"))], batch_id="reprice")
    agent.push(MasterKind.ARTICLES, [Article(code="ART0003", description="Retirado",
                                             sellable=False)], batch_id="withdraw")
    response = post_form(seller, server, "/vendedor/clientes/C0001",
                         f"/vendedor/clientes/C0001/repetir/{code}", {})
    assert response.status_code == 303 and response.headers["location"] == REVIEW.format("C0001")
    review = seller.get(server.url(REVIEW.format("C0001")), timeout=10).text
    assert "Precio actualizado: antes $ 102,00, ahora $ 150,00." in review
    assert "Ya no se vende a este cliente" in review
    refused = confirm(seller, server, "C0001")
    assert refused.status_code == 422 and "ART0003 no está disponible" in refused.text
    removed = post_form(seller, server, REVIEW.format("C0001"), CART.format("C0001"),
                        {"remove": "ART0003", "goto": "review"})
    assert removed.status_code == 303
    assert confirm(seller, server, "C0001").status_code == 303
    other = post_form(seller, server, "/vendedor/clientes/C0002",
                      f"/vendedor/clientes/C0002/repetir/{code}", {})
    assert other.status_code == 404  # an order of another customer


def test_catalog_filters_by_rubro_and_finds_by_barcode(server):
    seller = login(server, SELLER)
    page = seller.get(server.url(CATALOG.format("C0001")), params={"rubro": "Limpieza"},
                      timeout=10).text
    assert "Detergente limón 750 ml" in page and "Gaseosa" not in page
    assert '<option value="Limpieza" selected>' in page
    found = seller.get(server.url(CATALOG.format("C0001")), params={"q": "7790000000005"},
                       timeout=10).text
    assert found.count('name="qty_') == 1 and 'name="qty_ART0005"' in found


def test_thumbnails_are_small_lazy_and_cacheable(server):
    seller = login(server, SELLER)
    image = seller.get(server.url("/img/articles/YER01"), timeout=10)
    assert image.status_code == 200 and len(image.content) <= 15_000
    assert "max-age" in image.headers["cache-control"]
    again = seller.get(server.url("/img/articles/YER01"), timeout=10,
                       headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304 and not again.content
