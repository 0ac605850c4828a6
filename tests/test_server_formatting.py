"""Pure functions of the cloud server: Argentine formatting, totals, entry checks, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_percent,
    format_quantity,
    format_tango_number,
    status_label,
    today_in_argentina,
)
from connectors.cloud.server.images import initials, placeholder_svg
from connectors.cloud.server.order_entry import (
    OrderForm,
    check_quantity,
    parse_delivery_date,
    parse_quantity,
)
from connectors.cloud.server.orders import order_code
from connectors.cloud.server.pricing import PricedLine, net_unit_price, order_totals
from connectors.cloud.server.security import (
    digest,
    hash_password,
    new_agent_token,
    same_secret,
    verify_password,
)
from connectors.cloud.server.settings import Settings, SettingsError

D = Decimal


@pytest.mark.parametrize(("value", "text"), [
    (D("1234.56"), "$ 1.234,56"), (D("0"), "$ 0,00"), (D("0.005"), "$ 0,01"),
    (D("1234567.891"), "$ 1.234.567,89"), (D("-1234.5"), "-$ 1.234,50"), (D("999"), "$ 999,00"),
    (D("100000"), "$ 100.000,00"), (None, ""),
])
def test_format_money(value, text):
    assert format_money(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (D("12.000"), "12"), (D("1234.5"), "1.234,5"), (D("0.25"), "0,25"), (D("1E+3"), "1.000"),
])
def test_format_quantity(value, text):
    assert format_quantity(value) == text


def test_format_percent():
    assert format_percent(D("10.500")) == "10,5 %"
    assert format_percent(D("21")) == "21 %"


def test_dates_in_argentina():
    assert format_date(date(2024, 3, 5)) == "05/03/2024"
    late = datetime(2024, 3, 6, 1, 30, tzinfo=UTC)  # 22:30 of the 5th in Buenos Aires
    assert format_date(late) == "05/03/2024"
    assert format_datetime(late) == "05/03/2024 22:30"
    assert today_in_argentina(late) == date(2024, 3, 5)
    with pytest.raises(ValueError):
        format_datetime(datetime(2024, 1, 1))  # naive on purpose


def test_tango_number_and_status_labels():
    assert format_tango_number("X0065200001018") == "X00652-00001018"
    assert format_tango_number("short") == "short"
    assert status_label("confirmed") == "Confirmado"
    assert status_label("leased") == "Confirmado"
    assert status_label("in_tango", "X0065200001018") == "En Tango: pedido X00652-00001018"
    assert status_label("error", error="Artículo inexistente") == "Con error: Artículo inexistente"


def test_order_code_fits_id_externo():
    assert order_code("CP", 12) == "CP-00000012"
    assert len(order_code("CASTOR", 99_999_999)) <= 20


def test_totals_with_vat_added_and_customer_discount():
    lines = [PricedLine(D("2"), D("2500.50"), vat_rate=D("21")),
             PricedLine(D("1.25"), D("8900"), vat_rate=D("10.5"))]
    totals = order_totals(lines, D("10"), prices_include_vat=False)
    assert totals.subtotal == D("16126.00")
    assert totals.discount == D("1612.60")
    # 4500.90 × 21 % + 10012.50 × 10.5 % = 945.189 + 1051.3125
    assert totals.vat == D("1996.50")
    assert totals.total == D("16509.90")


def test_totals_with_vat_included():
    totals = order_totals([PricedLine(D("1"), D("121"), vat_rate=D("21"))], D("0"), True)
    assert totals.vat == D("21.00") and totals.total == D("121.00")


def test_line_discount_and_net_unit_price():
    assert PricedLine(D("2"), D("100"), discount_pct=D("5")).amount == D("190")
    assert net_unit_price(D("2500.50"), D("10")) == D("2250.45")


def _item(fractions: bool = False) -> CatalogItem:
    return CatalogItem(code="A1", description="x", extra_description="", unit="", vat_rate=D(21),
                       allows_fractions=fractions, list_price=D(1), net_price=D(1), stock=None)


@pytest.mark.parametrize(("raw", "value"), [
    ("3", D("3")), ("1.5", D("1.5")), ("1,5", D("1.5")), (" 2 ", D("2")), ("abc", None),
    ("NaN", None), ("inf", None), ("", None),
])
def test_parse_quantity(raw, value):
    assert parse_quantity(raw) == value


def test_check_quantity_rules():
    assert check_quantity(_item(), D("3")) is None
    assert check_quantity(_item(), D("3.0")) is None
    assert "enteras" in check_quantity(_item(), D("1.5"))
    assert check_quantity(_item(fractions=True), D("1.5")) is None
    assert "decimales" in check_quantity(_item(fractions=True), D("1.23456"))
    assert "demasiado grande" in check_quantity(_item(), D("100001"))
    assert check_quantity(_item(), D("100000")) is None
    assert "negativa" in check_quantity(_item(), D("-1"))


def test_delivery_date_parsing():
    today = date(2024, 5, 10)
    assert parse_delivery_date("", today) == (None, None)
    assert parse_delivery_date("2024-05-10", today) == (date(2024, 5, 10), None)
    assert parse_delivery_date("2024-05-09", today)[1] is not None
    assert parse_delivery_date("10/05/2024", today)[1] == "La fecha de entrega no es válida."


def test_order_form_keeps_only_filled_quantities():
    form = OrderForm.from_form({"qty_A1": "2", "qty_B2": " ", "csrf_token": "t",
                                "observations": "  hola ", "delivery_date": ""})
    assert form.quantities == {"A1": "2"} and form.observations == "hola"


def test_placeholder_image():
    assert initials("Yerba Mate Suave 1kg") == "YM"
    assert initials("") == "?"
    svg = placeholder_svg("A<1", "<script>")
    assert svg.startswith("<svg") and "<script>" not in svg and len(svg) < 600


def test_secrets():
    hashed = hash_password("una-clave-larga")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "una-clave-larga")
    assert not verify_password(hashed, "otra-clave-larga")
    assert not verify_password(None, "una-clave-larga")
    with pytest.raises(ValueError):
        hash_password("corta")
    token = new_agent_token()
    assert token.startswith("cst_") and len(token) > 40 and len(digest(token)) == 64
    assert same_secret("abc", "abc") and not same_secret("abc", "abd") and not same_secret("", "")


def test_settings_from_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    default = Settings.from_env({})
    assert default.database_url == f"sqlite:///{tmp_path / 'castor-cloud.sqlite3'}"
    assert default.lease_seconds == 120
    custom = Settings.from_env({"CASTOR_DATABASE_URL": "postgresql+psycopg://u@h/db",
                                "CASTOR_LEASE_SECONDS": "30"})
    assert custom.database_url.startswith("postgresql") and custom.lease_seconds == 30
    with pytest.raises(SettingsError, match="CASTOR_LEASE_SECONDS"):
        Settings.from_env({"CASTOR_LEASE_SECONDS": "soon"})
    with pytest.raises(SettingsError):
        Settings.from_env({"CASTOR_LEASE_SECONDS": "0"})
