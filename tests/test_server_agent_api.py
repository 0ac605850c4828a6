"""The agent API through real HTTP against a real ``castor-cloud serve`` process."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import requests

from connectors.cloud.contract import (
    AGENT_API_PREFIX,
    Article,
    FailureKind,
    Heartbeat,
    HeartbeatAck,
    LeasedOrders,
    LeaseRequest,
    MasterDataAck,
    MasterKind,
    OrderAck,
    OrderFailure,
)
from tests.test_server_support import (
    Agent,
    CloudServer,
    create_company,
    insert_orders,
    push_demo_catalog,
    start_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    srv = start_server(tmp_path_factory.mktemp("cloud-agent-api"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def fast_server(tmp_path_factory) -> CloudServer:
    """Leases of 1 s and transient retries after 1 s, to watch them expire."""
    srv = start_server(tmp_path_factory.mktemp("cloud-fast"), CASTOR_LEASE_SECONDS="1",
                       CASTOR_TRANSIENT_RETRY_SECONDS="1")
    yield srv
    srv.stop()


_slugs = iter(f"empresa{n}" for n in range(1000))


@pytest.fixture
def agent(server) -> Agent:
    """A fresh company (so queues never mix between tests) and its agent."""
    slug = next(_slugs)
    ag = Agent(server, create_company(server, slug))
    ag.slug = slug  # type: ignore[attr-defined]
    return ag


def _lease(agent: Agent, wait: int = 0, max_orders: int = 10) -> LeasedOrders:
    response = agent.post("/orders/lease", LeaseRequest(wait_seconds=wait, max_orders=max_orders))
    assert response.status_code == 200, response.text
    return LeasedOrders.model_validate(response.json())


def _ack(lease_token: str, number: str = "X0065200001018") -> OrderAck:
    return OrderAck(lease_token=lease_token, tango_talonario=6, tango_number=number,
                    written_at=datetime.now(UTC))


# --------------------------------------------------------------------------- authentication


@pytest.mark.parametrize("path", ["/orders/lease", "/orders/CP-00000001/ack",
                                  "/orders/CP-00000001/failure", "/master-data", "/heartbeat"])
@pytest.mark.parametrize("authorization", [None, "Bearer cst_wrong", "Basic abc", "Bearer "])
def test_agent_endpoints_refuse_missing_or_wrong_token(server, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(server.url(AGENT_API_PREFIX + path), json={}, headers=headers,
                             timeout=10)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_revoked_token_is_refused(server):
    token = create_company(server, "revocada")
    agent = Agent(server, token)
    assert agent.post("/orders/lease", LeaseRequest(wait_seconds=0)).status_code == 200
    server.cli("agent-token", "revoke", "--company", "revocada")
    response = agent.post("/orders/lease", LeaseRequest(wait_seconds=0))
    assert response.status_code == 401


def test_unsupported_contract_version_is_400(agent):
    response = agent.http.post(agent.server.url(AGENT_API_PREFIX + "/orders/lease"),
                               json={"wait_seconds": 0}, headers={"X-Castor-Contract": "99"},
                               timeout=10)
    assert response.status_code == 400
    assert "99" in response.json()["detail"]


def test_token_of_one_company_never_sees_another_companys_orders(server, agent):
    other = Agent(server, create_company(server, "otra"))
    insert_orders(server.database_url, "otra", 1)
    assert _lease(agent).orders == []
    assert len(_lease(other).orders) == 1


# --------------------------------------------------------------------------- master data


def test_master_data_upsert_is_idempotent_and_deletes(agent):
    records = [Article(code="A1", description="Uno"), Article(code="A2", description="Dos")]
    first = agent.push(MasterKind.ARTICLES, records, batch_id="b1")
    again = agent.push(MasterKind.ARTICLES, records, batch_id="b1")
    assert first.status_code == again.status_code == 200
    assert MasterDataAck.model_validate(again.json()) == MasterDataAck(
        kind=MasterKind.ARTICLES, batch_id="b1", upserted=2, deleted=0)
    changed = agent.push(MasterKind.ARTICLES, [Article(code="A1", description="Uno nuevo")],
                         deleted=["A2"], batch_id="b2")
    assert changed.json()["upserted"] == 1 and changed.json()["deleted"] == 1

    from sqlalchemy import select

    from connectors.cloud.server.db import Database
    from connectors.cloud.server.models import ArticleRow

    db = Database.from_url(agent.server.database_url)
    try:
        with db.transaction() as session:
            rows = session.execute(select(ArticleRow.code, ArticleRow.description)).all()
    finally:
        db.dispose()
    mine = {code: desc for code, desc in rows if code in {"A1", "A2"}}
    assert mine == {"A1": "Uno nuevo"}


def test_invalid_master_record_is_422_and_changes_nothing(agent):
    agent.push(MasterKind.ARTICLES, [Article(code="OK1", description="Bien")])
    response = agent.post("/master-data", {
        "kind": "articles", "batch_id": "bad",
        "records": [{"code": "OK1", "description": "Cambiado"}, {"code": "X"}],
    })
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def test_full_demo_catalog_is_accepted(agent):
    push_demo_catalog(agent)


# --------------------------------------------------------------------------- lease lifecycle


def test_lease_ack_lifecycle(agent):
    code, = insert_orders(agent.server.database_url, agent.slug, 1)
    leased = _lease(agent)
    assert [lo.order.code for lo in leased.orders] == [code]
    lease = leased.orders[0]
    assert lease.attempt == 1
    assert lease.order.lines[0].unit_price == Decimal("2500.50")
    assert _lease(agent).orders == []  # held by the lease

    ok = agent.post(f"/orders/{code}/ack", _ack(lease.lease_token))
    assert ok.status_code == 200 and ok.json()["status"] == "in_tango"
    repeat = agent.post(f"/orders/{code}/ack", _ack(lease.lease_token))
    assert repeat.status_code == 200
    other_number = agent.post(f"/orders/{code}/ack", _ack(lease.lease_token, "X0065200009999"))
    assert other_number.status_code == 409
    assert agent.post("/orders/CP-99999999/ack", _ack("x")).status_code == 404
    assert _lease(agent).orders == []


def test_business_failure_parks_the_order(agent):
    code, = insert_orders(agent.server.database_url, agent.slug, 1)
    lease = _lease(agent).orders[0]
    failure = OrderFailure(lease_token=lease.lease_token, kind=FailureKind.BUSINESS,
                           message_es="El artículo YER01 no existe en Tango.")
    response = agent.post(f"/orders/{code}/failure", failure)
    assert response.status_code == 200 and response.json()["status"] == "error"
    assert _lease(agent).orders == []
    stale = agent.post(f"/orders/{code}/failure", failure)
    assert stale.status_code == 409


def test_failure_with_unknown_code_is_404(agent):
    failure = OrderFailure(lease_token="t", kind=FailureKind.BUSINESS, message_es="x")
    assert agent.post("/orders/NOPE-1/failure", failure).status_code == 404


def test_expired_lease_comes_back_and_old_ack_still_counts(fast_server):
    agent = Agent(fast_server, create_company(fast_server, "expira"))
    code, = insert_orders(fast_server.database_url, "expira", 1)
    first = _lease(agent).orders[0]
    assert _lease(agent).orders == []
    time.sleep(1.3)
    second = _lease(agent).orders[0]
    assert second.order.code == code
    assert second.attempt == 2 and second.lease_token != first.lease_token
    # The first agent finished after all: Tango's ID_EXTERNO check made that safe.
    assert agent.post(f"/orders/{code}/ack", _ack(first.lease_token)).status_code == 200


def test_transient_failure_is_offered_again_after_the_delay(fast_server):
    agent = Agent(fast_server, create_company(fast_server, "transitorio"))
    code, = insert_orders(fast_server.database_url, "transitorio", 1)
    lease = _lease(agent).orders[0]
    failure = OrderFailure(lease_token=lease.lease_token, kind=FailureKind.TRANSIENT,
                           message_es="Tango no responde.", detail="lock timeout")
    response = agent.post(f"/orders/{code}/failure", failure)
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert _lease(agent).orders == []  # not before the delay
    again = _lease(agent, wait=5)
    assert [lo.order.code for lo in again.orders] == [code]
    assert again.orders[0].attempt == 2


def test_long_poll_returns_promptly_when_an_order_arrives(agent):
    result: dict = {}

    def wait_for_orders() -> None:
        started = time.monotonic()
        result["leased"] = _lease(agent, wait=15)
        result["returned_at"] = time.monotonic()
        result["started_at"] = started

    thread = threading.Thread(target=wait_for_orders)
    thread.start()
    time.sleep(1.0)
    code, = insert_orders(agent.server.database_url, agent.slug, 1)
    inserted_at = time.monotonic()
    thread.join(timeout=20)
    assert [lo.order.code for lo in result["leased"].orders] == [code]
    assert result["returned_at"] - inserted_at < 2.0
    assert result["returned_at"] - result["started_at"] >= 0.9


def test_long_poll_with_nothing_to_do_waits_then_answers_empty(agent):
    started = time.monotonic()
    assert _lease(agent, wait=1).orders == []
    assert 0.9 <= time.monotonic() - started < 5


def test_concurrent_leases_across_two_server_processes_never_share_an_order(server, agent):
    twin = CloudServer(database_url=server.database_url, workdir=server.workdir).start()
    try:
        codes = insert_orders(server.database_url, agent.slug, 30)
        token = agent.http.headers["Authorization"].removeprefix("Bearer ")
        agents = [Agent(server, token), Agent(twin, token)] * 3

        def lease_all(a: Agent) -> list[str]:
            got = []
            while True:
                batch = _lease(a, max_orders=3).orders
                if not batch:
                    return got
                got.extend(lo.order.code for lo in batch)

        with ThreadPoolExecutor(len(agents)) as pool:
            results = list(pool.map(lease_all, agents))
    finally:
        twin.stop()
    leased = [code for result in results for code in result]
    assert sorted(leased) == sorted(codes)  # every order once, none twice


# --------------------------------------------------------------------------- heartbeat


def test_heartbeat_is_stored_and_answered(agent):
    now = datetime.now(UTC)
    beat = Heartbeat(agent_version="0.1.0", host="ERP-SRV", started_at=now, sent_at=now,
                     orders_pending=2)
    response = agent.post("/heartbeat", beat)
    assert response.status_code == 200
    ack = HeartbeatAck.model_validate(response.json())
    assert ack.company == agent.slug and ack.server_time.tzinfo is not None
    assert agent.post("/heartbeat", beat.model_copy(update={"orders_pending": 0})).ok
