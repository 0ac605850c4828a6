"""PROXIMO encoding (Tango's test vectors) and the NRO_PEDIDO format."""

from __future__ import annotations

import pytest

from connectors.tango.numbering import (
    NumberingError,
    decode_proximo,
    display_nro_pedido,
    encode_proximo,
    format_nro_pedido,
    parse_nro_pedido,
)


@pytest.mark.parametrize(("number", "encoded"), [
    (123, "7407437B517F0566"),
    (1018, "7407437B507E066D"),
])
def test_proximo_test_vectors(number, encoded):
    assert encode_proximo(number) == encoded
    assert decode_proximo(encoded) == number


@pytest.mark.parametrize("number", [0, 1, 9, 1019, 4_567_890, 99_999_999])
def test_proximo_round_trip(number):
    encoded = encode_proximo(number)
    assert len(encoded) == 16 and encoded == encoded.upper()
    assert decode_proximo(encoded) == number
    assert decode_proximo(f"  {encoded.lower()}  ") == number  # CHAR padding, lower case


@pytest.mark.parametrize("bad", [-1, 100_000_000, 1.5, "12", True, None])
def test_encode_rejects_what_is_not_an_8_digit_number(bad):
    with pytest.raises(NumberingError):
        encode_proximo(bad)


@pytest.mark.parametrize("bad", ["", "7407437B507E066", "7407437B507E066DAA", "ZZ07437B507E066D",
                                 "0000000000000000", 1018])
def test_decode_rejects_garbage_with_a_clear_error(bad):
    with pytest.raises(NumberingError, match="PROXIMO"):
        decode_proximo(bad)


def test_nro_pedido_format_and_display():
    assert format_nro_pedido("X", 652, 1018) == "X0065200001018"
    assert display_nro_pedido("X0065200001018") == "X00652-00001018"
    assert format_nro_pedido("", 1, 7) == " 0000100000007"  # blank TIPO is a space
    assert format_nro_pedido(" ", 1, 7) == " 0000100000007"
    assert display_nro_pedido(" 0000100000007") == " 00001-00000007"
    assert len(format_nro_pedido("A", 99_999, 99_999_999)) == 14
    assert parse_nro_pedido("X00652-00001018") == ("X", 652, 1018)
    assert parse_nro_pedido("X0065200001018") == ("X", 652, 1018)


@pytest.mark.parametrize(("tipo", "sucursal", "number"), [
    ("XY", 1, 1), ("X", -1, 1), ("X", 100_000, 1), ("X", 1, 100_000_000), ("Ñ", 1, 1),
    ("X", "652", 1),
])
def test_format_rejects_bad_parts(tipo, sucursal, number):
    with pytest.raises(NumberingError):
        format_nro_pedido(tipo, sucursal, number)


@pytest.mark.parametrize("bad", ["X006520000101", "X00652000010189", "X0065A00001018", None])
def test_display_rejects_bad_numbers(bad):
    with pytest.raises(NumberingError):
        display_nro_pedido(bad)
