"""Sort database errors into what the agent must do: retry, park the order, or call IT.

Classified by SQLSTATE, never by exception class: pyodbc raises a plain ``pyodbc.Error`` for a
lock timeout, and puts the SQLSTATE in ``e.args[0]``. SQLite errors carry no SQLSTATE and are
sorted by message. Messages are scrubbed of the password before they are kept.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from connectors.tango.errors import (
    TangoBusinessError,
    TangoConfigError,
    TangoError,
    TangoTransientError,
)

_DEADLOCK = "La base de Tango canceló la operación por un bloqueo mutuo (deadlock); se reintentará."
_LOCKED = "Tango tiene el registro bloqueado (tiempo de espera agotado); se reintentará."
_NOT_NULL = ("Una columna obligatoria de Tango quedó sin valor: revise la plantilla de valores "
             "por defecto (activo doctor).")
_SQLSTATE = re.compile(r"^[0-9A-Z]{5}$")

_TRANSIENT_STATES = {
    "40001": _DEADLOCK,
    "40P01": _DEADLOCK,
    "55P03": _LOCKED,
    "HYT00": "La base de Tango no respondió a tiempo; se reintentará.",
    "HYT01": "La base de Tango no respondió a tiempo; se reintentará.",
    "57P01": "El servidor de la base de Tango se está reiniciando; se reintentará.",
    "57P03": "El servidor de la base de Tango no acepta conexiones todavía; se reintentará.",
}
_CONFIG_STATES = {
    "28000": "El usuario o la contraseña de la base de Tango no son válidos.",
    "28P01": "El usuario o la contraseña de la base de Tango no son válidos.",
    "42S02": "Falta una tabla en la base de Tango (¿versión de Tango distinta o base equivocada?).",
    "42P01": "Falta una tabla en la base de Tango (¿versión de Tango distinta o base equivocada?).",
    "42S22": "Falta una columna en la base de Tango (¿versión de Tango distinta?).",
    "42703": "Falta una columna en la base de Tango (¿versión de Tango distinta?).",
    "42501": "El usuario de la base de Tango no tiene permiso para esta operación.",
    "3D000": "La base de datos de Tango indicada no existe.",
    "IM003": "El controlador ODBC no se pudo cargar: reinstálelo.",
}
_SQLSERVER_NATIVE = {
    1222: ("transient", _LOCKED),
    1205: ("transient", _DEADLOCK),
    2627: ("transient", "Otro proceso tomó el mismo número de pedido; se reintentará."),
    2601: ("transient", "Otro proceso tomó el mismo número de pedido; se reintentará."),
    208: ("config", _CONFIG_STATES["42S02"]),
    207: ("config", _CONFIG_STATES["42S22"]),
    229: ("config", _CONFIG_STATES["42501"]),
    515: ("config", "Una columna obligatoria de Tango quedó sin valor: revise la plantilla de "
                    "valores por defecto (activo doctor)."),
}
_KINDS = {"transient": TangoTransientError, "config": TangoConfigError,
          "business": TangoBusinessError}


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret and any ``PWD=…`` fragment replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"(?i)(pwd|password)\s*=\s*(\{[^}]*\}|[^;]*)", r"\1=***", text)


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE pyodbc put in ``args[0]`` (or a psycopg-style ``sqlstate``), if any."""
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and _SQLSTATE.match(state):
        return state
    if exc.args and isinstance(exc.args[0], str) and _SQLSTATE.match(exc.args[0]):
        return exc.args[0]
    return None


def _native_code(message: str) -> int | None:
    # The SQL Server driver ends its messages with the native error number: "... (1222)".
    found = re.findall(r"\((\d{3,5})\)", message)
    return int(found[-1]) if found else None


def _installed_drivers() -> list[str]:
    try:
        import pyodbc
    except ImportError:  # pragma: no cover - pyodbc is a base dependency
        return []
    return list(pyodbc.drivers())


def classify_db_error(exc: BaseException, *, secrets: Iterable[str | None] = ()) -> TangoError:
    """Map a database exception to a ``TangoError``; a ``TangoError`` comes back unchanged."""
    if isinstance(exc, TangoError):
        return exc
    secrets = list(secrets)
    message = scrub(" ".join(str(a) for a in exc.args) or repr(exc), secrets)
    if isinstance(exc, sqlite3.Error):
        return _classify_sqlite(exc, message)
    state = sqlstate_of(exc)
    detail = f"{type(exc).__name__} [{state or '-'}]: {message}"
    kind, message_es = _classify_state(state, message)
    return _KINDS[kind](detail, message_es)


def _classify_state(state: str | None, message: str) -> tuple[str, str]:
    native = _native_code(message)
    if native in _SQLSERVER_NATIVE:
        return _SQLSERVER_NATIVE[native]
    if state in _TRANSIENT_STATES:
        return "transient", _TRANSIENT_STATES[state]
    if state in _CONFIG_STATES:
        return "config", _CONFIG_STATES[state]
    if state == "IM002" or "can't open lib" in message.lower():  # unixODBC says 01000
        drivers = ", ".join(_installed_drivers()) or "ninguno"
        return "config", (f"El controlador ODBC indicado en la conexión no está instalado. "
                          f"Controladores instalados: {drivers}.")
    lowered = message.lower()
    if "authentication failed" in lowered or "login failed" in lowered:
        return "config", _CONFIG_STATES["28000"]  # psqlODBC reports it as 08001
    if state and state.startswith("08"):
        return "transient", "Se perdió (o no se pudo abrir) la conexión con la base de Tango; " \
                            "se reintentará."
    if state == "23505":
        return "transient", "Otro proceso tomó el mismo número de pedido; se reintentará."
    if state in {"23502", "23000"}:
        return "config", ("Una columna obligatoria de Tango quedó sin valor: revise la plantilla "
                          "de valores por defecto (activo doctor).")
    if state and state.startswith("22"):
        return "business", "Un dato del pedido está fuera de rango para Tango."
    if "database is locked" in lowered:  # the SQLite ODBC driver says it in HY000
        return "transient", "La base de Tango está ocupada; se reintentará."
    return "transient", "Error inesperado de la base de Tango; se reintentará."


def _classify_sqlite(exc: sqlite3.Error, message: str) -> TangoError:
    lowered = message.lower()
    detail = f"{type(exc).__name__}: {message}"
    if "locked" in lowered or "busy" in lowered:
        return TangoTransientError(detail, "La base de Tango está ocupada; se reintentará.")
    if "no such table" in lowered:
        return TangoConfigError(detail, _CONFIG_STATES["42S02"])
    if "no such column" in lowered or "has no column" in lowered:
        return TangoConfigError(detail, _CONFIG_STATES["42S22"])
    if "unable to open" in lowered or "not a database" in lowered:
        return TangoConfigError(detail, "No se pudo abrir el archivo de la base de Tango.")
    if isinstance(exc, sqlite3.IntegrityError):
        if "unique" in lowered:
            return TangoTransientError(
                detail, "Otro proceso tomó el mismo número de pedido; se reintentará.")
        return TangoConfigError(detail, _NOT_NULL)
    if isinstance(exc, sqlite3.OperationalError | sqlite3.InterfaceError):
        return TangoTransientError(detail, "Error inesperado de la base de Tango; se reintentará.")
    return TangoConfigError(detail, "Error de la base de Tango: revise la configuración.")

