"""Order copies through the outbox to a real SMTP server: three identical messages, escaped,
and nothing lost while SMTP is down."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from connectors.cloud.contract import Customer, MasterKind, Seller
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.models import Company, Order, OutboxMail
from connectors.cloud.server.order_mail import queue_order_confirmation
from tests.support.postgres import free_port
from tests.test_server_mail_support import SmtpSink, mail_env
from tests.test_server_support import (
    Agent,
    create_company,
    create_user,
    insert_orders,
    push_demo_catalog,
    start_server,
)

OBSERVATIONS = "<b>Urgente</b> & frágil: dejar en portería"
NOTIFY = "pedidos@mailco.example"
SELLER = "vero@mailco.example"
CUSTOMER = "compras@donpepe.example"


def seed(server, slug: str = "mailco") -> None:
    token = create_company(server, slug)
    agent = Agent(server, token)
    push_demo_catalog(agent)
    assert agent.push(MasterKind.SELLERS, [Seller(code="V1", name="Verónica", email="")]).ok
    assert agent.push(MasterKind.CUSTOMERS, [Customer(
        code="C0001", name="Almacén Don Pepe", email=CUSTOMER, sale_condition=2, price_list=1,
        discount_pct=Decimal("10"), seller_code="V1")], batch_id="emails").ok
    create_user(server, slug, f"vero@{slug}.example", "vendedor", "--seller-code", "V1")


def queue_for(database_url: str, code: str) -> int:
    """What the confirm step does: queue the order's copies in one transaction."""
    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            order = session.scalar(select(Order).where(Order.code == code))
            order.observations = OBSERVATIONS
            order.customer_name = "Almacén Don Pepe"  # the web confirm sets these from Tango
            order.lines[0].description = "Yerba Mate Suave 1kg"
            queued = queue_order_confirmation(session, order, MailComposer())
            again = queue_order_confirmation(session, order, MailComposer())  # idempotent
            assert again == 0
            return queued
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def sink():
    smtp = SmtpSink().start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, sink):
    srv = start_server(tmp_path_factory.mktemp("cloud-mail"), **mail_env(sink.port))
    seed(srv)
    yield srv
    srv.stop()


def test_a_confirmed_order_reaches_company_seller_and_customer_identically(server, sink):
    [code] = insert_orders(server.database_url, "mailco", 1)
    assert queue_for(server.database_url, code) == 3
    got = sink.wait_for(lambda m: len([x for x in m if code in x.subject]) >= 3, what="3 copies")
    copies = [m for m in got if code in m.subject]
    assert sorted(r for m in copies for r in m.rcpt) == sorted([NOTIFY, SELLER, CUSTOMER])
    assert len({m.subject for m in copies}) == 1
    assert len({m.text for m in copies}) == 1 and len({m.html for m in copies}) == 1
    mail = copies[0]
    assert mail.message["From"] == "Castor Pedidos <pedidos@castor.test>"
    text, html = mail.text, mail.html
    for body in (text, html):
        assert code in body and "Almacén Don Pepe" in body and "C0001" in body
        assert "30 días" in body and "Mayorista" in body  # condition and price list
        assert "YER01" in body and "Yerba Mate Suave 1kg" in body
        assert "$ 5.001,00" in body  # 2 × 2.500,50
        assert "$ 6.051,21" in body  # + IVA 21 %
    assert OBSERVATIONS in text
    assert "&lt;b&gt;Urgente&lt;/b&gt; &amp; frágil" in html and "<b>Urgente" not in html


def test_each_message_is_sent_once_and_marked_sent(server, sink):
    [code] = insert_orders(server.database_url, "mailco", 1)
    queue_for(server.database_url, code)
    sink.wait_for(lambda m: len([x for x in m if code in x.subject]) >= 3, what="3 copies")
    db = Database.from_url(server.database_url)
    try:
        for _ in range(100):  # the SMTP server accepts before the worker commits "sent"
            with db.transaction() as session:
                company_id = session.scalar(select(Company.id).where(Company.slug == "mailco"))
                pending = session.scalar(select(func.count()).select_from(OutboxMail).where(
                    OutboxMail.company_id == company_id, OutboxMail.status != "sent"))
            if pending == 0:
                break
            time.sleep(0.1)
    finally:
        db.dispose()
    assert pending == 0
    assert len([x for x in sink.snapshot() if code in x.subject]) == 3


def test_nothing_is_lost_while_smtp_is_down(tmp_path):
    port = free_port()  # nothing listens here yet
    server = start_server(tmp_path / "down", **mail_env(port))
    try:
        seed(server, "downco")
        [code] = insert_orders(server.database_url, "downco", 1)
        queue_for(server.database_url, code)
        db = Database.from_url(server.database_url)
        try:
            attempts = 0
            for _ in range(200):  # until the worker has failed at least twice
                with db.transaction() as session:
                    attempts = session.scalar(select(func.max(OutboxMail.attempts))) or 0
                if attempts >= 2:
                    break
                time.sleep(0.05)
            assert attempts >= 2
            with db.transaction() as session:
                rows = session.scalars(select(OutboxMail)).all()
                assert len(rows) == 3 and {r.status for r in rows} == {"pending"}
                assert all(r.last_error for r in rows if r.attempts)
        finally:
            db.dispose()
        sink = SmtpSink(port).start()
        try:
            got = sink.wait_for(lambda m: len(m) >= 3, timeout=30, what="3 copies after outage")
            time.sleep(1.0)  # any duplicate would show up now
            assert len(sink.snapshot()) == 3
            assert sorted(r for m in got for r in m.rcpt) == sorted(
                ["pedidos@downco.example", "vero@downco.example", CUSTOMER])
        finally:
            sink.stop()
    finally:
        server.stop()
