"""``activo doctor`` for Tango: check the connection and the database before trusting them.

``run_checks(settings)`` returns one ``CheckResult`` per check, each with a Spanish hint for
the person fixing it; the agent's CLI prints them (✓/✗) and sets the exit code. Nothing is
changed: the write-permission probe runs in a transaction that is always rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.cloud.contract import PUSH_ORDER
from connectors.tango import statements as sql
from connectors.tango.catalog import KIND_DECIMAL, KIND_INT, KIND_TEXT, TableCatalog, kind_of
from connectors.tango.change_tracking import KIND_TABLES, MODE_COLUMNS, OFF
from connectors.tango.connection import (
    TangoConnection,
    driver_name,
    guess_dialect,
    open_connection,
    sqlite_path,
)
from connectors.tango.ddl import column_ddl
from connectors.tango.defaults import load_defaults
from connectors.tango.errors import TangoError
from connectors.tango.inserts import InsertBuilder, unfillable_columns
from connectors.tango.mapping import GVA03_KEYS, GVA21_KEYS
from connectors.tango.numbering import (
    NumberingError,
    decode_proximo,
    display_nro_pedido,
    format_nro_pedido,
)
from connectors.tango.reader import MasterDataReader
from connectors.tango.schema import TABLES_BY_NAME
from connectors.tango.settings import TangoSettings
from connectors.tango.values import as_bool, as_int, as_text

# Columns the reader and the writer cannot do without, by table.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "STA11": ("COD_ARTICU", "DESCRIPCIO", "DESC_ADIC", "SINONIMO", "COD_BARRA", "PERFIL", "STOCK",
              "COD_IVA"),
    "GVA41": ("COD_ALICUO", "DESCRIPCIO", "PORCENTAJE"),
    "GVA10": ("NRO_DE_LIS", "NOMBRE_LIS", "HABILITADA", "INCLUY_IVA"),
    "GVA17": ("NRO_DE_LIS", "COD_ARTICU", "PRECIO"),
    "GVA14": ("COD_CLIENT", "RAZON_SOCI", "NOM_COM", "CUIT", "E_MAIL", "DOMICILIO", "LOCALIDAD",
              "TELEFONO_1", "COND_VTA", "NRO_LISTA", "PORC_DESC", "COD_VENDED", "COD_TRANSP",
              "CUPO_CREDI", "SALDO_CC", "FECHA_INHA"),
    "GVA23": ("COD_VENDED", "NOMBRE_VEN", "E_MAIL", "INHABILITA"),
    "GVA01": ("COND_VTA", "DESC_COND", "CONTADO"),
    "STA22": ("COD_SUCURS", "NOMBRE_SUC", "INHABILITA"),
    "STA19": ("COD_ARTICU", "COD_DEPOSI", "CANT_STOCK", "CANT_COMP"),
    "GVA43": ("TALONARIO", "COMPROB", "TIPO", "SUCURSAL", "PROXIMO"),
    "GVA21": ("TALON_PED", "NRO_PEDIDO", "ESTADO", "COD_CLIENT", "COD_SUCURS", "ID_EXTERNO",
              "FECHA_PEDI", "LEYENDA_1", "TOTAL_PEDI"),
    "GVA03": ("TALON_PED", "NRO_PEDIDO", "N_RENGLON", "COD_ARTICU", "COD_DEPOSI", "CANT_PEDID",
              "PRECIO"),
}
# Text columns whose whole value matters (codes, numbers): shorter in the database is an error.
EXACT_LENGTH = {"NRO_PEDIDO", "ID_EXTERNO", "COD_ARTICU", "COD_CLIENT", "COD_SUCURS",
                "COD_DEPOSI", "PROXIMO"}
_NUMERIC = {KIND_INT, KIND_DECIMAL}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    message_es: str
    detail: str = ""


class _Rollback(Exception):
    """Raised to end the permission probe's transaction by rolling it back."""


def run_checks(settings: TangoSettings, *,
               connect: Callable[[TangoSettings], TangoConnection] = open_connection,
               ) -> list[CheckResult]:
    """Every check, in order; stops after the connection checks when there is no connection."""
    results = [_check_driver(settings)]
    if not results[0].ok:
        return results
    try:
        conn = connect(settings)
    except TangoError as exc:
        results.append(CheckResult("conexion", False, exc.message_es, str(exc)))
        return results
    results.append(CheckResult("conexion", True, "Conexión con la base de Tango: correcta."))
    with conn:
        for check in (_check_tables, _check_columns, _check_talonario, _check_deposit,
                      _check_estado, _check_unfillable, _check_change_tracking,
                      _check_permissions):
            try:
                results.append(check(conn, settings))
            except TangoError as exc:
                results.append(CheckResult(check.__name__.removeprefix("_check_"), False,
                                           exc.message_es, str(exc)))
    return results


