"""Schema drift: a newer (or older) Tango than ours still gets correct pedidos, or a clear error.

On PostgreSQL through psqlODBC: GVA21 gains NOT NULL columns we never heard of (filled by typed
zeros or the defaults template) and loses one we map (skipped with a warning); a NOT NULL
column of a type without a zero is a configuration error naming TABLE.COLUMN.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from connectors.tango.errors import TangoConfigError
from connectors.tango.writer import PedidoWriter
from tests.tango_suite import fixtures
from tests.tango_suite.databases import psql
from tests.tango_suite.orders import make_order

tango_db = fixtures.tango_db
tango_sqlite_template = fixtures.tango_sqlite_template
tango_pg_template = fixtures.tango_pg_template

pytestmark = pytest.mark.odbc


@pytest.fixture
def pg_db(tango_db):
    assert tango_db.kind == "postgresql"
    return tango_db


def _write(db, order, **settings):
    with db.connect(**settings) as conn:
        return PedidoWriter(conn, db.with_settings(**settings)).write(order)


@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_extra_not_null_columns_and_a_missing_mapped_column_still_write(pg_db):
    psql(pg_db.cluster, pg_db.name,
         "ALTER TABLE gva21 ADD COLUMN nueva_marca boolean NOT NULL",
         "ALTER TABLE gva21 ADD COLUMN nuevo_importe numeric(22,7) NOT NULL",
         "ALTER TABLE gva21 ADD COLUMN nuevo_texto varchar(10) NOT NULL",
         "ALTER TABLE gva21 ADD COLUMN nueva_fecha timestamp NOT NULL",
         "ALTER TABLE gva21 ADD COLUMN cod_origen integer NOT NULL",
         "ALTER TABLE gva21 ADD COLUMN con_default integer NOT NULL DEFAULT 42",
         "ALTER TABLE gva21 DROP COLUMN leyenda_3",
         "ALTER TABLE gva03 ADD COLUMN id_lote integer NOT NULL")
    defaults = {"GVA21": {"COD_ORIGEN": 7}}
    with capture_logs() as logs:
        result = _write(pg_db, make_order(), defaults=defaults)
    assert result.nro_pedido == "X0065200001018"
    row = pg_db.rows("SELECT nueva_marca, nuevo_importe, nuevo_texto, nueva_fecha, cod_origen, "
                     "con_default, leyenda_1 FROM gva21")[0]
    assert row["nueva_marca"] in (False, "0")
    assert Decimal(str(row["nuevo_importe"])) == 0
    assert row["nuevo_texto"] == ""
    assert row["nueva_fecha"].year == 1800
    assert row["cod_origen"] == 7  # from the template
    assert row["con_default"] == 42  # the database's own default
    assert row["leyenda_1"].startswith("Castor ")
    assert int(pg_db.scalar("SELECT COUNT(*) AS n FROM gva03 WHERE id_lote = 0")) == 3
    assert any(e["event"] == "tango.column_missing_skipped" and e["column"] == "LEYENDA_3"
               for e in logs)


@pytest.mark.parametrize("tango_db", ["postgresql"], indirect=True)
def test_a_not_null_column_without_a_zero_is_a_config_error_naming_it(pg_db):
    psql(pg_db.cluster, pg_db.name, "ALTER TABLE gva21 ADD COLUMN token_externo uuid NOT NULL")
    with pytest.raises(TangoConfigError) as caught:
        _write(pg_db, make_order())
    assert "GVA21.TOKEN_EXTERNO" in str(caught.value)
    assert "GVA21.TOKEN_EXTERNO" in caught.value.message_es
    assert int(pg_db.scalar("SELECT COUNT(*) AS n FROM gva21")) == 0
    # The template can fill it: IT's fix works without a new version of the agent.
    fixed = {"GVA21": {"TOKEN_EXTERNO": "00000000-0000-0000-0000-000000000000"}}
    assert _write(pg_db, make_order(), defaults=fixed).already_present is False
