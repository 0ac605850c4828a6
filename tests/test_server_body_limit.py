"""Oversized bodies are refused with 413 before they are buffered: declared or chunked."""

from __future__ import annotations

import pytest
import requests

from connectors.cloud.server.web.body_limit import (
    AGENT_LIMIT_BYTES,
    PAGE_LIMIT_BYTES,
    limit_for,
)
from tests.test_server_support import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("body-limit"))
    yield running
    running.stop()


def test_limits_by_path():
    assert limit_for("/api/v1/agent/master-data") == AGENT_LIMIT_BYTES
    assert limit_for("/login") == PAGE_LIMIT_BYTES
    assert PAGE_LIMIT_BYTES < AGENT_LIMIT_BYTES


def test_declared_length_over_the_limit_is_413_with_a_spanish_page(server):
    answer = requests.post(server.url("/login"), data=b"x" * (PAGE_LIMIT_BYTES + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded"},
                           timeout=30)
    assert answer.status_code == 413
    assert "demasiado grande" in answer.text


def test_chunked_body_is_cut_off_at_the_limit(server):
    def chunks():
        piece = b"y" * 65536
        for _ in range(PAGE_LIMIT_BYTES // len(piece) + 4):
            yield piece

    answer = requests.post(server.url("/login"), data=chunks(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"},
                           timeout=30)
    assert answer.status_code == 413


def test_agent_api_answers_413_as_json(server):
    answer = requests.post(server.url("/api/v1/agent/master-data"),
                           data=b"{" + b" " * AGENT_LIMIT_BYTES + b"}",
                           headers={"Content-Type": "application/json"}, timeout=60)
    assert answer.status_code == 413
    assert "detail" in answer.json()


def test_a_normal_form_still_works(server):
    assert requests.get(server.url("/login"), timeout=10).status_code == 200
