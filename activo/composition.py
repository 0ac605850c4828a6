"""The composition root: config → secrets → logging → cloud client and Tango pieces.

The only module that knows how the agent's parts are built and wired; everything else receives
what it needs. The CLI, the engine and the tray start here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog

from activo import __version__
from activo.config import Config, ConfigError, load_config, tango_settings
from activo.engine_jobs import EngineParts
from activo.logs import configure_logging
from activo.paths import Paths, resolve_paths
from activo.secrets import SecretName, SecretStore
from activo.state_store import StateStore
from connectors.cloud.client import CloudClient
from connectors.tango.connection import TangoConnection, open_connection
from connectors.tango.reader import MasterDataReader
from connectors.tango.settings import TangoSettings
from connectors.tango.writer import PedidoWriter

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Startup:
    """What every command needs first: paths, configuration, secrets, and logging in place."""

    paths: Paths
    config: Config
    secrets: SecretStore
    log_file: Path
    environ: Mapping[str, str]

    def tango_settings(self) -> TangoSettings:
        return tango_settings(self.config.tango, self.secrets.get(SecretName.TANGO_PASSWORD))


@dataclass(frozen=True)
class Agent:
    """The wired agent: a cloud client and, over one Tango connection, a reader and a writer."""

    startup: Startup
    client: CloudClient
    tango: TangoConnection
    reader: MasterDataReader
    writer: PedidoWriter

    @property
    def config(self) -> Config:
        return self.startup.config


def config_path(paths: Paths, explicit: Path | None) -> Path | None:
    """The TOML to read: ``--config`` (must exist), else the data folder's if there is one."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError([f"No existe el archivo de configuración {explicit}."])
        return explicit
    return paths.config_file if paths.config_file.is_file() else None


def start(
    explicit_config: Path | None, environ: Mapping[str, str], *, console: bool = True
) -> Startup:
    """Load and validate the configuration, then set up logging with the secrets redacted."""
    paths = resolve_paths(environ)
    config = load_config(config_path(paths, explicit_config), environ)
    secrets = SecretStore(environ)
    logging_options = {
        "level": config.logging.level,
        "file_max_bytes": config.logging.file_max_mb * 1024 * 1024,
        "file_backups": config.logging.file_backups,
        "console": console,
    }
    # Logging first without secrets (reading the vault may log a warning), then again with
    # them so their literal values are blanked everywhere from here on.
    configure_logging(paths.log_dir, **logging_options)
    known = [s for s in (secrets.get(n) for n in SecretName) if s]
    log_file = configure_logging(paths.log_dir, secrets=known, **logging_options)
    log.info("agent_starting", version=__version__, data_dir=str(paths.data_dir),
             config=str(config.source) if config.source else None)
    return Startup(paths=paths, config=config, secrets=secrets, log_file=log_file,
                   environ=environ)


def cloud_client(startup: Startup) -> CloudClient:
    """The cloud client; raises ``SecretMissing`` (with how to fix it) without a token."""
    token = startup.secrets.require(SecretName.CLOUD_TOKEN)
    cloud = startup.config.cloud
    return CloudClient(
        cloud.url,
        token,
        timeout_seconds=cloud.timeout_seconds,
        user_agent=f"ACTIVO/{__version__}",
        ca_bundle=str(Path(cloud.ca_bundle).expanduser()) if cloud.ca_bundle else None,
        proxy=cloud.proxy or None,
    )


def open_store(paths: Paths) -> StateStore:
    """The machine's state store (created, and migrated, on first use)."""
    return StateStore(paths.state_db)


def engine_parts(startup: Startup, client: CloudClient, store: StateStore, *,
                 take_over: bool) -> EngineParts:
    """Everything the engine needs, from a started agent."""
    return EngineParts(
        client=client,
        tango=startup.tango_settings(),
        store=store,
        config=startup.config,
        started_at=datetime.now(UTC),
        now=lambda: datetime.now(UTC),
        read_token=lambda: SecretStore(startup.environ).get(SecretName.CLOUD_TOKEN),
        take_over=take_over,
    )


@contextlib.contextmanager
def open_agent(startup: Startup) -> Iterator[Agent]:
    """Build the agent; closes the Tango connection and the HTTP session on the way out."""
    client = cloud_client(startup)
    settings = startup.tango_settings()
    with contextlib.closing(client), open_connection(settings) as tango:
        yield Agent(
            startup=startup,
            client=client,
            tango=tango,
            reader=MasterDataReader(tango, settings),
            writer=PedidoWriter(tango, settings),
        )
