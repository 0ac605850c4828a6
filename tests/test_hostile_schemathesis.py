"""schemathesis against the server's own OpenAPI (``/api/openapi.json``): the agent API with a
valid agent token, and the JSON order status with a logged-in seller's cookie. Checks: never a
5xx, every answer matches its declared schema. Bounded: a few examples per operation,
deterministic generation, a request timeout; the CLI runs in a subprocess.

The long-poll lease is fuzzed in its own short run: every example may wait up to
``wait_seconds`` (≤ 30 s), so it gets fewer examples and a lower wait through pending orders.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connectors.cloud.contract import CONTRACT_HEADER, CONTRACT_VERSION
from tests.test_server_channel_support import SELLER, login, start_channel_server

pytestmark = [pytest.mark.fault, pytest.mark.timeout(420)]

ST = Path(sys.executable).with_name("st")
CHECKS = os.environ.get("ACTIVO_ST_CHECKS", "not_a_server_error,response_schema_conformance")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_channel_server(tmp_path_factory.mktemp("schemathesis"))
    yield srv
    srv.stop()


def _st(server, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    token = server.agent.http.headers["Authorization"]  # type: ignore[attr-defined]
    cookie = "; ".join(f"{c.name}={c.value}" for c in login(server, SELLER).cookies)
    done = subprocess.run(
        [str(ST), "run", server.url("/api/openapi.json"), "--checks", CHECKS,
         "--generation-deterministic", "--request-timeout", "40", "--no-color",
         "-H", f"Authorization: {token}", "-H", f"{CONTRACT_HEADER}: {CONTRACT_VERSION}",
         "-H", f"Cookie: {cookie}", "--report", "junit",
         "--report-junit-path", str(tmp_path / "junit.xml"), *args],
        capture_output=True, text=True, timeout=360, cwd=tmp_path,
    )
    print(done.stdout[-4000:])
    return done


def test_agent_api_and_json_endpoints_never_5xx_and_match_their_schemas(server, tmp_path):
    done = _st(server, tmp_path, "--include-path-regex", "^/api/",
               "--exclude-path", "/api/v1/agent/orders/lease", "--max-examples", "25")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_the_long_poll_lease_never_5xx(server, tmp_path):
    done = _st(server, tmp_path, "--include-path", "/api/v1/agent/orders/lease",
               "--max-examples", "4", "--phases", "examples,fuzzing")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
