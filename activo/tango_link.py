"""A Tango connection opened on first use, for one job run.

Each engine job opens its own link: the connection is not shared between threads, an idle
engine holds no connection to the ERP, and a connection lost overnight is simply opened again
on the next run. It is both the pull's ``PedidoSink`` and the push's ``MasterDataSource``.
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.cloud.contract import ConfirmedOrder, MasterKind, MasterRecord
from connectors.tango.connection import TangoConnection, open_connection
from connectors.tango.reader import MasterDataReader
from connectors.tango.settings import TangoSettings
from connectors.tango.writer import PedidoWriter, WriteResult


class TangoLink:
    def __init__(self, settings: TangoSettings) -> None:
        self._settings = settings
        self._conn: TangoConnection | None = None
        self._reader: MasterDataReader | None = None
        self._writer: PedidoWriter | None = None

    def _connection(self) -> TangoConnection:
        if self._conn is None:
            self._conn = open_connection(self._settings)
        return self._conn

    def write(self, order: ConfirmedOrder) -> WriteResult:
        if self._writer is None:
            self._writer = PedidoWriter(self._connection(), self._settings)
        return self._writer.write(order)

    def read(self, kind: MasterKind) -> Iterable[MasterRecord]:
        return self.changes().read(kind)

    def changes(self) -> MasterDataReader:
        """The reader, whose change tracking the push uses (``activo.push_changes``)."""
        if self._reader is None:
            self._reader = MasterDataReader(self._connection(), self._settings)
        return self._reader

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._reader = self._writer = None

    def __enter__(self) -> TangoLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
