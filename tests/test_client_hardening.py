"""The client's answers to "another agent" (409), and its TLS and proxy settings, against a
real stdlib HTTP server on 127.0.0.1 (the fake cloud of ``test_client_http``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.cloud.client import CloudAgentConflict, CloudClient, CloudRejected
from connectors.cloud.contract import Heartbeat
from tests.test_client_http import TOKEN, Reply, _ack, _client, cloud  # noqa: F401

CONFLICT = "otro ACTIVO ya está sincronizando esta empresa desde SRV-ERP-2"


def _beat(take_over: bool = False) -> Heartbeat:
    now = datetime.now(UTC)
    return Heartbeat(agent_version="1", host="SRV-ERP-1", started_at=now, sent_at=now,
                     take_over=take_over)


def test_a_409_on_heartbeat_is_a_conflict_in_the_clouds_words(cloud):  # noqa: F811
    cloud.replies.append(Reply(409, {"detail": CONFLICT}))
    with pytest.raises(CloudAgentConflict) as caught:
        _client(cloud.url).heartbeat(_beat())
    assert caught.value.message_es == CONFLICT
    assert len(cloud.requests) == 1  # not retried


def test_take_over_travels_in_the_heartbeat(cloud):  # noqa: F811
    cloud.replies.append(Reply(200, {"server_time": datetime.now(UTC).isoformat(),
                                     "company": "acme"}))
    _client(cloud.url).heartbeat(_beat(take_over=True))
    assert cloud.requests[0]["body"]["take_over"] is True


def test_a_409_on_ack_is_an_ordinary_rejection(cloud):  # noqa: F811
    cloud.replies.append(Reply(409, {"detail": "order CP-1 is already in Tango as 6/X"}))
    with pytest.raises(CloudRejected) as caught:
        _client(cloud.url).ack("CP-1", _ack())
    assert not isinstance(caught.value, CloudAgentConflict)


def test_tls_is_verified_by_default_and_a_ca_bundle_can_be_named(tmp_path):
    default = CloudClient("https://pedidos.example.com.ar", TOKEN)
    assert default._session.verify is True
    assert default._session.trust_env is True  # HTTPS_PROXY and friends are honoured
    bundle = tmp_path / "empresa.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    custom = CloudClient("https://pedidos.example.com.ar", TOKEN, ca_bundle=str(bundle))
    assert custom._session.verify == str(bundle)


def test_a_configured_proxy_carries_the_requests(cloud):  # noqa: F811
    cloud.replies.append(Reply(200, {"server_time": datetime.now(UTC).isoformat(),
                                     "company": "acme"}))
    client = _client("http://localhost:9", proxy=cloud.url)
    client.heartbeat(_beat())
    # A proxy receives the absolute URL: the request went through it, not to port 9.
    assert cloud.requests[0]["path"] == "http://localhost:9/api/v1/agent/heartbeat"


def test_the_environment_proxy_is_honoured(cloud, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HTTP_PROXY", cloud.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    cloud.replies.append(Reply(200, {"server_time": datetime.now(UTC).isoformat(),
                                     "company": "acme"}))
    _client("http://localhost:9").heartbeat(_beat())
    assert cloud.requests[0]["path"].startswith("http://localhost:9/")


def test_a_new_token_replaces_the_old_one(cloud):  # noqa: F811
    cloud.replies.append(Reply(200, {"server_time": datetime.now(UTC).isoformat(),
                                     "company": "acme"}))
    client = _client(cloud.url)
    client.replace_token("nuevo-token-456")
    client.heartbeat(_beat())
    assert cloud.requests[0]["headers"]["Authorization"] == "Bearer nuevo-token-456"


def test_a_struggling_cloud_is_not_retried_inside_a_lease(cloud):  # noqa: F811
    from connectors.cloud.client import CloudServerError

    cloud.replies += [Reply(429, {"detail": "despacio"}, {"Retry-After": "7"})] * 3
    with pytest.raises(CloudServerError) as caught:
        _client(cloud.url).lease_orders(wait_seconds=0, max_orders=1)
    assert len(cloud.requests) == 1  # the engine's loop retries, with its growing backoff
    assert caught.value.retry_after == 7.0
