"""A tiny cloud stand-in on 127.0.0.1 that answers what the test tells it and counts requests.

A real server cannot be told to fail with 500/503/429/401, so the cloud-fault tests point the
agent at this stub. ``answer(path) -> (status, headers, body)`` decides each answer; every
request is recorded with its monotonic time, so a test can count requests over a window.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Seen:
    at: float
    method: str
    path: str
    status: int
    authorization: str


def json_answer(status: int, body: object, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode()


def heartbeat_ok() -> Answer:
    return json_answer(200, {"server_time": datetime.now(UTC).isoformat(), "company": "stub"})


def lease_empty() -> Answer:
    return json_answer(200, {"orders": []})


def master_ok(body: bytes) -> Answer:
    batch = json.loads(body or b"{}")
    return json_answer(200, {"kind": batch.get("kind", "articles"),
                             "batch_id": batch.get("batch_id", "x"),
                             "upserted": len(batch.get("records", [])),
                             "deleted": len(batch.get("deleted", []))})


def healthy(path: str, body: bytes) -> Answer:
    """What a healthy, empty cloud answers."""
    if path.endswith("/heartbeat"):
        return heartbeat_ok()
    if path.endswith("/orders/lease"):
        return lease_empty()
    if path.endswith("/master-data"):
        return master_ok(body)
    return json_answer(200, {"ok": True, "status": ""})


class HttpStub:
    def __init__(self, answer: Callable[[str, bytes], Answer]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = stub.answer(self.path, body)
                with stub._lock:
                    stub.seen.append(Seen(time.monotonic(), self.command, self.path, status,
                                          self.headers.get("Authorization", "")))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def requests(self, *, since: float = 0.0, path_suffix: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.at >= since and s.path.endswith(path_suffix)]

    def __enter__(self) -> HttpStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
