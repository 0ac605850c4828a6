"""Where configuration values come from: the TOML file (with line numbers) and env text.

Turns raw values into the key's type and reports problems in Spanish; ``activo.config`` decides
which values win and whether they are acceptable.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` are Spanish sentences, one per issue."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


_TRUE = frozenset({"1", "true", "yes", "si", "sí", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_TYPE_NAMES_ES = {bool: "true o false", int: "un número entero", float: "un número", str: "texto"}


class BadValue(Exception):
    """A value of the wrong type; the message is the Spanish fix ("debe ser …")."""


def from_toml(kind: type, value: object) -> object:
    """Check a TOML value against the key's type; TOML already typed it."""
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value  # type: ignore[arg-type]
    else:
        # IT people write `deposit = 1` or `estado = 2`: a number is fine for a code.
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        ok = isinstance(value, str)
    if not ok:
        raise BadValue(f"debe ser {_TYPE_NAMES_ES[kind]}")
    return value


def from_env(kind: type, text: str) -> object:
    """Turn an environment variable's text into the key's type."""
    text = text.strip()
    if kind is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise BadValue("debe ser true o false")
    try:
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise BadValue(f"debe ser {_TYPE_NAMES_ES[kind]}") from None
    return text


# --------------------------------------------------------------------------- TOML file


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        # utf-8-sig: Windows Notepad may save UTF-8 with a BOM, which TOML does not allow.
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError([f"No se puede leer el archivo de configuración {path}: {exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError(
            [f"El archivo de configuración {path} no está en UTF-8: guardalo con esa codificación."]
        ) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        where = f"en la línea {line}" if line else "en algún lugar"
        raise ConfigError(
            [
                f"El archivo de configuración {path} tiene un error de sintaxis {where} ({exc}). "
                "Revisá las comillas, los corchetes y el signo = de esa línea."
            ]
        ) from None


def _line_from_message(message: str) -> int | None:
    # Python < 3.14 puts the position only in the message: "... (at line 3, column 9)".
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def line_of(text: str, section: str, key: str) -> int | None:
    """The line where ``key`` is set inside ``[section]``, to point the IT person at it."""
    current = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]\s]+)\s*\]", line)
        if header:
            current = header.group(1)
        elif current == section and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return None
