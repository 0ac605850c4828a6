"""The agent's configuration: defaults in code, the user's TOML on top, ``ACTIVO_…`` env on top.

Built once at start (``load_config``) into a frozen dataclass tree and passed in. Every problem
is reported in Spanish for the IT person, naming the file and line or the environment variable,
the key, and the fix. Secrets never live here: see ``activo.secrets``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from activo.config_sources import (
    BadValue,
    ConfigError,
    from_env,
    from_toml,
    line_of,
    read_toml,
)
from activo.master_schedule import window_problem
from connectors.cloud.client import base_url_problem
from connectors.cloud.contract import (
    DETAIL_MAX_SIDE,
    MAX_BATCH_RECORDS,
    MAX_LEASE_ORDERS,
    MAX_LEASE_WAIT_SECONDS,
    THUMB_MAX_SIDE,
)
from connectors.tango.settings import TangoSettings, parse_change_tracking

ENV_PREFIX = "ACTIVO_"

@dataclass(frozen=True)
class CloudConfig:
    url: str = ""
    timeout_seconds: float = 15.0
    long_poll_seconds: int = 25
    lease_max_orders: int = 10
    heartbeat_seconds: int = 60
    ca_bundle: str = ""  # PEM file of extra CAs (an inspecting proxy); "" uses the standard ones
    proxy: str = ""  # e.g. "http://proxy.empresa.local:3128"; "" uses HTTPS_PROXY if set


@dataclass(frozen=True)
class TangoConfig:
    connection: str = ""
    dialect: str = "auto"
    talonario: int = 6
    deposit: str = "1"
    estado: str = "2"
    commit_stock: bool = False
    user: str = "ACTIVO"
    decimals: int = 2
    lock_timeout_seconds: int = 10
    fetch_size: int = 1000
    family_column: str = "DESC_ADIC"  # STA11 column with the rubro; "" sends no family
    # Change tracking per kind over the defaults, e.g. "prices=fecha_modi, stock=off"; "off":
    # every kind read whole each time (connectors.tango.settings.parse_change_tracking).
    change_tracking: str = ""
    full_read_minutes: int = 60  # tracked kinds are still read whole this often
    fecha_modi_overlap_days: int = 1
    # table → column → value for NOT NULL columns the mapping does not fill (TOML only).
    defaults: Mapping[str, Mapping[str, object]] = field(
        default_factory=lambda: MappingProxyType({})
    )


@dataclass(frozen=True)
class SyncConfig:
    batch_size: int = 500
    master_data_interval_seconds: int = 900  # the slow kinds (articles, customers, …)
    fast_interval_seconds: int = 60  # prices and stock
    heavy_window: str = ""  # "22:00-06:00": when the slow kinds may be pushed; "" any time


@dataclass(frozen=True)
class ImagesConfig:
    folder: str = ""  # the ERP server's folder of article images; "" = no images
    thumb_px: int = 160  # longest side of the catalog thumbnail
    detail_px: int = 800  # longest side of the detail image
    max_file_mb: int = 15  # larger files are skipped with a warning
    max_megapixels: int = 40  # decompression-bomb guard: larger images are skipped
    interval_seconds: int = 300


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    file_max_mb: int = 5
    file_backups: int = 5


@dataclass(frozen=True)
class Config:
    cloud: CloudConfig = field(default_factory=CloudConfig)
    tango: TangoConfig = field(default_factory=TangoConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    images: ImagesConfig = field(default_factory=ImagesConfig)
    source: Path | None = None  # the TOML file that was read, if any


SECTIONS: Mapping[str, type] = MappingProxyType(
    {"cloud": CloudConfig, "tango": TangoConfig, "sync": SyncConfig, "logging": LoggingConfig,
     "images": ImagesConfig}
)
TOML_ONLY_KEYS = frozenset({("tango", "defaults")})

# --------------------------------------------------------------------------- value rules
# Each rule returns None when the value is fine, or the Spanish fix ("debe ser …").

_PASSWORD_IN_CONNECTION = re.compile(r"(?i)(?:^|;)\s*(?:pwd|password)\s*=")


def _between(low: float, high: float) -> Callable[[Any], str | None]:
    return lambda v: None if low <= v <= high else f"debe estar entre {low:g} y {high:g}"


def _one_of(*choices: str) -> Callable[[Any], str | None]:
    return lambda v: None if v in choices else "debe ser uno de: " + ", ".join(choices)


def _connection_problem(value: str) -> str | None:
    if _PASSWORD_IN_CONNECTION.search(value):
        return (
            "no puede incluir la contraseña (PWD=…): sacala de ahí y guardala con "
            "`activo secrets set tango-password` (o en la variable ACTIVO_TANGO_PASSWORD)"
        )
    return None


def _ca_bundle_problem(value: str) -> str | None:
    if value.strip() and not Path(value).expanduser().is_file():
        return f"no existe el archivo {value}: indicá un archivo PEM con los certificados, o vacío"
    return None


def _proxy_problem(value: str) -> str | None:
    if value.strip() and not re.match(r"(?i)^(https?|socks5h?)://[^/\s]+", value.strip()):
        return 'debe ser una dirección como "http://proxy.empresa.local:3128", o vacío'
    return None


def _images_folder_problem(value: str) -> str | None:
    if value.strip() and Path(value).expanduser().is_file():
        return f"{value} es un archivo: indicá la carpeta de las imágenes, o vacío"
    return None


def _change_tracking_problem(value: str) -> str | None:
    try:
        parse_change_tracking(value)
    except ValueError as exc:
        return str(exc)
    return None


def _url_problem(value: str) -> str | None:
    return base_url_problem(value) if value.strip() else None


# Keys without a usable default: how to fill them.
_REQUIRED: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("cloud", "url"): 'falta: la dirección de Castor Pedidos (ej. "https://pedidos.empresa.com.ar")',
        ("tango", "connection"): (
            'falta: la cadena ODBC de Tango sin contraseña (ej. "DRIVER={ODBC Driver 17 for SQL '
            'Server};SERVER=SERVIDOR\\AXSQLEXPRESS;DATABASE=EMPRESA;UID=activo"), '
            'o "sqlite:RUTA" para la base de demostración'
        ),
    }
)


_RULES: Mapping[tuple[str, str], Callable[[Any], str | None]] = MappingProxyType(
    {
        ("cloud", "url"): _url_problem,
        ("cloud", "timeout_seconds"): _between(1, 300),
        ("cloud", "long_poll_seconds"): _between(0, MAX_LEASE_WAIT_SECONDS),
        ("cloud", "lease_max_orders"): _between(1, MAX_LEASE_ORDERS),
        ("cloud", "heartbeat_seconds"): _between(10, 3600),
        ("cloud", "ca_bundle"): _ca_bundle_problem,
        ("cloud", "proxy"): _proxy_problem,
        ("tango", "connection"): _connection_problem,
        ("tango", "dialect"): _one_of("auto", "sqlserver", "postgresql", "sqlite"),
        ("tango", "talonario"): _between(1, 99999),
        ("tango", "deposit"): lambda v: None if 1 <= len(v) <= 2 else "debe tener 1 o 2 caracteres",
        ("tango", "estado"): _one_of("1", "2", "auto"),
        ("tango", "user"): lambda v: None if v.strip() else "no puede estar vacío",
        ("tango", "decimals"): _between(0, 6),
        ("tango", "lock_timeout_seconds"): _between(1, 300),
        ("tango", "fetch_size"): _between(1, 100_000),
        ("tango", "family_column"): lambda v: None
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}|", v)
        else "debe ser un nombre de columna de STA11 (ej. DESC_ADIC) o vacío",
        ("tango", "change_tracking"): _change_tracking_problem,
        ("tango", "full_read_minutes"): _between(5, 10_080),
        ("tango", "fecha_modi_overlap_days"): _between(0, 30),
        ("sync", "batch_size"): _between(1, MAX_BATCH_RECORDS),
        ("sync", "master_data_interval_seconds"): _between(60, 86_400),
        ("sync", "fast_interval_seconds"): _between(10, 86_400),
        ("sync", "heavy_window"): window_problem,
        ("logging", "level"): _one_of("DEBUG", "INFO", "WARNING", "ERROR"),
        ("logging", "file_max_mb"): _between(1, 1024),
        ("logging", "file_backups"): _between(1, 100),
        ("images", "folder"): _images_folder_problem,
        ("images", "thumb_px"): _between(48, THUMB_MAX_SIDE),
        ("images", "detail_px"): _between(200, DETAIL_MAX_SIDE),
        ("images", "max_file_mb"): _between(1, 200),
        ("images", "max_megapixels"): _between(1, 500),
        ("images", "interval_seconds"): _between(60, 86_400),
    }
)

def _normalise(section: str, key: str, value: object) -> object:
    if (section, key) == ("logging", "level") and isinstance(value, str):
        return value.upper()
    if (section, key) in {("tango", "dialect"), ("tango", "estado")} and isinstance(value, str):
        return value.lower()
    return value


# --------------------------------------------------------------------------- loading


def load_config(path: Path | None, environ: Mapping[str, str], *, required: bool = True) -> Config:
    """Build the configuration: defaults, then the TOML at ``path`` (if given), then env.

    ``path`` None means "no file" (env and defaults only). Raises ``ConfigError`` listing every
    problem. ``required=False`` skips the check that the cloud URL and Tango connection are set.
    """
    data: dict[str, Any] = {}
    text = ""
    problems: list[str] = []
    if path is not None:
        data, text = read_toml(path)
    sections: dict[str, dict[str, Any]] = {}
    origins: dict[tuple[str, str], str] = {}
    for name, cls in SECTIONS.items():
        values, found = _section_values(name, cls, data.get(name, {}), path, text, environ, origins)
        problems.extend(found)
        sections[name] = values
    problems.extend(_unknown_keys(data, path))
    for name, values in sections.items():
        problems.extend(_check_section(name, values, path, text, origins, required=required))
    if problems:
        raise ConfigError(problems)
    return Config(
        **{name: SECTIONS[name](**values) for name, values in sections.items()},
        source=path,
    )


def _section_values(
    section: str,
    cls: type,
    table: object,
    path: Path | None,
    text: str,
    environ: Mapping[str, str],
    origins: dict[tuple[str, str], str],
) -> tuple[dict[str, Any], list[str]]:
    """The section's values with defaults filled in; records where each came from."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    if not isinstance(table, dict):
        problems.append(f"{path}: [{section}] debe ser una sección (una línea [{section}]).")
        table = {}
    for f in dataclasses.fields(cls):
        key = f.name
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
        value: Any = default
        if key in table:
            origins[(section, key)] = "toml"
            try:
                value = _toml_value(section, key, default, table[key])
            except BadValue as exc:
                problems.append(f"{_where_toml(path, text, section, key)}: {exc}.")
        env_name = env_var(section, key)
        if (section, key) not in TOML_ONLY_KEYS and env_name in environ:
            origins[(section, key)] = "env"
            try:
                value = from_env(type(default), environ[env_name])
            except BadValue as exc:
                problems.append(f"La variable de entorno {env_name} ([{section}] {key}): {exc}.")
        values[key] = _normalise(section, key, value)
    return values, problems


