"""An idle connection outlives a reverse proxy's usual idle timeout: the server must not close a
connection the proxy (or a phone's browser) is about to reuse."""

from __future__ import annotations

import http.client
import time

from tests.test_server_support import start_server


def test_an_idle_connection_is_kept_longer_than_uvicorns_five_seconds(tmp_path):
    server = start_server(tmp_path / "ka")
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", "/healthz")
        first = conn.getresponse()
        assert first.status == 200 and first.read()
        sock = conn.sock
        time.sleep(6.5)  # uvicorn's own default closes after 5 s of silence
        conn.request("GET", "/healthz")  # a closed connection: RemoteDisconnected here
        second = conn.getresponse()
        assert second.status == 200 and second.read()
        assert conn.sock is sock  # the very same connection, not a new one
        conn.close()
    finally:
        server.stop()


def test_a_nonsense_keep_alive_is_refused(tmp_path):
    server = start_server(tmp_path / "ka0")
    server.stop()
    result = server.cli("serve", "--keep-alive", "0", check=False)
    assert result.returncode == 2 and "--keep-alive" in result.stderr
