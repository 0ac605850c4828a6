"""Helpers for the channel tests (Vendedor Móvil, Preventa, Autogestión) and the browser runs.

Not a test module by itself. ``start_channel_server`` starts a real ``castor-cloud serve`` on
127.0.0.1 with a company whose master data arrives through the agent API, plus one user per
role.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import requests

from connectors.cloud.contract import (
    Article,
    MasterKind,
    Price,
    PriceList,
    SaleCondition,
    Stock,
)
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
SUBMISSION_RE = re.compile(r'name="submission_id" value="([^"]+)"')

SELLER = "vero@acme.example"
CLERK = "pablo@acme.example"
CUSTOMER = "clara@acme.example"  # customer C0002, Kiosco La Esquina
FAMILIES = ("Almacén", "Bebidas", "Limpieza")


NAMES = {
    "Almacén": ("Arroz largo fino 1 kg", "Fideos tirabuzón 500 g", "Aceite de girasol 1,5 l",
                "Harina 000 1 kg", "Galletitas de agua 300 g", "Dulce de leche 400 g",
                "Tomate triturado 520 g", "Café molido 250 g", "Mermelada de durazno 454 g",
                "Yerba mate con palo 500 g"),
    "Bebidas": ("Agua mineral 2 l", "Gaseosa cola 2,25 l", "Gaseosa lima limón 1,5 l",
                "Jugo de naranja 1 l", "Cerveza rubia lata 473 ml", "Vino tinto malbec 750 ml",
                "Soda en sifón 2 l", "Agua saborizada pomelo 1,5 l", "Amargo serrano 1 l",
                "Energizante lata 250 ml"),
    "Limpieza": ("Detergente limón 750 ml", "Lavandina 1 l", "Jabón en polvo 800 g",
                 "Suavizante 900 ml", "Limpiador de pisos 900 ml", "Esponja doble uso x3",
                 "Papel higiénico x4", "Rollo de cocina x3", "Desodorante de ambiente 360 ml",
                 "Bolsas de residuo x30"),
}
PACKS = ("", " · pack x6", " · caja x12")


def extra_articles(count: int) -> tuple[list[Article], list[Price], list[Stock]]:
    """``count`` more priced articles with stock across three rubros, each with a barcode.

    ``ARTnnnn`` costs ``100 + n``; its rubro is also its synonym, so a search finds a rubro.
    """
    articles, prices, stock = [], [], []
    for n in range(1, count + 1):
        code = f"ART{n:04d}"
        family = FAMILIES[n % len(FAMILIES)]
        names = NAMES[family]
        name = names[(n // len(FAMILIES)) % len(names)]
        pack = PACKS[(n // (len(FAMILIES) * len(names))) % len(PACKS)]
        articles.append(Article(code=code, description=f"{name}{pack}", synonym=family.lower(),
                                barcode=f"779{n:010d}", family=family, unit="un",
                                vat_rate=Decimal("21")))
        prices.append(Price(price_list=1, article_code=code, price=Decimal(100 + n)))
        stock.append(Stock(article_code=code, deposit_code="1",
                           on_hand=Decimal(12 + (n * 37) % 240)))
    return articles, prices, stock


def seed(agent: Agent, extra: int = 80) -> None:
    """The demo catalog of the first cut plus ``extra`` articles (pages, rubros, barcodes)."""
    push_demo_catalog(agent)
    articles, prices, stock = extra_articles(extra)
    for kind, records in ((MasterKind.ARTICLES, articles), (MasterKind.PRICES, prices),
                          (MasterKind.STOCK, stock),
                          (MasterKind.SALE_CONDITIONS,
                           [SaleCondition(code=1, description="Contado", cash=True),
                            SaleCondition(code=2, description="Cuenta corriente 30 días")]),
                          (MasterKind.PRICE_LISTS,
                           [PriceList(number=1, name="Mayorista", includes_vat=False)])):
        response = agent.push(kind, records, batch_id=f"extra-{kind.value}")
        assert response.status_code == 200, response.text


def start_channel_server(workdir: Path, database_url: str | None = None) -> CloudServer:
    """A seeded server with a seller (V1), a phone clerk and a customer (C0002)."""
    server = start_server(workdir, database_url)
    token = create_company(server, "acme")
    server.agent = Agent(server, token)  # type: ignore[attr-defined]
    seed(server.agent)  # type: ignore[attr-defined]
    create_user(server, "acme", SELLER, "vendedor", "--seller-code", "V1")
    create_user(server, "acme", CLERK, "preventa")
    create_user(server, "acme", CUSTOMER, "cliente", "--customer-code", "C0002")
    return server


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in page"
    return match.group(1)


def submission_of(html: str) -> str:
    match = SUBMISSION_RE.search(html)
    assert match, "no submission_id in page"
    return match.group(1)


def login(server: CloudServer, email: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(server.url("/login"), timeout=10)
    response = browser.post(server.url("/login"), timeout=10, allow_redirects=False, data={
        "email": email, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303, response.text
    return browser


def post_form(browser: requests.Session, server: CloudServer, page_path: str, action: str,
              data: dict[str, str], *, json: bool = False) -> requests.Response:
    """Post ``data`` to ``action`` with the CSRF token of ``page_path`` (as a browser would)."""
    page = browser.get(server.url(page_path), timeout=10)
    assert page.status_code == 200, page.text
    headers = {"Accept": "application/json"} if json else {}
    return browser.post(server.url(action), data={"csrf_token": csrf_of(page.text), **data},
                        headers=headers, allow_redirects=False, timeout=10)
