"""Two ``castor-cloud serve`` processes on one PostgreSQL database: orders confirmed through
both are each leased once, and the two outbox workers send each e-mail exactly once (to a real
SMTP server)."""

from __future__ import annotations

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors.cloud.contract import Customer, LeasedOrders, LeaseRequest, MasterKind
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.models import Order
from connectors.cloud.server.order_mail import queue_order_confirmation
from tests.test_server_mail_support import SmtpSink, mail_env
from tests.test_server_support import (
    Agent,
    CloudServer,
    create_company,
    create_user,
    push_demo_catalog,
    start_server,
)
from tests.test_server_web import csrf_of, login

pytestmark = pytest.mark.postgres

ORDERS_PER_PROCESS = 6
RECIPIENTS = ("pedidos@mpco.example", "vero@mpco.example", "compras@donpepe.example")


@pytest.fixture
def sink():
    smtp = SmtpSink().start()
    yield smtp
    smtp.stop()


def confirm(server: CloudServer, count: int) -> list[str]:
    """Confirm ``count`` orders through this process's Vendedor Móvil pages."""
    seller = login(server, "vero@mpco.example")
    codes = []
    for _ in range(count):
        page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=20)
        response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=20,
                               allow_redirects=False,
                               data={"csrf_token": csrf_of(page.text), "qty_YER01": "2"})
        assert response.status_code == 303, response.text
        codes.append(response.headers["location"].rsplit("/", 1)[1])
    return codes


def test_two_processes_share_leases_and_outbox(pg_cluster, tmp_path, sink):
    url = pg_cluster.psycopg_url(pg_cluster.create_database())
    env = mail_env(sink.port)
    first = start_server(tmp_path / "mp", url, **env)
    second = CloudServer(database_url=url, workdir=first.workdir, env_extra=first.env_extra).start()
    try:
        token = create_company(first, "mpco")
        agent = Agent(first, token)
        push_demo_catalog(agent)
        assert agent.push(MasterKind.CUSTOMERS, [Customer(
            code="C0001", name="Almacén Don Pepe", email=RECIPIENTS[2], sale_condition=2,
            price_list=1, discount_pct=Decimal("10"), seller_code="V1")], batch_id="mail").ok
        create_user(first, "mpco", RECIPIENTS[1], "vendedor", "--seller-code", "V1")

        with ThreadPoolExecutor(2) as pool:
            codes = [c for batch in pool.map(confirm, (first, second),
                                             (ORDERS_PER_PROCESS,) * 2) for c in batch]
        assert len(set(codes)) == 2 * ORDERS_PER_PROCESS

        # The confirm step queued the copies already: queueing again adds nothing.
        db = Database.from_url(url)
        try:
            with db.transaction() as session:
                composer = MailComposer()
                again = sum(queue_order_confirmation(session, order, composer) for order in
                            session.scalars(select(Order).where(Order.code.in_(codes))))
        finally:
            db.dispose()
        assert again == 0

        def lease_all(a: Agent) -> list[str]:
            got: list[str] = []
            for _ in range(100):
                batch = LeasedOrders.model_validate(a.post(
                    "/orders/lease", LeaseRequest(wait_seconds=0, max_orders=2)).json()).orders
                if not batch:
                    break
                got.extend(lo.order.code for lo in batch)
            return got

        agents = [Agent(first, token), Agent(second, token)] * 3
        with ThreadPoolExecutor(len(agents)) as pool:
            leased = [code for result in pool.map(lease_all, agents) for code in result]
        assert sorted(leased) == sorted(codes)  # every order leased, none twice

        expected = len(codes) * len(RECIPIENTS)
        sink.wait_for(lambda m: len(m) >= expected, timeout=60, what=f"{expected} e-mails")
        time.sleep(1.5)  # a duplicate would arrive now
        got = sink.snapshot()
        pairs = Counter((re.search(r"CP-\d+", m.subject).group(0), m.rcpt) for m in got)
        assert len(got) == expected and max(pairs.values()) == 1
        assert {code for code, _ in pairs} == set(codes)
        assert {rcpt for _, (rcpt,) in pairs} == set(RECIPIENTS)
        sent_by = [(s.workdir / f"server-{s.port}.log").read_text().count("mail_sent")
                   for s in (first, second)]
        assert sum(sent_by) == expected, sent_by
    finally:
        second.stop()
        first.stop()
