"""Writer processes for the concurrency test (importable by ``multiprocessing`` spawn)."""

from __future__ import annotations

import time

from connectors.tango.connection import open_connection
from connectors.tango.errors import TangoTransientError
from connectors.tango.settings import TangoSettings
from connectors.tango.writer import PedidoWriter
from tests.tango_suite.orders import make_order


def write_orders(settings: TangoSettings, codes: list[str]) -> list[tuple[str, str, int]]:
    """Write one order per code; ``(code, nro_pedido, retries)`` for each."""
    results = []
    with open_connection(settings) as conn:
        writer = PedidoWriter(conn, settings)
        for code in codes:
            retries = 0
            while True:
                try:
                    result = writer.write(make_order(code))
                    break
                except TangoTransientError:
                    retries += 1
                    if retries > 20:
                        raise
                    time.sleep(0.05 * retries)
            results.append((code, result.nro_pedido, retries))
    return results
