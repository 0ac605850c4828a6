"""``activo demo``: the whole product on one machine — cloud server, agent, Tango-shaped DB.

Builds a fresh demo Tango database (SQLite) and a fresh cloud database, starts the cloud server
and the agent as real processes, creates a company with an admin, a seller and a customer, waits
until the agent's first master-data push has landed, and prints where to log in. ``--smoke``
then places five orders as a scripted seller through the public web pages and waits until all
five are in Tango, within a hard two-minute deadline. Everything started is stopped on the way
out, also on failure. The agent token reaches the agent only through its environment.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import requests

from activo import demo_setup as setup
from activo.demo_seller import ScriptedSeller, SellerFailed, article_codes
from activo.demo_setup import DemoCast, DemoFailed, DemoLayout, DemoUsers
from activo.processes import Deadline, ProcessFailed, ProcessGroup
from connectors.tango.errors import TangoError
from connectors.tango.numbering import display_nro_pedido

SMOKE_DEADLINE_SECONDS = 120.0
STARTUP_DEADLINE_SECONDS = 120.0
SMOKE_ORDERS = 5
POLL_SECONDS = 0.3


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    smoke: bool = False
    port: int = 0


def run_demo(options: DemoOptions, environ: Mapping[str, str]) -> int:
    """Run the demo; returns the exit status (0 fine, 1 failed)."""
    layout = DemoLayout(options.data_dir)
    deadline = Deadline(SMOKE_DEADLINE_SECONDS if options.smoke else STARTUP_DEADLINE_SECONDS)
    began = time.monotonic()
    group = ProcessGroup(layout.logs)
    try:
        layout.reset()
        cast = setup.build_tango(layout)
        _say(f"Base Tango de demostración: {layout.tango_db}", began)
        url = setup.start_cloud(group, layout, options.port, environ, deadline)
        _say(f"Nube de demostración en {url}", began)
        users, token = setup.provision(group, layout, cast, environ, deadline)
        setup.write_agent_config(layout, url, cast)
        setup.start_agent(group, layout, token, environ)
        seller = ScriptedSeller(url)
        try:
            seller.login(users.seller.email, users.seller.password)
            _wait_for_master_data(group, seller, cast, deadline)
            _say("El agente envió los datos maestros de Tango a la nube.", began)
            if options.smoke:
                _smoke(group, seller, layout, cast, deadline, began)
                return 0
        finally:
            seller.close()
        _print_logins(url, users, layout)
        _wait_until_interrupted(group)
        return 0
    except KeyboardInterrupt:
        print("\nDeteniendo la demo…", file=sys.stderr)
        return 0
    except (DemoFailed, ProcessFailed, SellerFailed) as exc:
        _fail(exc.message_es, getattr(exc, "log_path", None), layout)
        return 1
    except (TangoError, requests.RequestException) as exc:
        _fail(getattr(exc, "message_es", None) or str(exc), None, layout)
        return 1
    finally:
        group.stop_all()


# --------------------------------------------------------------------------- steps


def _wait_for_master_data(
    group: ProcessGroup, seller: ScriptedSeller, cast: DemoCast, deadline: Deadline
) -> None:
    while not deadline.expired():
        group.check_alive()
        if seller.sees_customer(cast.customer_code):
            return
        time.sleep(POLL_SECONDS)
    raise DemoFailed("El agente no envió los datos maestros a tiempo.",
                     group.log_dir / "agent.log")


def _smoke(
    group: ProcessGroup, seller: ScriptedSeller, layout: DemoLayout, cast: DemoCast,
    deadline: Deadline, began: float,
) -> None:
    codes_offered = article_codes(seller.catalog(cast.customer_code))
    if len(codes_offered) < 3:
        raise DemoFailed(
            f"El catálogo del cliente {cast.customer_code} tiene menos de 3 artículos."
        )
    orders = []
    for n in range(SMOKE_ORDERS):
        picked = [codes_offered[(n + i) % len(codes_offered)] for i in range(3)]
        quantities = {code: str(i + n + 1) for i, code in enumerate(picked)}
        note = f"Pedido de prueba {n + 1}"
        orders.append(seller.place_order(cast.customer_code, quantities, note))
    _say(f"{SMOKE_ORDERS} pedidos confirmados en la nube: {', '.join(orders)}", began)
    numbers = _wait_in_tango(group, seller, layout, orders, deadline)
    _say("Los 5 pedidos están en Tango:", began)
    for code in orders:
        print(f"  {code} → pedido {display_nro_pedido(numbers[code])}")
    print(f"Prueba completa en {time.monotonic() - began:.1f} s.")


def _wait_in_tango(
    group: ProcessGroup, seller: ScriptedSeller, layout: DemoLayout, orders: list[str],
    deadline: Deadline,
) -> dict[str, str]:
    """Wait until every order is in Tango's GVA21 and shown ``in_tango`` by the cloud."""
    pending = set(orders)
    numbers: dict[str, str] = {}
    while pending and not deadline.expired():
        group.check_alive()
        in_db = _tango_numbers(layout.tango_db, sorted(pending))
        for code in sorted(pending):
            status = seller.order_status(code)
            if status.status == "error":
                raise DemoFailed(f"El pedido {code} quedó con error: {status.error}",
                                 group.log_dir / "agent.log")
            if status.status == "in_tango" and code in in_db:
                numbers[code] = status.tango_number or in_db[code]
                pending.discard(code)
        if pending:
            time.sleep(POLL_SECONDS)
    if pending:
        raise DemoFailed(
            f"Se terminó el tiempo: {len(pending)} pedido(s) no llegaron a Tango "
            f"({', '.join(sorted(pending))}).",
            group.log_dir / "agent.log",
        )
    return numbers


def _tango_numbers(db: Path, codes: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(codes))
    # Read-only and short: the agent holds the write side of this database.
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute(
            f"SELECT ID_EXTERNO, NRO_PEDIDO FROM GVA21 WHERE ID_EXTERNO IN ({marks})", codes
        ).fetchall()
    return {str(code): str(number) for code, number in rows}


def _wait_until_interrupted(group: ProcessGroup) -> None:
    while True:
        group.check_alive()
        time.sleep(1.0)


# --------------------------------------------------------------------------- output


def _say(message: str, began: float) -> None:
    print(f"[{time.monotonic() - began:5.1f} s] {message}", flush=True)


def _print_logins(url: str, users: DemoUsers, layout: DemoLayout) -> None:
    print()
    print(f"Castor Pedidos (demo): {url}/login")
    for login in users.all():
        print(f"  {login.label_es:<24} {login.email:<32} contraseña: {login.password}")
    print(f"Registros: {layout.logs}  ·  Base Tango: {layout.tango_db}")
    print("Ctrl+C para terminar.", flush=True)


def _fail(message_es: str, log_path: Path | None, layout: DemoLayout) -> None:
    print(f"activo demo: {message_es}", file=sys.stderr)
    where = log_path or layout.logs
    print(f"  Ver registros en {where}", file=sys.stderr)
