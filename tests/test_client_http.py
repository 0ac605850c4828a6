"""The agent's HTTP client against a real (stdlib) HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.cloud.client import (
    CloudAuthError,
    CloudClient,
    CloudProtocolError,
    CloudRejected,
    CloudServerError,
    CloudUnreachable,
)
from connectors.cloud.contract import (
    CONTRACT_HEADER,
    CONTRACT_VERSION,
    FailureKind,
    OrderAck,
    OrderFailure,
)

TOKEN = "agent-token-123"


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeCloud:
    """Answers each request with the next scripted reply and records what it received."""

    url: str
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


@pytest.fixture
def cloud() -> Iterator[FakeCloud]:
    fake = FakeCloud(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append(
                {"path": self.path, "headers": dict(self.headers),
                 "body": json.loads(self.rfile.read(length) or b"null")}
            )
            reply = fake.replies.pop(0) if fake.replies else Reply(500, {"detail": "no script"})
            time.sleep(reply.delay)
            body = reply.body
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def _client(url: str, **kwargs) -> CloudClient:
    kwargs.setdefault("sleep", lambda _s: None)
    return CloudClient(url, TOKEN, **kwargs)


def _order_json(code: str = "CP-00000001") -> dict:
    return {
        "order": {
            "code": code, "channel": "vendedor", "customer_code": "C0001", "price_list": 1,
            "prices_include_vat": False, "sale_condition": 1,
            "confirmed_at": "2024-05-01T12:00:00+00:00",
            "lines": [{"line_no": 1, "article_code": "A1", "quantity": "2", "unit_price": "10.5"}],
        },
        "lease_token": "lease-1",
        "lease_expires_at": "2024-05-01T12:02:00+00:00",
        "attempt": 1,
    }


def _ack() -> OrderAck:
    return OrderAck(lease_token="l", tango_talonario=6, tango_number="X0065200001018",
                    written_at=datetime.now(UTC))


def test_lease_sends_token_contract_and_body(cloud):
    cloud.replies.append(Reply(200, {"orders": [_order_json()]}))
    leased = _client(cloud.url).lease_orders(wait_seconds=0, max_orders=5)
    assert [lo.order.code for lo in leased.orders] == ["CP-00000001"]
    [request] = cloud.requests
    assert request["path"] == "/api/v1/agent/orders/lease"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"][CONTRACT_HEADER] == str(CONTRACT_VERSION)
    assert request["body"] == {"wait_seconds": 0, "max_orders": 5}


def test_ack_and_failure_hit_the_order_paths(cloud):
    cloud.replies += [Reply(200, {"ok": True, "status": "in_tango"}), Reply(200, {"ok": True})]
    client = _client(cloud.url)
    assert client.ack("CP-1", _ack()).status == "in_tango"
    client.report_failure(
        "CP-1", OrderFailure(lease_token="l", kind=FailureKind.BUSINESS, message_es="Sin precio")
    )
    assert [r["path"] for r in cloud.requests] == [
        "/api/v1/agent/orders/CP-1/ack", "/api/v1/agent/orders/CP-1/failure"
    ]
    assert cloud.requests[1]["body"]["kind"] == "business"


def test_401_is_an_auth_error_saying_the_token_is_invalid(cloud):
    cloud.replies.append(Reply(401, {"detail": "invalid or revoked agent token"}))
    with pytest.raises(CloudAuthError) as caught:
        _client(cloud.url).ack("CP-1", _ack())
    assert "token inválido" in caught.value.message_es
    assert len(cloud.requests) == 1  # never retried


def test_5xx_is_retried_then_raised_as_a_server_error(cloud):
    cloud.replies += [Reply(500, {"detail": "boom"})] * 3
    with pytest.raises(CloudServerError) as caught:
        _client(cloud.url, retries=2).ack("CP-1", _ack())
    assert caught.value.retriable
    assert len(cloud.requests) == 3


def test_a_transient_failure_then_success_returns_the_answer(cloud):
    cloud.replies += [Reply(503, {"detail": "busy"}), Reply(200, {"ok": True})]
    assert _client(cloud.url).ack("CP-1", _ack()).ok
    assert len(cloud.requests) == 2


def test_429_honours_retry_after_within_bounds(cloud):
    delays: list[float] = []
    cloud.replies += [Reply(429, {"detail": "slow down"}, {"Retry-After": "2"}), Reply(200, {})]
    cloud.replies[-1] = Reply(200, {"ok": True})
    _client(cloud.url, sleep=delays.append).ack("CP-1", _ack())
    assert len(delays) == 1 and 2.0 <= delays[0] <= 3.0


def test_other_4xx_is_rejected_with_the_servers_detail(cloud):
    cloud.replies.append(Reply(409, {"detail": "order CP-1 is in Tango as another number"}))
    with pytest.raises(CloudRejected) as caught:
        _client(cloud.url).ack("CP-1", _ack())
    assert caught.value.status == 409
    assert "another number" in caught.value.detail
    assert not caught.value.retriable


def test_fastapi_validation_details_are_kept_readable(cloud):
    cloud.replies.append(Reply(422, {"detail": [{"loc": ["body", "kind"], "msg": "bad"}]}))
    with pytest.raises(CloudRejected, match="bad"):
        _client(cloud.url).ack("CP-1", _ack())


def test_an_answer_off_contract_is_a_protocol_error(cloud):
    cloud.replies.append(Reply(200, {"unexpected": 1}))
    with pytest.raises(CloudProtocolError):
        _client(cloud.url).lease_orders(0, 1)


def test_a_read_timeout_is_unreachable_and_an_ack_is_retried(cloud):
    cloud.replies += [Reply(200, {"orders": []}, delay=1.5)] * 3
    client = _client(cloud.url, timeout_seconds=0.3)
    with pytest.raises(CloudUnreachable):
        client.ack("CP-1", _ack())  # idempotent: retried
    assert len(cloud.requests) == 3


def test_a_lease_read_timeout_is_not_retried(cloud):
    cloud.replies += [Reply(200, {"orders": []}, delay=1.5)] * 3
    client = _client(cloud.url, timeout_seconds=0.3, lease_margin_seconds=0.2)
    with pytest.raises(CloudUnreachable) as caught:
        client.lease_orders(wait_seconds=0, max_orders=1)
    assert "no respondió" in caught.value.message_es
    assert len(cloud.requests) == 1


def test_the_lease_read_timeout_covers_the_long_poll(cloud):
    cloud.replies.append(Reply(200, {"orders": []}, delay=1.0))
    leased = _client(cloud.url, timeout_seconds=0.3).lease_orders(wait_seconds=1, max_orders=1)
    assert leased.orders == []


def test_an_unreachable_server_names_the_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed as soon as the block ends: nobody listens
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(CloudUnreachable) as caught:
        _client(url, retries=1).ack("CP-1", _ack())
    assert url in caught.value.message_es
    assert url in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://pedidos.example.com", "http://10.0.0.5:8000", "ftp://x", "pedidos.com"]
)
def test_plain_http_is_refused_except_to_this_machine(url):
    with pytest.raises(ValueError, match=r"https://|dirección web"):
        CloudClient(url, TOKEN)


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1", "http://[::1]:9000", "https://x.com.ar/"]
)
def test_https_and_loopback_http_are_accepted(url):
    assert CloudClient(url, TOKEN).base_url == url.rstrip("/")
