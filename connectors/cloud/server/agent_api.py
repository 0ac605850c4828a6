"""The agent API (``/api/v1/agent``): what ACTIVO calls, exactly as the contract describes."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from connectors.cloud.contract import (
    AGENT_API_PREFIX,
    CONTRACT_HEADER,
    CONTRACT_VERSION,
    Accepted,
    Heartbeat,
    HeartbeatAck,
    LeasedOrders,
    LeaseRequest,
    MasterDataAck,
    MasterDataBatch,
    OrderAck,
    OrderFailure,
)
from connectors.cloud.server import agents, alerts, master_data, orders
from connectors.cloud.server.company_settings import offline_minutes
from connectors.cloud.server.context import AppContext, get_context
from connectors.cloud.server.sqltypes import utcnow

SUPPORTED_CONTRACT_VERSIONS = frozenset({CONTRACT_VERSION})

Context = Annotated[AppContext, Depends(get_context)]


def check_contract_version(
    version: Annotated[str | None, Header(alias=CONTRACT_HEADER)] = None,
) -> None:
    """400 unless the agent speaks a contract version we speak (a missing header means 1)."""
    if version is None:
        return
    try:
        number = int(version)
    except ValueError:
        number = -1
    if number not in SUPPORTED_CONTRACT_VERSIONS:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"unsupported contract version {version!r}; this server speaks "
            f"{sorted(SUPPORTED_CONTRACT_VERSIONS)}",
        )


def authenticate_agent(
    ctx: Context, authorization: Annotated[str | None, Header()] = None
) -> agents.AgentIdentity:
    """The calling agent from its bearer token; 401 otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("missing bearer token")
    with ctx.db.transaction() as session:
        identity = agents.identify(session, token)
    if identity is None:
        raise _unauthorized("invalid or revoked agent token")
    return identity


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


Agent = Annotated[agents.AgentIdentity, Depends(authenticate_agent)]

router = APIRouter(prefix=AGENT_API_PREFIX, dependencies=[Depends(check_contract_version)])


@router.post("/orders/lease", response_model=LeasedOrders)
async def lease_orders(
    body: LeaseRequest, request: Request, ctx: Context, agent: Agent
) -> LeasedOrders:
    """Long-poll: lease available orders now, or wait up to ``wait_seconds`` for some.

    The wait re-checks the database (not process memory), so an order confirmed through any
    server instance wakes the agent within one poll interval.
    """
    deadline = time.monotonic() + body.wait_seconds
    policy = ctx.lease_policy

    def lease_once() -> list:
        with ctx.db.transaction() as session:
            return orders.lease_orders(session, agent.company_id, body.max_orders, policy)

    while True:
        leased = await run_in_threadpool(lease_once)
        remaining = deadline - time.monotonic()
        if leased or remaining <= 0:
            return LeasedOrders(orders=leased)
        await asyncio.sleep(min(ctx.settings.long_poll_interval, remaining))
        if await request.is_disconnected():
            return LeasedOrders(orders=[])


@router.post("/orders/{code}/ack", response_model=Accepted)
def ack_order(code: str, body: OrderAck, ctx: Context, agent: Agent) -> Accepted:
    """The order is in Tango: 200 (also on repeats), 404 unknown, 409 different number."""
    with ctx.db.transaction() as session:
        try:
            row = orders.acknowledge(session, agent.company_id, code, body)
        except orders.OrderNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown order {code!r}") from None
        except orders.OrderConflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return Accepted(status=row.status)


@router.post("/orders/{code}/failure", response_model=Accepted)
def order_failure(code: str, body: OrderFailure, ctx: Context, agent: Agent) -> Accepted:
    """The agent could not write the order: park it or schedule a retry."""
    with ctx.db.transaction() as session:
        try:
            row = orders.record_failure(session, agent.company_id, code, body, ctx.lease_policy)
        except orders.OrderNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown order {code!r}") from None
        except orders.OrderConflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        return Accepted(status=row.status)


@router.post("/master-data", response_model=MasterDataAck)
def push_master_data(body: MasterDataBatch, ctx: Context, agent: Agent) -> MasterDataAck:
    """Apply one batch of one kind atomically; 422 names the first invalid record."""
    try:
        with ctx.db.transaction() as session:
            return master_data.apply_batch(session, agent.company_id, body)
    except ValueError as exc:  # pydantic's ValidationError: nothing was written
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


@router.post("/heartbeat", response_model=HeartbeatAck)
def heartbeat(body: Heartbeat, ctx: Context, agent: Agent) -> HeartbeatAck:
    """Store the agent's latest status summary; 409 when another host's agent is active."""
    with ctx.db.transaction() as session:
        minutes = offline_minutes(session, agent.company_id, ctx.settings.agent_offline_minutes)
        try:
            agents.record_heartbeat(session, agent.company_id, body,
                                    silent_after=timedelta(minutes=minutes))
        except agents.AgentConflict as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        alerts.agent_is_back(session, agent.company_id, body.host, utcnow(), ctx.mail)
    return HeartbeatAck(server_time=utcnow(), company=agent.company_slug)
