"""Pure pieces behind the cart and the catalog search: typed quantities and search words."""

from __future__ import annotations

from decimal import Decimal

from connectors.cloud.server.carts import merged_quantities, typed_errors, typed_quantity
from connectors.cloud.server.catalog import CatalogItem
from connectors.cloud.server.models import Cart, CartLine
from connectors.cloud.server.search_words import article_words, prefix_bounds, query_terms


def item(code: str, fractions: bool = False) -> CatalogItem:
    return CatalogItem(code=code, description=code, extra_description="", unit="",
                       vat_rate=Decimal(21), allows_fractions=fractions,
                       list_price=Decimal(10), net_price=Decimal(10), stock=None)


def test_typed_quantity_reads_argentine_decimals_and_explains_refusals():
    assert typed_quantity("QUE", "1,5", item("QUE", fractions=True)) == (Decimal("1.5"), "")
    assert typed_quantity("YER", "", item("YER")) == (Decimal(0), "")  # blank removes
    assert typed_quantity("YER", "0", None) == (Decimal(0), "")  # removing needs no article
    assert "no es un número" in typed_quantity("YER", "dos", item("YER"))[1]
    assert "unidades enteras" in typed_quantity("YER", "1,5", item("YER"))[1]
    assert "no está disponible" in typed_quantity("OLD", "1", None)[1]
    assert typed_errors({"A": "2", "B": "x"}, {"A": item("A"), "B": item("B")}) == [
        "La cantidad de B no es un número."]


def test_merged_quantities_apply_the_last_edits_to_the_cart():
    cart = Cart(lines=[CartLine(article_code="A", position=1, quantity=Decimal("2")),
                       CartLine(article_code="B", position=2, quantity=Decimal("1"))])
    assert merged_quantities(cart, {"B": "", "C": "3"}) == {"A": "2", "C": "3"}
    assert merged_quantities(None, {"A": "0"}) == {}


def test_article_words_fold_accents_and_keep_codes_and_barcodes():
    found = article_words("AZU-01", "Azúcar Común 1kg", synonym="azucar", barcode="7791234")
    assert {"azucar", "comun", "1kg", "azu", "01", "azu01", "7791234"} <= found


def test_query_terms_are_accent_free_prefixes_longest_first():
    assert query_terms("  Azúc  COM ") == ["azuc", "com"]
    assert query_terms("a yerba") == ["yerba"]  # a lone letter beside words narrows nothing
    assert query_terms("a") == ["a"]
    assert query_terms("") == []
    assert len(query_terms("uno dos tres cuatro cinco seis")) == 5
    assert prefix_bounds("azu") == ("azu", "azv")
