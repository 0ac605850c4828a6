"""Pedido numbering: Tango's encoded ``GVA43.PROXIMO`` and the ``NRO_PEDIDO`` format.

``PROXIMO`` holds the number the next pedido gets, obfuscated: the number as 8 ASCII digits,
each byte XOR-ed with the matching byte of the key ``D7sKaN7U``, written as 16 uppercase hex
characters (123 → ``7407437B517F0566``). ``NRO_PEDIDO`` is TIPO (1 char, a space when blank)
+ SUCURSAL (5 digits) + number (8 digits), e.g. ``X0065200001018``, shown as ``X00652-00001018``.
"""

from __future__ import annotations

_KEY = b"D7sKaN7U"
NUMBER_DIGITS = 8
SUCURSAL_DIGITS = 5
MAX_NUMBER = 10**NUMBER_DIGITS - 1
MAX_SUCURSAL = 10**SUCURSAL_DIGITS - 1
NRO_PEDIDO_LENGTH = 1 + SUCURSAL_DIGITS + NUMBER_DIGITS  # 14


class NumberingError(ValueError):
    """A PROXIMO value, number, TIPO or SUCURSAL that cannot be encoded or decoded."""


def encode_proximo(number: int) -> str:
    """Encode ``number`` (0…99,999,999) the way Tango stores it in ``GVA43.PROXIMO``."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise NumberingError(f"PROXIMO number must be an int, got {number!r}")
    if not 0 <= number <= MAX_NUMBER:
        raise NumberingError(f"PROXIMO number {number} is outside 0..{MAX_NUMBER}")
    digits = f"{number:0{NUMBER_DIGITS}d}".encode("ascii")
    return bytes(d ^ k for d, k in zip(digits, _KEY, strict=True)).hex().upper()


def decode_proximo(value: str) -> int:
    """Decode a ``GVA43.PROXIMO`` value into the number the next pedido gets.

    Lower-case hex and surrounding blanks (CHAR padding) are accepted; anything else that is
    not 16 hex characters decoding to 8 ASCII digits raises ``NumberingError``.
    """
    if not isinstance(value, str):
        raise NumberingError(f"PROXIMO must be text, got {type(value).__name__}")
    text = value.strip()
    if len(text) != 2 * NUMBER_DIGITS:
        raise NumberingError(f"PROXIMO {value!r} must be {2 * NUMBER_DIGITS} hex characters")
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise NumberingError(f"PROXIMO {value!r} is not hexadecimal") from None
    digits = bytes(b ^ k for b, k in zip(raw, _KEY, strict=True))
    if not digits.isdigit():
        raise NumberingError(f"PROXIMO {value!r} does not decode to 8 digits")
    return int(digits.decode("ascii"))


def _check_parts(tipo: str, sucursal: int, number: int) -> str:
    if not isinstance(tipo, str) or len(tipo.strip()) > 1:
        raise NumberingError(f"TIPO must be one character or blank, got {tipo!r}")
    letter = tipo.strip() or " "
    if not letter.isascii():
        raise NumberingError(f"TIPO must be an ASCII character, got {tipo!r}")
    if isinstance(sucursal, bool) or not isinstance(sucursal, int):
        raise NumberingError(f"SUCURSAL must be an int, got {sucursal!r}")
    if not 0 <= sucursal <= MAX_SUCURSAL:
        raise NumberingError(f"SUCURSAL {sucursal} is outside 0..{MAX_SUCURSAL}")
    if isinstance(number, bool) or not isinstance(number, int):
        raise NumberingError(f"number must be an int, got {number!r}")
    if not 0 <= number <= MAX_NUMBER:
        raise NumberingError(f"number {number} is outside 0..{MAX_NUMBER}")
    return letter


def format_nro_pedido(tipo: str, sucursal: int, number: int) -> str:
    """The 14-character ``NRO_PEDIDO``: ("X", 652, 1018) → ``X0065200001018``."""
    letter = _check_parts(tipo, sucursal, number)
    return f"{letter}{sucursal:0{SUCURSAL_DIGITS}d}{number:0{NUMBER_DIGITS}d}"


def display_nro_pedido(nro_pedido: str) -> str:
    """The form people read: ``X0065200001018`` → ``X00652-00001018`` (blank TIPO kept as space)."""
    if not isinstance(nro_pedido, str) or len(nro_pedido) != NRO_PEDIDO_LENGTH:
        raise NumberingError(f"NRO_PEDIDO {nro_pedido!r} must be {NRO_PEDIDO_LENGTH} characters")
    body = nro_pedido[1:]
    if not body.isdigit():
        raise NumberingError(f"NRO_PEDIDO {nro_pedido!r} must end in 13 digits")
    return f"{nro_pedido[0]}{body[:SUCURSAL_DIGITS]}-{body[SUCURSAL_DIGITS:]}"


def parse_nro_pedido(nro_pedido: str) -> tuple[str, int, int]:
    """Split a ``NRO_PEDIDO`` (stored or display form) into (tipo, sucursal, number)."""
    text = nro_pedido.replace("-", "") if isinstance(nro_pedido, str) else nro_pedido
    display_nro_pedido(text)  # validates
    return text[0].strip(), int(text[1 : 1 + SUCURSAL_DIGITS]), int(text[1 + SUCURSAL_DIGITS :])
