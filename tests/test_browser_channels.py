"""The three channels end to end in a real Chromium against a real ``castor-cloud serve``.

The seller on a 360×640 phone, the phone clerk with the keyboard alone, the customer
reordering, and the seller's basic flow with JavaScript switched off. Screenshots of the key
pages land in ``docs/screenshots/`` (they are the product's face in the README).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.system import chromium_path, require_system
from tests.test_server_channel_support import CLERK, CUSTOMER, SELLER, start_channel_server
from tests.test_server_support import PASSWORD, REPO_ROOT, CloudServer

pytestmark = pytest.mark.browser

SHOTS = REPO_ROOT / "docs" / "screenshots"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--lang=es-AR"]  # date inputs as dd/mm/aaaa
TIMEOUT_MS = 15_000
ORDER_URL = re.compile(r".*/pedidos/CP-\d{8}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[CloudServer]:
    require_system(chromium_path() is not None, "Debian's chromium is not installed")
    srv = start_channel_server(tmp_path_factory.mktemp("browser"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def chromium(server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True,
                                    args=CHROMIUM_ARGS,
                                    env={**os.environ, "LANG": "es_AR.UTF-8",
                                         "LANGUAGE": "es_AR:es"})
        yield browser
        browser.close()


def new_page(chromium, viewport: dict[str, int], *, javascript: bool = True):
    context = chromium.new_context(viewport=viewport, locale="es-AR",
                                   java_script_enabled=javascript)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def log_in(page, server: CloudServer, email: str) -> None:
    page.goto(server.url("/login"))
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()


def test_seller_takes_an_order_on_a_phone(server, chromium):
    page = new_page(chromium, PHONE)
    log_in(page, server, SELLER)
    page.wait_for_url("**/vendedor/clientes")
    shot(page, "vendedor-1-clientes")
    page.get_by_label("Buscar cliente").fill("pepe")
    page.get_by_label("Buscar cliente").press("Enter")
    page.get_by_role("link", name=re.compile("Almacén Don Pepe")).click()
    page.wait_for_url("**/vendedor/clientes/C0001")
    shot(page, "vendedor-2-ficha")
    page.get_by_role("link", name="Tomar pedido").click()
    page.wait_for_url("**/catalogo")
    shot(page, "vendedor-3-catalogo")

    page.get_by_label("Buscar artículo").fill("yerba")
    page.get_by_label("Buscar artículo").press("Enter")
    plus = page.get_by_role("button", name="Sumar uno a Yerba Mate Suave 1kg")
    plus.click()
    page.locator("#cart-summary").filter(has_text="1 artículo").wait_for()
    plus.click()
    page.locator("#cart-summary").filter(has_text="$ 5.446,09").wait_for()
    page.get_by_label("Buscar artículo").fill("queso")
    page.get_by_label("Buscar artículo").press("Enter")
    quantity = page.get_by_label("Cantidad de Queso Cremoso")
    quantity.fill("1,5")
    quantity.press("Enter")  # saves the quantity (the cart lives on the server)
    page.locator("#cart-summary").filter(has_text="2 artículos").wait_for()

    page.get_by_role("button", name="Ver pedido").click()
    page.wait_for_url("**/vendedor/clientes/C0001/pedido")
    assert page.get_by_text("$ 18.351,00").is_visible()  # 2 × 2500,50 + 1,5 × 8900
    shot(page, "vendedor-4-revision")
    page.get_by_label("Observaciones").fill("Entregar por la mañana")
    page.get_by_label("Fecha de entrega").fill("2999-06-30")
    page.get_by_role("button", name="Confirmar pedido").click()
    page.wait_for_url(ORDER_URL)
    assert page.locator("[data-status=confirmed]").is_visible()
    assert page.get_by_text("30/06/2999").is_visible()
    shot(page, "vendedor-5-pedido")
    page.context.close()


def test_seller_flow_works_without_javascript(server, chromium):
    page = new_page(chromium, PHONE, javascript=False)
    log_in(page, server, SELLER)
    page.goto(server.url("/vendedor/clientes/C0002/catalogo?q=az%C3%BAcar"))
    page.get_by_label("Cantidad de Azúcar Común 1kg").fill("4")
    page.get_by_role("button", name="Guardar").click()
    page.get_by_text("1 artículo").wait_for()
    page.get_by_role("button", name="Ver pedido").click()
    page.wait_for_url("**/pedido")
    page.get_by_label("Cantidad de Azúcar Común 1kg").fill("1,5")
    page.get_by_role("button", name="Confirmar pedido").click()
    assert page.get_by_text("se vende por unidades enteras").is_visible()  # refused, kept
    page.get_by_label("Cantidad de Azúcar Común 1kg").fill("5")
    page.get_by_role("button", name="Confirmar pedido").click()
    page.wait_for_url(ORDER_URL)
    assert page.get_by_text("$ 6.172,80").first.is_visible()
    page.context.close()


def test_clerk_enters_orders_with_the_keyboard_alone(server, chromium):
    page = new_page(chromium, DESKTOP)
    page.goto(server.url("/login"))
    keys = page.keyboard
    page.locator("input[name=email]:focus").wait_for()  # autofocus: no click needed
    keys.type(CLERK)
    keys.press("Tab")
    keys.type(PASSWORD)
    keys.press("Enter")
    page.wait_for_url("**/preventa")
    keys.type("esquina")
    page.locator("#customer-results a").first.wait_for()
    keys.press("ArrowDown")
    keys.press("Enter")
    page.wait_for_url("**/preventa/clientes/C0002")
    page.locator("#article:focus").wait_for()
    keys.type("YER01")
    keys.press("Enter")
    page.locator("#picked").filter(has_text="Yerba Mate").wait_for()
    keys.type("2")
    keys.press("Enter")
    page.locator("#lines tr").nth(0).wait_for()
    keys.type("bebidas")
    keys.press("Enter")
    page.locator("#suggest [role=option]").nth(1).wait_for()
    keys.press("ArrowDown")
    keys.press("Enter")
    keys.type("12")
    keys.press("Enter")
    page.locator("#lines tr").nth(1).wait_for()
    assert page.locator("#t-total").inner_text() != "$ 0,00"
    shot(page, "preventa-1-grilla")
    keys.press("F9")
    page.wait_for_url(ORDER_URL)
    first_order = page.url.rsplit("/", 1)[1]

    page.goto(server.url("/preventa/clientes/C0002"))
    keys.press("F2")  # the customer's last order, one key away
    page.locator("#lines tr").nth(1).wait_for()
    shot(page, "preventa-2-ultimo-pedido")
    keys.press("Control+Enter")
    page.wait_for_url(ORDER_URL)
    assert page.url.rsplit("/", 1)[1] != first_order
    shot(page, "preventa-3-pedido")
    page.context.close()


def test_customer_reorders_a_past_order(server, chromium):
    page = new_page(chromium, PHONE)
    log_in(page, server, CUSTOMER)
    page.wait_for_url("**/cliente/catalogo")
    shot(page, "cliente-1-catalogo")
    page.get_by_label("Buscar artículo").fill("azúcar")
    page.get_by_label("Buscar artículo").press("Enter")
    page.get_by_role("button", name="Sumar uno a Azúcar Común 1kg").click()
    page.locator("#cart-summary").filter(has_text="1 artículo").wait_for()
    page.get_by_role("button", name="Ver pedido").click()
    page.get_by_role("button", name="Confirmar pedido").click()
    page.wait_for_url(ORDER_URL)

    page.get_by_role("link", name="Mis pedidos").click()
    page.wait_for_url("**/cliente/pedidos")
    shot(page, "cliente-2-pedidos")
    page.get_by_role("button", name=re.compile("Repetir pedido")).first.click()
    page.wait_for_url("**/cliente/pedido")
    assert page.get_by_label("Cantidad de Azúcar Común 1kg").input_value() != ""
    shot(page, "cliente-3-repetir")
    page.get_by_role("button", name="Confirmar pedido").click()
    page.wait_for_url(ORDER_URL)
    page.context.close()


def test_screenshots_are_small_pngs():
    shots = sorted(Path(SHOTS).glob("*.png")) if SHOTS.is_dir() else []
    require_system(bool(shots), "no screenshots yet (the browser tests did not run)")
    for path in shots:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size < 300_000, path.name
