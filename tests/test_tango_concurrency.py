"""Two writer processes share one talonario: every pedido gets its own consecutive number."""

from __future__ import annotations

import multiprocessing

from connectors.tango.numbering import decode_proximo, parse_nro_pedido
from tests.tango_suite import fixtures
from tests.tango_suite.workers import write_orders

tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template

ORDERS = 200


def test_two_processes_write_200_orders_with_distinct_consecutive_numbers(tango_db):
    codes = [f"CP-{i:08d}" for i in range(1, ORDERS + 1)]
    halves = [codes[0::2], codes[1::2]]  # interleaved: both processes compete all the time
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(write_orders, [(tango_db.settings, half) for half in halves])
    written = [r for batch in results for r in batch]

    numbers = sorted(parse_nro_pedido(nro)[2] for _code, nro, _retries in written)
    first = tango_db.facts.first_number
    assert numbers == list(range(first, first + ORDERS))
    rows = tango_db.rows("SELECT ID_EXTERNO, NRO_PEDIDO FROM GVA21")
    assert len(rows) == ORDERS
    assert {r["ID_EXTERNO"]: r["NRO_PEDIDO"] for r in rows} == {c: n for c, n, _ in written}
    proximo = tango_db.scalar("SELECT PROXIMO FROM GVA43 WHERE TALONARIO = ?",
                              (tango_db.facts.talonario,))
    assert decode_proximo(proximo) == first + ORDERS
    assert int(tango_db.scalar("SELECT COUNT(*) AS n FROM GVA03")) == ORDERS * 3
