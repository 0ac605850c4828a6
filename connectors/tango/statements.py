"""Every SQL statement the writer and the doctor send, rendered for a dialect.

Kept in one place so the SQL Server form of each is syntax-checked in tests (sqlglot, T-SQL)
even though no SQL Server is reachable from our machines. Values are always ``?`` parameters;
identifiers come from our own constants or the database's catalog.
"""

from __future__ import annotations

from connectors.tango.dialects import Dialect

TALONARIO_COLUMNS = ("TALONARIO", "COMPROB", "TIPO", "SUCURSAL", "PROXIMO", "NRO_HASTA",
                     "ID_GVA43")
CUSTOMER_COLUMNS = ("COD_CLIENT", "RAZON_SOCI", "FECHA_INHA", "COD_VENDED", "COD_TRANSP",
                    "ID_GVA14")
ARTICLE_COLUMNS = ("COD_ARTICU", "DESCRIPCIO", "PERFIL", "STOCK", "ID_STA11",
                   "ID_MEDIDA_VENTAS", "ID_MEDIDA_STOCK")
DEPOSIT_COLUMNS = ("COD_SUCURS", "NOMBRE_SUC", "INHABILITA", "ID_STA22")


def lock_talonario(dialect: Dialect, columns: tuple[str, ...] = TALONARIO_COLUMNS) -> str:
    """Read the talonario row and hold it locked until commit (serialises pedido numbers)."""
    return dialect.select_locked(list(columns), "GVA43", "TALONARIO = ?")


def read_talonario(dialect: Dialect, columns: tuple[str, ...] = TALONARIO_COLUMNS) -> str:
    """Read the talonario row without locking it (doctor)."""
    return f"SELECT {', '.join(columns)} FROM {dialect.table('GVA43')} WHERE TALONARIO = ?"


def find_by_external_id(dialect: Dialect) -> str:
    """The pedido already written for a cloud order code, if any."""
    return dialect.select_first(["TALON_PED", "NRO_PEDIDO"], "GVA21", "ID_EXTERNO = ?")


def customer(dialect: Dialect, columns: tuple[str, ...] = CUSTOMER_COLUMNS) -> str:
    return f"SELECT {', '.join(columns)} FROM {dialect.table('GVA14')} WHERE COD_CLIENT = ?"


def articles(dialect: Dialect, count: int = 1, columns: tuple[str, ...] = ARTICLE_COLUMNS) -> str:
    marks = ", ".join("?" for _ in range(count))
    return (f"SELECT {', '.join(columns)} FROM {dialect.table('STA11')} "
            f"WHERE COD_ARTICU IN ({marks})")


LOOKUP_EXISTING = "X_"
LOOKUP_CUSTOMER = "C_"
LOOKUP_DEPOSIT = "D_"
LOOKUP_ARTICLE = "A_"


def pedido_lookup(dialect: Dialect, article_count: int = 1,
                  customer_columns: tuple[str, ...] = CUSTOMER_COLUMNS,
                  deposit_columns: tuple[str, ...] = DEPOSIT_COLUMNS,
                  article_columns: tuple[str, ...] = ARTICLE_COLUMNS) -> str:
    """Everything the writer checks before writing, in one statement (run under the lock).

    Parameters: the cloud order code (``ID_EXTERNO``), the customer, the depósito, then the
    ``article_count`` article codes. One row per article found (at least one row); columns
    prefixed ``X_`` (the pedido already written for the order code, if any), ``C_`` (the
    customer), ``D_`` (the depósito), ``A_`` (the article) — NULL where nothing matched.
    """
    found = ("ID_EXTERNO", "TALON_PED", "NRO_PEDIDO")
    existing = dialect.select_first(list(found), "GVA21", "ID_EXTERNO = ?")
    selected = [f"X.{c} AS {LOOKUP_EXISTING}{c}" for c in found]
    selected += [f"C.{c} AS {LOOKUP_CUSTOMER}{c}" for c in customer_columns]
    selected += [f"D.{c} AS {LOOKUP_DEPOSIT}{c}" for c in deposit_columns]
    selected += [f"A.{c} AS {LOOKUP_ARTICLE}{c}" for c in article_columns]
    marks = ", ".join("?" for _ in range(article_count))
    return (f"SELECT {', '.join(selected)} FROM (SELECT 1 AS ONE) AS B "
            f"LEFT JOIN ({existing}) AS X ON 1 = 1 "
            f"LEFT JOIN {dialect.table('GVA14')} AS C ON C.COD_CLIENT = ? "
            f"LEFT JOIN {dialect.table('STA22')} AS D ON D.COD_SUCURS = ? "
            f"LEFT JOIN {dialect.table('STA11')} AS A ON A.COD_ARTICU IN ({marks})")


def deposit(dialect: Dialect, columns: tuple[str, ...] = DEPOSIT_COLUMNS) -> str:
    return f"SELECT {', '.join(columns)} FROM {dialect.table('STA22')} WHERE COD_SUCURS = ?"


def approval_parameter(dialect: Dialect) -> str:
    """Whether the company approves pedidos (GVA16.APRUEBA_PE; low confidence)."""
    return dialect.select_first(["APRUEBA_PE"], "GVA16", "1 = 1")


def next_ids(dialect: Dialect, sequence: str = "SEQUENCE_GVA21", count: int = 1) -> str | None:
    """``count`` new ids from a sequence; None on a database without sequences (SQLite)."""
    return dialect.next_ids_sql(sequence, count)


def max_id(dialect: Dialect, table: str = "GVA21", id_column: str = "ID_GVA21") -> str:
    return dialect.max_id_sql(table, id_column)


def add_committed_stock(dialect: Dialect) -> str:
    """STA19.CANT_COMP += quantity for one article and depósito."""
    return (f"UPDATE {dialect.table('STA19')} SET CANT_COMP = COALESCE(CANT_COMP, 0) + ? "
            f"WHERE COD_ARTICU = ? AND COD_DEPOSI = ?")


def advance_talonario(dialect: Dialect) -> str:
    """Write the next PROXIMO, guarded by the value read (0 rows = someone else moved it)."""
    return (f"UPDATE {dialect.table('GVA43')} SET PROXIMO = ? "
            f"WHERE TALONARIO = ? AND PROXIMO = ?")


def probe_talonario_update(dialect: Dialect) -> str:
    """A no-op UPDATE of the talonario row: proves the login may update GVA43 (doctor)."""
    return f"UPDATE {dialect.table('GVA43')} SET PROXIMO = PROXIMO WHERE TALONARIO = ?"


def probe_stock_update(dialect: Dialect) -> str:
    """A no-op UPDATE of STA19: proves the login may update it (doctor)."""
    return (f"UPDATE {dialect.table('STA19')} SET CANT_COMP = CANT_COMP "
            f"WHERE COD_ARTICU = ? AND COD_DEPOSI = ?")


def first_row(dialect: Dialect, table: str = "GVA14", columns: tuple[str, ...] = ("COD_CLIENT",),
              where: str = "1 = 1") -> str:
    """One row of a table (the doctor picks sample data for its rolled-back probe)."""
    return dialect.select_first(list(columns), table, where)
