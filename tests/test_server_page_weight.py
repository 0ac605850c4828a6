"""A rep's phone on a weak signal: the catalog page's first load stays small.

First load = the HTML plus every stylesheet and script it links (images apart) ≤ 60 KB;
each thumbnail ≤ 15 KB, lazy-loaded and cacheable; every form control has a label.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.test_server_channel_support import CUSTOMER, SELLER, login, start_channel_server
from tests.test_server_support import CloudServer

FIRST_LOAD_LIMIT = 60 * 1024
THUMBNAIL_LIMIT = 15 * 1024


class _Assets(HTMLParser):
    """Collects linked CSS/JS, images and form controls with how they are labelled."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "img":
            self.images.append(a)
        elif tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append({**a, "_in_label": "1" if self.open_labels else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_channel_server(tmp_path_factory.mktemp("weight"))
    yield srv
    srv.stop()


@pytest.mark.parametrize(("email", "path"), [
    (SELLER, "/vendedor/clientes/C0001/catalogo"),
    (CUSTOMER, "/cliente/catalogo"),
])
def test_catalog_first_load_is_at_most_60_kb(server, email, path):
    browser = login(server, email)
    page = browser.get(server.url(path), timeout=10)
    assert page.status_code == 200
    assert page.text.count('class="item"') == 60  # a full page of articles
    parsed = _Assets()
    parsed.feed(page.text)
    assert any(a.endswith(".css") for a in parsed.assets)
    assert any(a.endswith(".js") for a in parsed.assets)
    total = len(page.content)
    for asset in parsed.assets:
        response = browser.get(server.url(asset), timeout=10)
        assert response.status_code == 200, asset
        total += len(response.content)
    assert total <= FIRST_LOAD_LIMIT, f"first load is {total} bytes"


def test_thumbnails_are_lazy_small_and_cacheable(server):
    browser = login(server, SELLER)
    parsed = _Assets()
    parsed.feed(browser.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10).text)
    assert parsed.images and all(img.get("loading") == "lazy" for img in parsed.images)
    assert all(img.get("width") and img.get("height") for img in parsed.images)
    for img in parsed.images[:5]:
        response = browser.get(server.url(img["src"] or ""), timeout=10)
        assert len(response.content) <= THUMBNAIL_LIMIT
        assert re.search(r"max-age=\d+", response.headers["cache-control"])
        assert response.headers["etag"]


@pytest.mark.parametrize("path", [
    "/vendedor/clientes", "/vendedor/clientes/C0001/catalogo", "/vendedor/clientes/C0001/pedido",
])
def test_every_form_control_has_a_label(server, path):
    browser = login(server, SELLER)
    parsed = _Assets()
    parsed.feed(browser.get(server.url(path), timeout=10).text)
    for control in parsed.controls:
        labelled = (control.get("aria-label") or control.get("_in_label")
                    or control.get("id") in parsed.label_for)
        assert labelled, f"unlabelled control on {path}: {control}"
