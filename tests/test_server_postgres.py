"""The same server on PostgreSQL (psycopg 3): migrations, upserts, leases, web order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.cloud.contract import (
    Article,
    LeasedOrders,
    LeaseRequest,
    MasterKind,
    OrderAck,
    Price,
)
from tests.test_server_support import (
    Agent,
    CloudServer,
    create_company,
    create_user,
    insert_orders,
    push_demo_catalog,
    start_server,
)
from tests.test_server_web import csrf_of, login

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_servers(pg_cluster, tmp_path_factory):
    url = pg_cluster.psycopg_url(pg_cluster.create_database())
    first = start_server(tmp_path_factory.mktemp("cloud-pg"), url)
    second = CloudServer(database_url=url, workdir=first.workdir).start()
    yield first, second
    second.stop()
    first.stop()


def test_master_data_and_leases_on_postgres(pg_servers):
    server, twin = pg_servers
    token = create_company(server, "pgco")
    agent = Agent(server, token)
    push_demo_catalog(agent)
    push_demo_catalog(agent)  # idempotent
    changed = agent.push(MasterKind.PRICES, [Price(price_list=1, article_code="YER01",
                                                   price=Decimal("123456789012.1234567"))],
                         deleted=["1|AZU01"])
    assert changed.status_code == 200 and changed.json()["deleted"] == 1
    assert agent.push(MasterKind.ARTICLES, [Article(code="Z", description="z")]).ok

    codes = insert_orders(server.database_url, "pgco", 24)
    agents = [Agent(server, token), Agent(twin, token)] * 3

    def lease_all(a: Agent) -> list[str]:
        got = []
        while True:
            batch = LeasedOrders.model_validate(a.post(
                "/orders/lease", LeaseRequest(wait_seconds=0, max_orders=2)).json()).orders
            if not batch:
                return got
            got.extend(lo.order.code for lo in batch)

    with ThreadPoolExecutor(len(agents)) as pool:
        leased = [code for result in pool.map(lease_all, agents) for code in result]
    assert sorted(leased) == sorted(codes)


def test_web_order_on_postgres(pg_servers):
    server, _ = pg_servers
    agent = Agent(server, create_company(server, "pgweb"))
    push_demo_catalog(agent)
    create_user(server, "pgweb", "vero@pgweb.example", "vendedor", "--seller-code", "V1")
    seller = login(server, "vero@pgweb.example")
    page = seller.get(server.url("/vendedor/clientes/C0001/catalogo"), timeout=10)
    assert "$ 2.500,50" in page.text
    response = seller.post(server.url("/vendedor/clientes/C0001/pedido"), timeout=10,
                           allow_redirects=False,
                           data={"csrf_token": csrf_of(page.text), "qty_YER01": "3"})
    assert response.status_code == 303
    code = response.headers["location"].rsplit("/", 1)[1]
    lease = LeasedOrders.model_validate(agent.post(
        "/orders/lease", LeaseRequest(wait_seconds=2)).json()).orders[0]
    assert lease.order.code == code and lease.order.lines[0].quantity == 3
    ack = OrderAck(lease_token=lease.lease_token, tango_talonario=6,
                   tango_number="X0065200000001", written_at=datetime.now(UTC))
    assert agent.post(f"/orders/{code}/ack", ack).ok
    assert seller.get(server.url(f"/api/v1/orders/{code}"), timeout=10).json()["status"] \
        == "in_tango"
