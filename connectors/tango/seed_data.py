"""The demo seed as rows per table, plus the facts tests need about it (pure, deterministic).

Same rows every time (a fixed random seed, fixed dates), so tests can count on them and the
PostgreSQL suite sees exactly what the SQLite demo shows.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.tango import seed_catalog as cat
from connectors.tango.numbering import encode_proximo

TALONARIO = 6
TALONARIO_TIPO = "X"
TALONARIO_SUCURSAL = 652
FIRST_NUMBER = 1018
INVOICE_TALONARIO = 1  # a talonario of invoices: not for pedidos
PRICE_LISTS = ((1, "Mayorista", False), (2, "Minorista con IVA", True), (3, "Distribuidores",
                                                                          False))
_EPOCH = datetime(2024, 3, 1)  # noqa: DTZ001 - Tango dates are naive
_PAST = datetime(2023, 6, 30)  # noqa: DTZ001
_FUTURE = datetime(2099, 12, 31)  # noqa: DTZ001
_DISABLED_CUSTOMERS = (6, 17, 29)  # 1-based positions in seed_catalog.CUSTOMERS
_FUTURE_DISABLED = 11  # inhabilitation date in the future: still enabled today


@dataclass(frozen=True)
class SeedFacts:
    """What the seed contains, for tests and the demo."""

    talonario: int
    first_number: int
    tipo: str
    sucursal: int
    invoice_talonario: int
    deposits: tuple[str, ...]
    sellers: tuple[str, ...]
    customers_by_seller: dict[str, tuple[str, ...]]
    enabled_customers: tuple[str, ...]
    disabled_customers: tuple[str, ...]
    sellable_articles: tuple[str, ...]
    disabled_articles: tuple[str, ...]
    non_stock_articles: tuple[str, ...]
    price_lists: tuple[int, ...]
    vat_included_list: int
    counts: dict[str, int]  # rows per table


def _cuit(prefix: str, rng: random.Random) -> str:
    body = prefix + f"{rng.randrange(10_000_000, 99_999_999)}"
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    check = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    check = {11: 0, 10: 9}.get(check, check)  # 10 → 9 is what AFIP assigns in practice
    return f"{body[:2]}-{body[2:]}-{check}"


def _ean13(rng: random.Random) -> str:
    body = "779" + "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in plain if ch.isalnum())[:24]


def _price(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def seed_rows() -> dict[str, list[dict[str, Any]]]:
    """Every seeded row, by table, keyed by Tango column name."""
    rng = random.Random(20240301)  # noqa: S311 - demo data, not security
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in (
        "GVA41", "MEDIDA", "STA11", "GVA10", "GVA17", "GVA01", "GVA23", "GVA24", "GVA14",
        "STA22", "STA19", "GVA43", "GVA16")}
    vat_by_rate = {rate: code for code, _desc, rate in cat.VAT_RATES}
    for code, desc, rate in cat.VAT_RATES:
        rows["GVA41"].append({"ID_GVA41": code, "COD_ALICUO": code, "DESCRIPCIO": desc,
                              "PORCENTAJE": Decimal(rate)})
    unit_ids = {sigla: uid for uid, _c, _d, sigla in cat.UNITS}
    for uid, code, desc, sigla in cat.UNITS:
        rows["MEDIDA"].append({"ID_MEDIDA": uid, "COD_MEDIDA": code, "DESC_MEDIDA": desc,
                               "SIGLA_MEDIDA": sigla, "CANT_DECIMAL_MEDIDA": 3 if sigla == "KG"
                               else 0})
    # Articles.
    articles: list[tuple[str, str, str, str, str, Decimal, bool]] = []
    counters: dict[str, int] = {}
    for rubro, vat, unit, template, variants, base in cat.FAMILIES:
        for i, variant in enumerate(variants):
            prefix = cat.RUBRO_PREFIX[rubro]
            counters[prefix] = counters.get(prefix, 0) + 1
            code = f"{prefix}{counters[prefix]:04d}"
            jitter = Decimal(rng.randrange(-8, 12)) / 100
            factor = Decimal(1) + Decimal(i) * Decimal("0.35") + jitter
            articles.append((code, template.format(v=variant), rubro, vat, unit,
                             _price(Decimal(base) * factor), True))
    for code, desc, price in cat.SERVICES:
        articles.append((code, desc, "Servicios", "21", "UNI", Decimal(price), False))
    disabled = {a[0] for a in articles[5::37]}  # a few, spread over rubros
    for id_sta11, (code, desc, rubro, vat, unit, _, stock) in enumerate(articles, start=1):
        rows["STA11"].append({
            "ID_STA11": id_sta11, "COD_ARTICU": code, "COD_STA11": code, "DESCRIPCIO": desc,
            "DESC_ADIC": rubro, "SINONIMO": f"P{id_sta11:05d}",
            "COD_BARRA": _ean13(rng) if stock else "", "PERFIL": "N" if code in disabled else "A",
            "STOCK": stock, "COD_IVA": vat_by_rate[vat], "COD_IVA_CO": vat_by_rate[vat],
            "ID_GVA41_COD_IVA": vat_by_rate[vat], "ID_MEDIDA_VENTAS": unit_ids[unit],
            "ID_MEDIDA_STOCK": unit_ids[unit], "ADMITE_VENTA_FRACCIONADA": unit == "KG",
            "REV_PEND": False, "FECHA_ALTA": _EPOCH, "FECHA_MODI": _EPOCH,
        })
    # Price lists and prices: every sellable article in every list.
    for number, name, includes_vat in PRICE_LISTS:
        rows["GVA10"].append({"ID_GVA10": number, "NRO_DE_LIS": number, "NOMBRE_LIS": name,
                              "HABILITADA": True, "INCLUY_IVA": includes_vat,
                              "INCLUY_IMP": includes_vat, "MON_CTE": True, "DECIMALES": 2})
    id_gva17 = 0
    for index, (code, _d, _r, vat, _u, price, _s) in enumerate(articles, start=1):
        if code in disabled:
            continue
        for number, _name, _includes_vat in PRICE_LISTS:
            value = {1: price, 2: price * Decimal("1.25") * (1 + Decimal(vat) / 100),
                     3: price * Decimal("0.92")}[number]
            id_gva17 += 1
            rows["GVA17"].append({"ID_GVA17": id_gva17, "NRO_DE_LIS": number, "COD_ARTICU": code,
                                  "PRECIO": _price(value), "ID_GVA10": number, "ID_STA11": index,
                                  "FECHA_MODI": _EPOCH})
    for code, desc, cash in cat.SALE_CONDITIONS:
        rows["GVA01"].append({"ID_GVA01": code, "COND_VTA": code, "DESC_COND": desc,
                              "CONTADO": "S" if cash else "N", "ACEPTA_CONTADO": True,
                              "PORC_MIN_CONTADO": Decimal(0), "ACEPTA_CTA": not cash,
                              "OBLIGA_CONTADO": cash})
    for i, (code, name, email) in enumerate(cat.SELLERS, start=1):
        rows["GVA23"].append({"ID_GVA23": i, "COD_VENDED": code, "COD_GVA23": code,
                              "NOMBRE_VEN": name, "E_MAIL": email, "INHABILITA": False,
                              "PORC_COMIS": Decimal("3.5")})
    for i, (code, name, cuit) in enumerate(cat.TRANSPORTS, start=1):
        rows["GVA24"].append({"ID_GVA24": i, "COD_TRANSP": code, "COD_GVA24": code,
                              "NOMBRE_TRA": name, "CUIT_TRANS": cuit})
    for i, (razon, nom, localidad, domicilio, prefix) in enumerate(cat.CUSTOMERS, start=1):
        code = f"{100 + i:06d}"
        seller = cat.SELLERS[(i - 1) % len(cat.SELLERS)][0]
        inha = _PAST if i in _DISABLED_CUSTOMERS else (_FUTURE if i == _FUTURE_DISABLED else None)
        rows["GVA14"].append({
            "ID_GVA14": i, "COD_CLIENT": code, "COD_GVA14": code, "RAZON_SOCI": razon,
            "NOM_COM": nom, "CUIT": _cuit(prefix, rng), "E_MAIL": f"compras@{_slug(nom)}.com.ar",
            "DOMICILIO": domicilio, "LOCALIDAD": localidad, "C_POSTAL": f"{1800 + i * 7}",
            "TELEFONO_1": f"11 4{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
            "COND_VTA": cat.SALE_CONDITIONS[i % len(cat.SALE_CONDITIONS)][0],
            "NRO_LISTA": PRICE_LISTS[i % len(PRICE_LISTS)][0],
            "PORC_DESC": Decimal((0, 0, 2, 5, 0, 3, 10)[i % 7]),
            "COD_VENDED": seller, "COD_TRANSP": cat.TRANSPORTS[i % len(cat.TRANSPORTS)][0],
            "CUPO_CREDI": Decimal(rng.randrange(5, 80) * 50_000),
            "SALDO_CC": _price(Decimal(rng.randrange(0, 2_500_000)) / 10),
            "FECHA_ALTA": _EPOCH, "FECHA_INHA": inha, "FECHA_MODI": _EPOCH, "MON_CTE": True,
            "INHABILITADO_NEXO_PEDIDOS": "N", "ID_GVA23": (i - 1) % len(cat.SELLERS) + 1,
        })
    for i, (code, name, address) in enumerate(cat.DEPOSITS, start=1):
        rows["STA22"].append({"ID_STA22": i, "COD_SUCURS": code, "COD_STA22": code,
                              "NOMBRE_SUC": name, "DIR_SUCURS": address, "INHABILITA": False,
                              "ABASTECE": True})
    for index, (code, _d, _r, _v, _u, _p, stock) in enumerate(articles, start=1):
        if not stock:
            continue
        for id_sta22, (deposit, _n, _a) in enumerate(cat.DEPOSITS, start=1):
            rows["STA19"].append({"COD_ARTICU": code, "COD_DEPOSI": deposit,
                                  "CANT_STOCK": Decimal(rng.randrange(0, 600)),
                                  "CANT_COMP": Decimal(rng.randrange(0, 20)),
                                  "CANT_PEND": Decimal(0), "ID_STA11": index,
                                  "ID_STA22": id_sta22})
    rows["GVA43"] += [
        {"ID_GVA43": 1, "TALONARIO": INVOICE_TALONARIO, "COMPROB": "FAC", "DESCRIP": "Facturas A",
         "TIPO": "A", "SUCURSAL": 652, "PROXIMO": encode_proximo(5231), "NRO_DESDE": 1,
         "NRO_HASTA": 99999999},
        {"ID_GVA43": 2, "TALONARIO": TALONARIO, "COMPROB": "PED", "DESCRIP": "Pedidos Castor",
         "TIPO": TALONARIO_TIPO, "SUCURSAL": TALONARIO_SUCURSAL,
         "PROXIMO": encode_proximo(FIRST_NUMBER), "NRO_DESDE": 1, "NRO_HASTA": 99999999},
    ]
    rows["GVA16"].append({"ID_GVA16": 1, "APRUEBA_PE": False})
    return rows


def seed_facts() -> SeedFacts:
    """Facts about ``seed_rows()`` that tests and the demo rely on."""
    rows = seed_rows()
    customers = rows["GVA14"]
    by_seller: dict[str, list[str]] = {}
    for c in customers:
        by_seller.setdefault(c["COD_VENDED"], []).append(c["COD_CLIENT"])
    today = datetime(2030, 1, 1)  # noqa: DTZ001 - between the past and the future dates
    return SeedFacts(
        talonario=TALONARIO,
        first_number=FIRST_NUMBER,
        tipo=TALONARIO_TIPO,
        sucursal=TALONARIO_SUCURSAL,
        invoice_talonario=INVOICE_TALONARIO,
        deposits=tuple(d["COD_SUCURS"] for d in rows["STA22"]),
        sellers=tuple(s["COD_VENDED"] for s in rows["GVA23"]),
        customers_by_seller={k: tuple(v) for k, v in by_seller.items()},
        enabled_customers=tuple(c["COD_CLIENT"] for c in customers
                                if c["FECHA_INHA"] is None or c["FECHA_INHA"] > today),
        disabled_customers=tuple(c["COD_CLIENT"] for c in customers
                                 if c["FECHA_INHA"] is not None and c["FECHA_INHA"] <= today),
        sellable_articles=tuple(a["COD_ARTICU"] for a in rows["STA11"] if a["PERFIL"] != "N"),
        disabled_articles=tuple(a["COD_ARTICU"] for a in rows["STA11"] if a["PERFIL"] == "N"),
        non_stock_articles=tuple(a["COD_ARTICU"] for a in rows["STA11"] if not a["STOCK"]),
        price_lists=tuple(p[0] for p in PRICE_LISTS),
        vat_included_list=next(p[0] for p in PRICE_LISTS if p[2]),
        counts={table: len(table_rows) for table, table_rows in rows.items()},
    )
