"""Compressed master-data batches: the server inflates gzip bodies, refuses corrupt (400) and
oversized inflated (413) ones; the agent's client sends gzip."""

from __future__ import annotations

import gzip
import sqlite3

import pytest
import requests

from connectors.cloud.client import CloudClient
from connectors.cloud.contract import AGENT_API_PREFIX, Article, MasterDataBatch, MasterKind
from connectors.cloud.server.web.body_limit import AGENT_LIMIT_BYTES
from tests.support.cloud_server import running_server


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("cloud")) as server:
        server.create_company("acme")
        yield server, server.create_agent_token("acme")


def _post(cloud, body: bytes, encoding: str | None = "gzip") -> requests.Response:
    server, token = cloud
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if encoding:
        headers["Content-Encoding"] = encoding
    return requests.post(f"{server.url}{AGENT_API_PREFIX}/master-data", data=body,
                         headers=headers, timeout=30)


def _batch(n: int = 3) -> MasterDataBatch:
    return MasterDataBatch.of(MasterKind.ARTICLES, f"gz-{n}",
                              [Article(code=f"GZ{i}", description=f"Art {i}") for i in range(n)])


def test_a_gzip_body_is_accepted_and_applied(cloud):
    answer = _post(cloud, gzip.compress(_batch(3).model_dump_json().encode()))
    assert answer.status_code == 200, answer.text
    assert answer.json()["upserted"] == 3


def test_a_plain_body_still_works(cloud):
    answer = _post(cloud, _batch(2).model_dump_json().encode(), encoding=None)
    assert answer.status_code == 200, answer.text


def test_a_corrupt_gzip_body_is_400(cloud):
    good = gzip.compress(_batch(3).model_dump_json().encode())
    assert _post(cloud, b"not gzip at all").status_code == 400
    assert _post(cloud, good[:-12]).status_code == 400  # truncated
    assert _post(cloud, good[:10] + bytes(b ^ 0xFF for b in good[10:40]) + good[40:]
                 ).status_code == 400


def test_a_gzip_bomb_is_413_without_inflating_it_all(cloud):
    bomb = gzip.compress(b" " * (AGENT_LIMIT_BYTES * 4), compresslevel=9)
    assert len(bomb) < 200_000
    answer = _post(cloud, bomb)
    assert answer.status_code == 413
    assert "MB" in answer.json()["detail"]


def test_the_client_sends_master_data_gzipped(cloud):
    server, token = cloud
    sent: list[tuple[dict, bytes]] = []
    with CloudClient(server.url, token, timeout_seconds=10) as client:
        post = client._session.post

        def recording_post(url, data=None, headers=None, **kw):
            sent.append((dict(headers or {}), data))
            return post(url, data=data, headers=headers, **kw)

        client._session.post = recording_post
        ack = client.push_master_data(_batch(1000))
    assert ack.upserted == 1000
    headers, body = sent[-1]
    assert headers["Content-Encoding"] == "gzip"
    plain = gzip.decompress(body)
    assert len(body) * 5 < len(plain)
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM md_articles WHERE code LIKE 'GZ%'"
                            ).fetchone()[0] == 1000
