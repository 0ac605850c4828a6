"""What one catalog page, one confirm and the outbox worker cost the database.

Counted with SQLAlchemy's statement events on a real SQLite database seeded through the agent
API: the catalog page stays within a fixed number of statements, the confirm's write
transaction reads nothing once it has started writing (on SQLite the first INSERT takes the
write lock), and the outbox worker leaves the database alone while no SMTP host exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from starlette.requests import Request

from connectors.cloud.contract import Channel, Heartbeat, MasterKind, Seller
from connectors.cloud.server import carts, checkout, orders
from connectors.cloud.server.app import create_app
from connectors.cloud.server.background import BackgroundWorker
from connectors.cloud.server.db import Database
from connectors.cloud.server.mail_compose import ComposedMail, MailComposer
from connectors.cloud.server.models import (
    Cart,
    Company,
    CompanySettings,
    CustomerRow,
    Order,
    OutboxMail,
    User,
)
from connectors.cloud.server.outbox import queue_mail
from connectors.cloud.server.sessions import load_viewer, open_session
from connectors.cloud.server.settings import Settings
from connectors.cloud.server.web import cart_pages
from connectors.cloud.server.web.seller_routes import _shop
from tests.support.postgres import free_port
from tests.test_server_support import (
    Agent,
    create_company,
    create_user,
    push_demo_catalog,
    start_server,
)

# customer, price list, articles, stock, images, cart, sale condition, rubros, data freshness
CATALOG_PAGE_MAX_STATEMENTS = 9
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    server = start_server(tmp_path_factory.mktemp("budget"))
    try:
        agent = Agent(server, create_company(server, "budget"))
        push_demo_catalog(agent)
        assert agent.push(MasterKind.SELLERS, [Seller(code="V1", name="Verónica")]).ok
        now = datetime.now(UTC)  # a running agent reports in
        assert agent.post("/heartbeat", Heartbeat(agent_version="t", host="h", started_at=now,
                                                  sent_at=now, last_master_sync_at=now)).ok
        create_user(server, "budget", "vero@budget.example", "vendedor", "--seller-code", "V1")
    finally:
        server.stop()  # its outbox worker must not run beside the tests' own
    return server.database_url


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _writes(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith(WRITES)]


@pytest.fixture()
def app_context(database_url):  # type: ignore[no-untyped-def]
    app = create_app(Settings.from_env({"CASTOR_DATABASE_URL": database_url}))
    yield app, app.state.context
    app.state.context.db.dispose()


def _viewer(db: Database):  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "vero@budget.example"))
        cookie = open_session(session, user, timedelta(hours=1))
    with db.transaction() as session:
        return load_viewer(session, cookie)


def _request(app) -> Request:  # type: ignore[no-untyped-def]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [],
                    "query_string": b"", "app": app, "root_path": ""})


def test_a_catalog_page_costs_a_fixed_number_of_statements(app_context):
    app, ctx = app_context
    viewer = _viewer(ctx.db)
    shop = _shop(viewer, "C0001")
    for query, expected in (("yerba", "YER01"), ("", "AZU01"), ("azu", "AZU01")):
        with statements(ctx.db) as seen:
            response = cart_pages.catalog_response(_request(app), ctx, viewer, shop, q=query)
        assert response.status_code == 200 and expected in response.body.decode()
        assert len(seen) <= CATALOG_PAGE_MAX_STATEMENTS, seen
        assert not _writes(seen)  # a page view never writes


def test_the_confirm_write_transaction_only_writes_once_it_has_started(app_context):
    _app, ctx = app_context
    viewer = _viewer(ctx.db)
    with ctx.db.transaction() as session:
        customer = session.scalar(select(CustomerRow).where(CustomerRow.record_key == "C0001"))
        cart = carts.open_cart(session, viewer.company_id, viewer.user_id, "C0001")
        checked = checkout.check_cart(
            session, company_id=viewer.company_id, channel=Channel.VENDEDOR, customer=customer,
            cart=cart, typed={"YER01": "2", "AZU01": "3"}, header={}, placed_by=viewer.email)
    assert checked.draft is not None, checked.errors
    number = orders.reserve_order_number(ctx.db.engine, viewer.company_id)
    with statements(ctx.db) as seen, ctx.db.transaction() as session:
        row = checkout.store_checked(
            session, company_id=viewer.company_id, order_prefix="CP", customer=customer,
            draft=checked.draft, number=number, submission_id="budget-1",
            user_id=viewer.user_id, composer=MailComposer())
    first_write = next(i for i, s in enumerate(seen) if s.startswith(WRITES))
    assert seen[first_write].startswith("INSERT INTO orders")
    assert _writes(seen[first_write:]) == seen[first_write:], seen[first_write:]
    with ctx.db.transaction() as session:
        stored = session.scalar(select(Order).where(Order.code == row.code))
        assert [line.article_code for line in stored.lines] == ["YER01", "AZU01"]
        assert session.scalar(select(Cart).where(Cart.user_id == viewer.user_id)) is None
        mails = session.scalars(select(OutboxMail.to_addr).where(
            OutboxMail.dedupe_key.like(f"order:{stored.id}:%"))).all()
        assert "vero@budget.example" in mails and "pedidos@budget.example" in mails


def test_without_any_smtp_host_the_outbox_worker_pauses_instead_of_churning(database_url):
    settings = Settings.from_env({"CASTOR_DATABASE_URL": database_url,
                                  "CASTOR_OUTBOX_RETRY_SECONDS": "60"})
    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            company_id = session.scalar(select(Company.id).where(Company.slug == "budget"))
            session.query(OutboxMail).delete()
            for n in range(3):
                queue_mail(session, company_id=company_id, kind="test",
                           to_addr=f"x{n}@budget.example",
                           mail=ComposedMail(subject="s", text="t", html=""))
        worker = BackgroundWorker(settings, db, MailComposer())
        assert worker.send_due() == 0
        with db.transaction() as session:
            tried = session.scalars(select(OutboxMail).where(OutboxMail.attempts > 0)).all()
            assert len(tried) == 1 and tried[0].last_error == "no SMTP host configured"
        for _ in range(3):  # later ticks inside the pause: reads only, nothing claimed
            with statements(db) as seen:
                assert worker.send_due() == 0
            assert seen and not _writes(seen), seen
        with db.transaction() as session:
            assert len(session.scalars(
                select(OutboxMail).where(OutboxMail.attempts > 0)).all()) == 1
            # The admin sets the company's SMTP server: the worker tries again at once.
            session.merge(CompanySettings(company_id=company_id, smtp_host="127.0.0.1",
                                          smtp_port=free_port(), smtp_security="none"))
        with statements(db) as seen:
            assert worker.send_due() == 0  # nothing listens on that port: a real failure
        assert any(s.startswith("UPDATE mail_outbox") for s in seen)
        with db.transaction() as session:
            assert len(session.scalars(
                select(OutboxMail).where(OutboxMail.attempts > 0)).all()) == 2
    finally:
        db.dispose()
