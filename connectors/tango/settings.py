"""Settings of the Tango connector: every assumption about the customer's Tango, in one place.

Built once by the agent's composition root from the ``[tango]`` section of its config and
passed in; the connector never reads files or the environment itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# How the reader skips rows it already knows unchanged, per master kind (``change_tracking``):
# "row_version" — SQL Server's rowversion ROW_VERSION, new on every insert and update by anyone;
# "fecha_modi"  — FECHA_MODI, re-read with an overlap (Tango may keep only the date);
# "off"         — read the whole table every time.
CHANGE_MODES = ("row_version", "fecha_modi", "off")
# The big tables are tracked; the small ones (a few dozen rows) cost less to read whole.
DEFAULT_CHANGE_TRACKING: Mapping[str, str] = {
    "articles": "row_version", "prices": "row_version", "customers": "row_version",
    "stock": "row_version", "price_lists": "off", "sellers": "off", "sale_conditions": "off",
    "deposits": "off", "vat_rates": "off",
}


def parse_change_tracking(text: str) -> dict[str, str]:
    """``"prices=fecha_modi, stock=off"`` over the defaults; ``"off"`` turns every kind off.

    Raises ``ValueError`` (Spanish) for an unknown kind or mode.
    """
    modes = dict(DEFAULT_CHANGE_TRACKING)
    text = text.strip()
    if text.lower() == "off":
        return dict.fromkeys(modes, "off")
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        kind, sep, mode = (s.strip().lower() for s in part.partition("="))
        if not sep or kind not in modes or mode not in CHANGE_MODES:
            raise ValueError(
                f"«{part}» no se entiende: use TIPO=MODO separados por comas, con TIPO uno de "
                f"{', '.join(modes)} y MODO uno de {', '.join(CHANGE_MODES)} (o solo «off»)")
        modes[kind] = mode
    return modes


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
    # kind → "row_version" | "fecha_modi" | "off" (kinds not named: DEFAULT_CHANGE_TRACKING).
    change_tracking: Mapping[str, str] = field(
        default_factory=lambda: dict(DEFAULT_CHANGE_TRACKING))
    # Every tracked kind is still read whole this often: catches a change that did not touch
    # its change column (and anything else the tracking could miss). The hash decides.
    full_read_minutes: int = 60
    fecha_modi_overlap_days: int = 1  # "fecha_modi" re-reads rows changed since mark − this

    def change_mode(self, kind: str) -> str:
        """The configured tracking of ``kind`` ("off" for a kind or mode not known)."""
        mode = self.change_tracking.get(kind, DEFAULT_CHANGE_TRACKING.get(kind, "off"))
        return mode if mode in CHANGE_MODES else "off"
