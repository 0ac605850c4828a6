"""Passwords too common to allow (the usual leaked-list top entries plus Spanish favourites).

Compared lower-cased and with digits/symbols at the end stripped off as well, so
``Argentina2024!`` is refused along with ``argentina``.
"""

from __future__ import annotations

_LISTED = """
123456 1234567 12345678 123456789 1234567890 12345678910 0123456789 9876543210 0987654321
111111 1111111111 000000 0000000000 123123 123123123 121212 112233 123321 654321 666666
696969 777777 888888 999999 147258369 159753 987654321 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
qwerty qwerty123 qwertyuiop qwerty1234 qazwsx asdfgh asdfghjkl zxcvbnm zxcvbnm123
password password1 password123 passw0rd p@ssw0rd p4ssw0rd contraseña contrasena
contraseña123 contrasena123 clave clave123 claveclave micontraseña micontrasena
abc123 abcdef abcdefg abcdefgh abcdefghij abcd1234 admin admin123 administrador
administrator root toor letmein welcome welcome1 bienvenido bienvenida login iloveyou
teamo teamomucho tequiero monkey dragon master shadow sunshine princess football
baseball superman batman trustno1 starwars whatever freedom hello hola holahola
argentina argentina123 buenosaires boca bocajuniors riverplate river racing
independiente sanlorenzo messi maradona diego futbol mundial campeon campeones
mariposa corazon estrella angelito princesa chocolate amor amorcito familia
familia123 dios diosesamor jesus jesucristo mama papa mamapapa nicolas santiago
martina sofia valentina mateo benjamin juan jose carlos maria sebastian lucas
pedidos pedido castor castorpedidos activo tango tangogestion axoft ventas vendedor
cliente clientes empresa distribuidora mayorista almacen kiosco
changeme cambiar cambiame nuevaclave secreto secret
"""
COMMON_PASSWORDS = frozenset(_LISTED.split())


def is_common(password: str) -> bool:
    """True for a listed password, also when only trailing digits or symbols were added."""
    lowered = password.strip().lower()
    stem = lowered.rstrip("0123456789!@#$%&*.-_?¡¿ ")
    return lowered in COMMON_PASSWORDS or (stem in COMMON_PASSWORDS and len(stem) >= 4)
