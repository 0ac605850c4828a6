"""A fault-injecting proxy on 127.0.0.1 between the agent and the cloud server.

It speaks just enough HTTP/1.1 to find where a request and its response end (``Content-Length``
or chunked), so it can inject faults at the moments that matter for exactly-once delivery:

- **latency**: every request waits ``latency_s`` (plus up to ``jitter_s``) before it is forwarded;
- **reset mid-request**: only part of the request reaches the server, then both connections
  are closed with a TCP RST (``SO_LINGER 0``): the server never acts on it;
- **lost ack**: the whole request is forwarded and the whole response read (so the server has
  committed), then the client's connection is reset without the response.

Faults are drawn from a seeded ``random.Random`` and apply only to paths accepted by
``applies_to`` (the agent API by default). Counters say what was injected. One thread per client
connection, at most ``max_connections`` at once; ``stop()`` closes everything.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.postgres import free_port

MAX_HEAD = 64 * 1024


@dataclass
class FaultCounts:
    requests: int = 0
    forwarded: int = 0
    delayed: int = 0
    resets: int = 0
    lost_responses: int = 0
    by_path: dict[str, int] = field(default_factory=dict)
    faults_by_path: dict[str, int] = field(default_factory=dict)

    @property
    def injected(self) -> int:
        return self.resets + self.lost_responses


class ProxyClosed(Exception):
    pass


class FaultProxy:
    """``with FaultProxy(upstream_port) as proxy: ... proxy.url ...``"""

    def __init__(self, upstream_port: int, *, seed: int = 8, latency_s: float = 0.0,
                 jitter_s: float = 0.0, reset_rate: float = 0.0, lost_response_rate: float = 0.0,
                 applies_to: Callable[[str, str], bool] | None = None,
                 max_connections: int = 32, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.latency_s = latency_s
        self.jitter_s = jitter_s
        self.reset_rate = reset_rate
        self.lost_response_rate = lost_response_rate
        self.per_shape: dict[str, tuple[float, float]] = {}
        self._forced: dict[str, list[str]] = {}
        self.applies_to = applies_to or (lambda _method, path: path.startswith("/api/v1/agent"))
        self.counts = FaultCounts()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self.port = free_port()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", self.port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._acceptor = threading.Thread(target=self._accept_loop, name="fault-proxy",
                                          daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def force(self, shape: str, *faults: str) -> None:
        """The next requests of ``shape`` get exactly these faults (``"reset"`` / ``"lost"``),
        in order, before the random draws resume: so a test is sure the faults it needs
        happen, however few such requests the run makes."""
        with self._lock:
            self._forced.setdefault(shape, []).extend(faults)

    def set_faults(self, *, latency_s: float | None = None, jitter_s: float | None = None,
                   reset_rate: float | None = None,
                   lost_response_rate: float | None = None,
                   per_shape: dict[str, tuple[float, float]] | None = None) -> None:
        """Change the faults; ``per_shape`` maps a path shape (``/orders/lease``,
        ``/orders/*/ack``) to its own ``(reset_rate, lost_response_rate)``."""
        with self._lock:
            if per_shape is not None:
                self.per_shape = dict(per_shape)
            if latency_s is not None:
                self.latency_s = latency_s
            if jitter_s is not None:
                self.jitter_s = jitter_s
            if reset_rate is not None:
                self.reset_rate = reset_rate
            if lost_response_rate is not None:
                self.lost_response_rate = lost_response_rate

    def start(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _hard_close(sock)
        self._acceptor.join(timeout=5)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ plumbing

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._slots.acquire(timeout=5):
                _hard_close(client)
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _track(self, sock: socket.socket) -> socket.socket:
        sock.settimeout(60)
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            self._track(client)
            client_reader = _Reader(client)
            while not self._stopping.is_set():
                head, body = client_reader.read_message()
                if head is None:
                    return
                method, path = _request_line(head)
                fault = self._draw(method, path)
                if upstream is None:
                    upstream = self._track(socket.create_connection(self.upstream, timeout=10))
                    upstream_reader = _Reader(upstream)
                request = head + body
                if fault == "reset":
                    # Half the request (never all of it): the server cannot act on it.
                    upstream.sendall(request[: max(1, len(head) // 2)])
                    with self._lock:
                        self.counts.resets += 1
                    _hard_close(client)
                    _hard_close(upstream)
                    return
                try:
                    upstream.sendall(request)
                    rhead, rbody = upstream_reader.read_message(response_to=method)
                except ConnectionResetError:
                    rhead, rbody = None, b""  # reset before a single byte of answer
                if rhead is None:
                    # The server closed its idle keep-alive connection (uvicorn: after 5 s)
                    # before this request: it never saw it. Like any proxy, reconnect and send
                    # it again; only the faults drawn above are injected, never this one.
                    _close_quietly(upstream)
                    with self._lock:
                        self._sockets.discard(upstream)
                    upstream = self._track(socket.create_connection(self.upstream, timeout=10))
                    upstream_reader = _Reader(upstream)
                    upstream.sendall(request)
                    rhead, rbody = upstream_reader.read_message(response_to=method)
                    if rhead is None:
                        _hard_close(client)
                        return
                if fault == "lost":
                    with self._lock:
                        self.counts.lost_responses += 1
                    _hard_close(client)
                    _hard_close(upstream)
                    return
                client.sendall(rhead + rbody)
                with self._lock:
                    self.counts.forwarded += 1
                if b"connection: close" in rhead.lower():
                    return
        except (OSError, ProxyClosed, ValueError):
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.close()
                    with self._lock:
                        self._sockets.discard(sock)
            self._slots.release()

    def _draw(self, method: str, path: str) -> str | None:
        with self._lock:
            self.counts.requests += 1
            key = path.split("?", 1)[0]
            self.counts.by_path[key] = self.counts.by_path.get(key, 0) + 1
            if not self.applies_to(method, path):
                return None
            delay = self.latency_s + (self._random.uniform(0, self.jitter_s)
                                      if self.jitter_s else 0.0)
            roll = self._random.random()
            reset_rate, lost_rate = self.per_shape.get(
                _shape(path), (self.reset_rate, self.lost_response_rate))
            forced = self._forced.get(_shape(path))
            fault = forced.pop(0) if forced else None
            if delay:
                self.counts.delayed += 1
        if delay:
            time.sleep(delay)
        if fault is None and roll < reset_rate:
            fault = "reset"
        elif fault is None and roll < reset_rate + lost_rate:
            fault = "lost"
        if fault:
            name = f"{fault} {_shape(path)}"
            with self._lock:
                self.counts.faults_by_path[name] = self.counts.faults_by_path.get(name, 0) + 1
        return fault


class _Reader:
    """Reads whole HTTP/1.1 messages (head + body) from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if not self._fill():
                raise ProxyClosed("peer closed mid-message")
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise ProxyClosed("peer closed mid-line")
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line + b"\r\n"

    def read_message(self, response_to: str | None = None) -> tuple[bytes | None, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > MAX_HEAD:
                raise ValueError("head too long")
            if not self._fill():
                if self.buffer:
                    raise ProxyClosed("peer closed mid-head")
                return None, b""
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        head += b"\r\n\r\n"
        headers = _headers(head)
        if response_to == "HEAD" or _no_body_status(head, response_to):
            return head, b""
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size_line = self._line()
                body += size_line
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                body += self._take(size + 2)
                if size == 0:
                    return head, body
        length = int(headers.get("content-length", "0") or 0)
        return head, self._take(length)


def _shape(path: str) -> str:
    """``/api/v1/agent/orders/CP-00000012/ack`` → ``/orders/*/ack``."""
    parts = path.split("?", 1)[0].removeprefix("/api/v1/agent").split("/")
    if len(parts) > 3 and parts[1] == "orders":
        parts[2] = "*"
    return "/".join(parts)


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    out: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def _request_line(head: bytes) -> tuple[str, str]:
    first = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    if len(first) < 2:
        raise ValueError("not an HTTP request")
    return first[0], first[1]


def _no_body_status(head: bytes, response_to: str | None) -> bool:
    if response_to is None:
        return False
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200
    return status in (204, 304) or 100 <= status < 200


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


def _hard_close(sock: socket.socket) -> None:
    """Close with a TCP RST, like a middlebox dropping the connection."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