def _check_driver(settings: TangoSettings) -> CheckResult:
    if guess_dialect(settings) == "sqlite":
        path = sqlite_path(settings)
        if Path(path).is_file():
            return CheckResult("driver", True, f"Base de demostración: {path}.")
        return CheckResult("driver", False, f"No existe la base de demostración {path}: "
                                            "ejecute «activo demo».")
    name = driver_name(settings.connection)
    try:
        import pyodbc

        installed = list(pyodbc.drivers())
    except ImportError:
        return CheckResult("driver", False, "ODBC no está disponible en esta máquina (pyodbc).")
    if name is None:
        return CheckResult("driver", False, "La cadena de conexión no indica DRIVER={…}. "
                           f"Controladores instalados: {', '.join(installed) or 'ninguno'}.")
    if name not in installed:
        return CheckResult("driver", False,
                           f"El controlador ODBC «{name}» no está instalado. Controladores "
                           f"instalados: {', '.join(installed) or 'ninguno'}.")
    return CheckResult("driver", True, f"Controlador ODBC «{name}» instalado.")


def _check_tables(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    missing = [t for t in REQUIRED_COLUMNS if conn.table(t) is None]
    if missing:
        return CheckResult("tablas", False, f"Faltan tablas de Tango: {', '.join(missing)}. "
                           "¿Es la base de la empresa correcta?")
    return CheckResult("tablas", True, f"Las {len(REQUIRED_COLUMNS)} tablas que se usan existen.")


def _column_problem(catalog: TableCatalog, table: str, column: str) -> str | None:
    found = catalog.get(column)
    if found is None:
        return f"{table}.{column} no existe"
    expected = TABLES_BY_NAME[table].column(column)
    expected_kind = kind_of(column_ddl("sqlserver", expected).split()[1])
    if found.kind != expected_kind and not {found.kind, expected_kind} <= _NUMERIC:
        return f"{table}.{column} es {found.type_name}, se esperaba {expected.type}"
    if (found.kind == KIND_TEXT and column in EXACT_LENGTH and expected.length
            and found.length is not None and found.length < expected.length):
        return f"{table}.{column} admite {found.length} caracteres, se necesitan {expected.length}"
    return None


def _check_columns(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    problems = []
    for table, columns in REQUIRED_COLUMNS.items():
        catalog = conn.table(table)
        if catalog is None:
            continue  # reported by the tables check
        problems += [p for c in columns if (p := _column_problem(catalog, table, c))]
    if problems:
        return CheckResult("columnas", False, "Columnas incompatibles: " + "; ".join(problems)
                           + ". ¿Versión de Tango distinta?")
    return CheckResult("columnas", True,
                       "Todas las columnas que se usan existen y son compatibles.")


def _check_talonario(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    number = settings.talonario
    columns = conn.require_table("GVA43").existing(sql.TALONARIO_COLUMNS)
    row = conn.query_one(sql.read_talonario(conn.dialect, tuple(columns)), [number])
    if row is None:
        return CheckResult("talonario", False, f"No existe el talonario {number} en GVA43: "
                           "revise «tango.talonario».")
    comprob = as_text(row.get("COMPROB")).upper()
    if comprob != "PED":
        return CheckResult("talonario", False, f"El talonario {number} es de «{comprob}», no de "
                           "pedidos (PED): revise «tango.talonario».")
    try:
        next_number = decode_proximo(as_text(row.get("PROXIMO")))
        shown = display_nro_pedido(format_nro_pedido(as_text(row.get("TIPO")),
                                                     as_int(row.get("SUCURSAL")) or 0, next_number))
    except NumberingError as exc:
        return CheckResult("talonario", False, f"El próximo número del talonario {number} no se "
                           "puede leer.", str(exc))
    return CheckResult("talonario", True, f"Talonario {number}: el próximo pedido será {shown}.")


def _check_deposit(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    code = settings.deposit
    columns = conn.require_table("STA22").existing(sql.DEPOSIT_COLUMNS)
    row = conn.query_one(sql.deposit(conn.dialect, tuple(columns)), [code])
    if row is None:
        return CheckResult("deposito", False, f"El depósito {code} no existe en STA22: revise "
                           "«tango.deposit».")
    if as_bool(row.get("INHABILITA")):
        return CheckResult("deposito", False, f"El depósito {code} está inhabilitado en Tango.")
    return CheckResult("deposito", True,
                       f"Depósito {code} ({as_text(row.get('NOMBRE_SUC'))}): correcto.")


def _check_estado(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    setting = str(settings.estado).strip().lower()
    names = {1: "1 (Ingresado)", 2: "2 (Aprobado)"}
    if setting in {"1", "2"}:
        return CheckResult("estado", True, f"Los pedidos entran con estado {names[int(setting)]}.")
    if setting != "auto":
        return CheckResult("estado", False, "«tango.estado» debe ser 1, 2 o auto.")
    if conn.table("GVA16") is None or "APRUEBA_PE" not in conn.require_table("GVA16"):
        return CheckResult("estado", False, "No se encontró el parámetro «Aprueba pedidos» "
                           "(GVA16.APRUEBA_PE): configure «tango.estado» como 1 o 2.")
    row = conn.query_one(sql.approval_parameter(conn.dialect))
    estado = 1 if row and as_bool(row.get("APRUEBA_PE")) else 2
    return CheckResult("estado", True, f"Según «Aprueba pedidos», los pedidos entran con estado "
                       f"{names[estado]}.")


def _check_unfillable(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    template = load_defaults(settings.defaults)
    targets = {"GVA21": GVA21_KEYS, "GVA03": GVA03_KEYS}
    if settings.commit_stock:
        targets["STA19"] = ("COD_ARTICU", "COD_DEPOSI", "CANT_COMP", "ID_STA11", "ID_STA22")
    empty = [f"{table}.{column}" for table, keys in targets.items()
             for column in unfillable_columns(conn.require_table(table), keys, template)]
    if empty:
        return CheckResult("columnas_obligatorias", False,
                           f"Columnas obligatorias sin valor: {', '.join(empty)}. Agréguelas a la "
                           "plantilla de valores por defecto ([tango.defaults.TABLA]).")
    return CheckResult("columnas_obligatorias", True,
                       "Todas las columnas obligatorias de GVA21/GVA03 tienen valor.")


def _check_change_tracking(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    """Each configured change column exists and the very read that uses it runs."""
    reader = MasterDataReader(conn, settings)
    problems, tracked = [], []
    for kind in PUSH_ORDER:
        mode = settings.change_mode(kind.value)
        if mode == OFF:
            continue
        table, column = KIND_TABLES[kind].table, MODE_COLUMNS[mode]
        catalog = conn.table(table)
        if catalog is None:
            continue  # reported by the tables check
        if column not in catalog:
            problems.append(f"{table}.{column} no existe ({kind.value}={mode})")
            continue
        try:
            mark = reader.change_anchor(kind)
            if mark is not None:
                changed = reader.read(kind, since=mark)
                next(iter(changed), None)
                changed.close()
        except TangoError as exc:
            problems.append(f"{table}.{column} no se puede leer ({exc.message_es})")
            continue
        tracked.append(f"{kind.value} por {table}.{column}")
    if problems:
        return CheckResult("seguimiento_cambios", False,
                           "Seguimiento de cambios: " + "; ".join(problems) + ". Corrija "
                           "«tango.change_tracking» (ej. \"prices=fecha_modi\", o "
                           "\"prices=off\" para leer esa tabla entera); mientras tanto se lee "
                           "entera en cada envío.")
    if not tracked:
        return CheckResult("seguimiento_cambios", True,
                           "Seguimiento de cambios apagado: cada envío lee las tablas enteras.")
    return CheckResult("seguimiento_cambios", True,
                       f"Seguimiento de cambios: {', '.join(tracked)}; además se lee todo "
                       f"entero cada {settings.full_read_minutes} minutos.")


def _check_permissions(conn: TangoConnection, settings: TangoSettings) -> CheckResult:
    builder = InsertBuilder(conn, load_defaults(settings.defaults))
    probe_number = format_nro_pedido("", 0, 0)
    header = {"ID_GVA21": -1, "TALON_PED": settings.talonario, "NRO_PEDIDO": probe_number,
              "ESTADO": 1, "ID_EXTERNO": "ACTIVO-DOCTOR"}
    line = {"ID_GVA03": -1, "ID_GVA21": -1, "TALON_PED": settings.talonario,
            "NRO_PEDIDO": probe_number, "N_RENGLON": 1, "NRO_ORDEN": 1}
    try:
        with conn.transaction():
            conn.run(sql.probe_talonario_update(conn.dialect), [settings.talonario])
            builder.insert("GVA21", [header])
            builder.insert("GVA03", [line])
            if settings.commit_stock:
                conn.run(sql.probe_stock_update(conn.dialect), ["", ""])
            raise _Rollback
    except _Rollback:
        pass
    except TangoError as exc:
        return CheckResult("permisos", False, "El usuario de la base no puede escribir pedidos: "
                           f"{exc.message_es}", str(exc))
    return CheckResult("permisos", True, "El usuario puede insertar pedidos y actualizar el "
                       "talonario (probado y deshecho).")
