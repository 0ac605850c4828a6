"""Settings of the Tango connector: every assumption about the customer's Tango, in one place.

Built once by the agent's composition root from the ``[tango]`` section of its config and
passed in; the connector never reads files or the environment itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TangoSettings:
    connection: str  # "sqlite:PATH", or an ODBC connection string without the password
    password: str | None = None  # joined as PWD=… only when connecting, never logged
    dialect: str = "auto"  # auto | sqlserver | postgresql | sqlite
    talonario: int = 6  # GVA43.TALONARIO used for pedidos (COMPROB = 'PED')
    deposit: str = "1"  # STA22.COD_SUCURS the lines are taken from
    estado: str = "2"  # "1" Ingresado, "2" Aprobado, or "auto" (from GVA16.APRUEBA_PE)
    commit_stock: bool = False  # COMP_STK and STA19.CANT_COMP kept in step
    user: str = "ACTIVO"  # USUARIO_INGRESO
    decimals: int = 2  # rounding of money
    lock_timeout_seconds: int = 10
    fetch_size: int = 1000  # rows per fetchmany when reading master data
    defaults: dict[str, dict[str, object]] = field(default_factory=dict)  # table → column → value
    # STA11 column holding the article's rubro/family. Tango has no single standard one; many
    # companies keep the rubro in DESC_ADIC. Empty: articles are sent without family.
    family_column: str = "DESC_ADIC"
