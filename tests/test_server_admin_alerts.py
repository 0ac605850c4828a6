"""Agent-offline alerts to the admins through a real SMTP server: exactly one when ACTIVO falls
silent and one when it is back, with two server processes watching the same database."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from connectors.cloud.contract import Heartbeat
from tests.test_server_mail_support import SmtpSink, mail_env
from tests.test_server_support import Agent, CloudServer, create_company, create_user, start_server

ADMIN = "ana@alertco.example"


def beat(host: str) -> Heartbeat:
    now = datetime.now(UTC)
    return Heartbeat(agent_version="1.0.0", host=host, started_at=now, sent_at=now)


@pytest.fixture
def sink():
    smtp = SmtpSink().start()
    yield smtp
    smtp.stop()


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                              marks=pytest.mark.postgres)])
def test_offline_and_back_alerts_exactly_once(request, database, tmp_path, sink):
    url = None
    if database == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.psycopg_url(cluster.create_database())
    env = mail_env(sink.port, CASTOR_AGENT_OFFLINE_MINUTES="0.04")  # 2.4 s of silence
    first = start_server(tmp_path / "alerts", url, **env)
    second = CloudServer(database_url=first.database_url, workdir=first.workdir,
                         env_extra=first.env_extra).start()
    try:
        agent = Agent(first, create_company(first, "alertco"))
        create_user(first, "alertco", ADMIN, "admin")
        create_user(first, "alertco", "vero@alertco.example", "vendedor", "--seller-code", "V1")
        create_company(first, "quietco")
        create_user(first, "quietco", "ana@quietco.example", "admin")

        assert agent.post("/heartbeat", beat("SRV-A")).ok
        sink.wait_for(lambda m: any("sin conexión" in x.subject for x in m), timeout=20,
                      what="offline alert")
        time.sleep(2.0)  # both processes keep checking: still one alert
        offline = [m for m in sink.snapshot() if "sin conexión" in m.subject]
        assert len(offline) == 1
        assert offline[0].rcpt == (ADMIN,)
        assert "Alertco SA" in offline[0].subject and "SRV-A" in offline[0].text

        # A silent agent no longer blocks another host (no take_over needed); it is "back".
        assert Agent(second, agent.http.headers["Authorization"].split()[1]).post(
            "/heartbeat", beat("SRV-B")).ok
        sink.wait_for(lambda m: any("volvió" in x.subject for x in m), timeout=20,
                      what="back alert")
        assert agent.post("/heartbeat", beat("SRV-B")).ok
        time.sleep(0.5)
        back = [m for m in sink.snapshot() if "volvió" in m.subject]
        assert len(back) == 1 and back[0].rcpt == (ADMIN,) and "SRV-B" in back[0].text
        assert "vero@alertco.example" not in [r for m in sink.snapshot() for r in m.rcpt]
        assert "ana@quietco.example" not in [r for m in sink.snapshot() for r in m.rcpt]
        assert "pedidos@alertco.example" not in [r for m in sink.snapshot() for r in m.rcpt]
    finally:
        second.stop()
        first.stop()
