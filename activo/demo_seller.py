"""A scripted seller for the demo: uses the cloud's public web pages like a phone would.

Logs in through ``/login``, opens a customer's catalog, types quantities into the cart, reviews
and confirms, then
follows the order through ``/api/v1/orders/{code}``. Only HTTP and HTML: nothing of the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

REQUEST_TIMEOUT_SECONDS = 10.0


class SellerFailed(Exception):
    """The web app did not behave as a seller expects; ``message_es`` says what happened."""

    def __init__(self, message_es: str) -> None:
        super().__init__(message_es)
        self.message_es = message_es


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Collects every ``<form>`` with its ``<input>`` names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(action=values.get("action", ""))
            self.forms.append(self._current)
        elif tag in ("input", "textarea") and self._current is not None and values.get("name"):
            self._current.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def forms_in(html: str) -> list[Form]:
    """The forms of a page."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@dataclass(frozen=True)
class OrderStatus:
    code: str
    status: str
    tango_number: str | None
    error: str | None


class ScriptedSeller:
    """One seller's browser session against the cloud at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def _url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def _get(self, path: str) -> requests.Response:
        return self._http.get(self._url(path), timeout=REQUEST_TIMEOUT_SECONDS,
                              allow_redirects=False)

    def login(self, email: str, password: str) -> None:
        """Log in through the login form; raises ``SellerFailed`` if the server refuses."""
        page = self._get("/login")
        page.raise_for_status()
        token = _field(page.text, "csrf_token", "/login")
        answer = self._http.post(
            self._url("/login"),
            data={"email": email, "password": password, "csrf_token": token},
            timeout=REQUEST_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
        if answer.status_code != 303:
            raise SellerFailed(
                f"No se pudo iniciar sesión como {email} (HTTP {answer.status_code})."
            )

    def sees_customer(self, customer_code: str) -> bool:
        """Whether the seller's portfolio lists the customer (the master data has landed)."""
        page = self._get("/vendedor/clientes")
        return page.status_code == 200 and customer_code in page.text

    def catalog(self, customer_code: str) -> Form:
        """The quantities form of the customer's catalog (its first page)."""
        page = self._get(f"/vendedor/clientes/{customer_code}/catalogo")
        if page.status_code != 200:
            raise SellerFailed(
                f"El catálogo del cliente {customer_code} no abrió (HTTP {page.status_code})."
            )
        for form in forms_in(page.text):
            if form.action.endswith(("/carrito", "/pedido")) and article_codes(form):
                return form
        raise SellerFailed(f"El catálogo de {customer_code} no tiene formulario de pedido.")

    def place_order(self, customer_code: str, quantities: dict[str, str], observations: str) -> str:
        """Confirm an order with ``quantities`` (article code → quantity); returns its code.

        Like a phone: quantities into the cart, then the review page, then «Confirmar».
        """
        form = self.catalog(customer_code)
        data = {name: value for name, value in form.fields.items() if not name.startswith("qty_")}
        data.update({f"qty_{code}": qty for code, qty in quantities.items()})
        data["goto"] = "review"
        answer = self._post(form.action, data)
        if answer.status_code != 303:
            raise SellerFailed(
                f"El carrito de {customer_code} no se guardó (HTTP {answer.status_code})."
            )
        review_path = urlsplit(answer.headers.get("Location", "")).path
        review = self._get(review_path)
        confirm = next((f for f in forms_in(review.text) if "submission_id" in f.fields), None)
        if review.status_code != 200 or confirm is None:
            raise SellerFailed(f"La revisión del pedido de {customer_code} no abrió.")
        data = dict(confirm.fields)
        data.update(observations=observations, delivery_date="")
        answer = self._post(confirm.action or review_path, data)
        location = answer.headers.get("Location", "")
        if answer.status_code != 303 or "/pedidos/" not in location:
            raise SellerFailed(
                f"El pedido para {customer_code} no se confirmó (HTTP {answer.status_code})."
            )
        return urlsplit(location).path.rsplit("/", 1)[-1]

    def _post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self._http.post(self._url(path), data=data, timeout=REQUEST_TIMEOUT_SECONDS,
                               allow_redirects=False)

    def order_status(self, code: str) -> OrderStatus:
        """Where the order is: confirmed, leased, in_tango or error."""
        answer = self._get(f"/api/v1/orders/{code}")
        if answer.status_code != 200:
            raise SellerFailed(
                f"No se pudo consultar el pedido {code} (HTTP {answer.status_code})."
            )
        body = answer.json()
        return OrderStatus(code=body["code"], status=body["status"],
                           tango_number=body.get("tango_number"), error=body.get("error"))


def article_codes(form: Form) -> list[str]:
    """The article codes the form offers a quantity box for, in page order."""
    return [name[len("qty_"):] for name in form.fields if name.startswith("qty_")]


def _field(html: str, name: str, action: str) -> str:
    for form in forms_in(html):
        if form.action.endswith(action) and name in form.fields:
            return form.fields[name]
    raise SellerFailed(f"La página no tiene el campo {name}.")