def _toml_value(section: str, key: str, default: object, value: object) -> object:
    if (section, key) == ("tango", "defaults"):
        return _column_defaults(value)
    return from_toml(type(default), value)


def _column_defaults(value: object) -> Mapping[str, Mapping[str, object]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise BadValue(
            "debe tener una sección por tabla, ej. [tango.defaults.GVA21] con COLUMNA = valor"
        )
    for columns in value.values():
        for column_value in columns.values():
            if isinstance(column_value, dict | list):
                raise BadValue("cada columna lleva un valor simple (número, texto o fecha)")
    return MappingProxyType(
        {table.upper(): MappingProxyType(dict(columns)) for table, columns in value.items()}
    )


def env_var(section: str, key: str) -> str:
    """The environment variable that overrides ``[section] key``."""
    return f"{ENV_PREFIX}{section}_{key}".upper()


def _check_section(
    section: str,
    values: dict[str, Any],
    path: Path | None,
    text: str,
    origins: Mapping[tuple[str, str], str],
    *,
    required: bool,
) -> list[str]:
    problems = []
    for key, value in values.items():
        rule = _RULES.get((section, key))
        problem = rule(value) if rule else None
        if required and (section, key) in _REQUIRED and not str(value).strip():
            problem = _REQUIRED[(section, key)]
        if problem:
            where = _where(path, text, section, key, origins.get((section, key), "default"))
            problems.append(f"{where}: {problem}.")
    return problems


def _where_toml(path: Path | None, text: str, section: str, key: str) -> str:
    line = line_of(text, section, key)
    at = f", línea {line}" if line else ""
    return f"{path}{at}: [{section}] {key}"


def _where(path: Path | None, text: str, section: str, key: str, origin: str) -> str:
    """Name the key for a message: the env var or the file line that set it, or where to."""
    env_name = env_var(section, key)
    if origin == "env":
        return f"La variable de entorno {env_name} ([{section}] {key})"
    if origin == "toml":
        return _where_toml(path, text, section, key)
    target = f"en {path}" if path is not None else "en el archivo de configuración"
    return f"[{section}] {key} (definilo {target} o en la variable {env_name})"


def _unknown_keys(data: dict[str, Any], path: Path | None) -> list[str]:
    problems = []
    for name, table in data.items():
        if name not in SECTIONS:
            problems.append(
                f"{path}: sección desconocida [{name}]{_did_you_mean(name, SECTIONS)}; "
                f"las secciones válidas son {', '.join('[' + s + ']' for s in SECTIONS)}."
            )
            continue
        if not isinstance(table, dict):
            continue
        known = [f.name for f in dataclasses.fields(SECTIONS[name])]
        for key in table:
            if key not in known:
                problems.append(
                    f"{path}: clave desconocida [{name}] {key}{_did_you_mean(key, known)}; "
                    "borrala o corregí el nombre (ver config.example.toml)."
                )
    return problems


def _did_you_mean(word: str, choices: object) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)  # type: ignore[call-overload]
    return f" (¿quisiste decir {close[0]}?)" if close else ""


def default_values() -> dict[str, dict[str, object]]:
    """Every key with its default, by section (documentation and tests)."""
    return {
        name: {
            f.name: (f.default if f.default is not dataclasses.MISSING else f.default_factory())  # type: ignore[misc]
            for f in dataclasses.fields(cls)
        }
        for name, cls in SECTIONS.items()
    }


def tango_settings(tango: TangoConfig, password: str | None) -> TangoSettings:
    """The Tango connector's settings from the ``[tango]`` section and the vault's password."""
    return TangoSettings(
        connection=tango.connection,
        password=password,
        dialect=tango.dialect,
        talonario=tango.talonario,
        deposit=tango.deposit,
        estado=tango.estado,
        commit_stock=tango.commit_stock,
        user=tango.user,
        decimals=tango.decimals,
        lock_timeout_seconds=tango.lock_timeout_seconds,
        fetch_size=tango.fetch_size,
        family_column=tango.family_column,
        change_tracking=parse_change_tracking(tango.change_tracking),
        full_read_minutes=tango.full_read_minutes,
        fecha_modi_overlap_days=tango.fecha_modi_overlap_days,
        defaults={table: dict(columns) for table, columns in tango.defaults.items()},
    )
