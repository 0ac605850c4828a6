"""«Precios y stock actualizados desde Tango: …» on the catalog, preventa, autogestión and admin
pages: absent data reads «sin datos», a heartbeat's completed cycle or an applied batch sets the
time (Argentina time), old data is flagged, and the time never goes backwards."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from connectors.cloud.contract import Customer, Heartbeat, MasterKind, Price, PriceList
from connectors.cloud.server.formatting import format_datetime
from connectors.cloud.server.freshness import STALE_AFTER, describe, newest
from connectors.cloud.server.sqltypes import utcnow
from tests.test_server_support import Agent, CloudServer, create_company, create_user, start_server
from tests.test_server_web import login

PAGES = {
    "vero@fresco.example": "/vendedor/clientes/C0001/catalogo",
    "pablo@fresco.example": "/preventa/clientes/C0001",
    "clara@fresco.example": "/cliente/catalogo",
    "ana@fresco.example": "/admin/agente",
}
LINE = re.compile(r'<p class="freshness (\w+)" data-freshness="(\w+)">'
                  r"Precios y stock actualizados desde Tango: ([^<(]+?)\s*(?:\(|</p>)")


def test_the_line_reads_argentina_time_and_flags_old_data():
    now = datetime(2026, 12, 4, 17, 40, tzinfo=UTC)
    fresh = describe(datetime(2026, 12, 4, 17, 32, tzinfo=UTC), now)
    assert fresh.text == "Precios y stock actualizados desde Tango: 04/12/2026 14:32"
    assert not fresh.stale
    assert describe(now - STALE_AFTER - timedelta(seconds=1), now).stale
    assert describe(None, now).stale
    assert describe(None, now).text == "Precios y stock actualizados desde Tango: sin datos"


def test_the_kept_sync_time_only_moves_forward_and_never_past_now():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    earlier, later = now - timedelta(minutes=9), now - timedelta(minutes=1)
    assert newest(None, earlier, now) == earlier
    assert newest(earlier, later, now) == later
    assert newest(later, earlier, now) == later
    assert newest(later, None, now) == later
    assert newest(None, now + timedelta(hours=3), now) == now


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CloudServer:
    # No reuse of the time between requests: the pages must show each push at once.
    srv = start_server(tmp_path_factory.mktemp("cloud-freshness"),
                       CASTOR_FRESHNESS_CACHE_SECONDS="0")
    srv.agent = Agent(srv, create_company(srv, "fresco"))  # type: ignore[attr-defined]
    for kind, records in (
        (MasterKind.PRICE_LISTS, [PriceList(number=1, name="Mayorista")]),
        (MasterKind.CUSTOMERS, [
            Customer(code="C0001", name="Almacén Don Pepe", price_list=1, seller_code="V1"),
            Customer(code="C0002", name="Kiosco La Esquina", price_list=1, seller_code="V1")]),
    ):
        assert srv.agent.push(kind, records).ok  # type: ignore[attr-defined]
    create_user(srv, "fresco", "vero@fresco.example", "vendedor", "--seller-code", "V1")
    create_user(srv, "fresco", "pablo@fresco.example", "preventa")
    create_user(srv, "fresco", "clara@fresco.example", "cliente", "--customer-code", "C0002")
    create_user(srv, "fresco", "ana@fresco.example", "admin")
    yield srv
    srv.stop()


def _lines(server: CloudServer) -> dict[str, tuple[str, str, str]]:
    found = {}
    for email, path in PAGES.items():
        page = login(server, email).get(server.url(path), timeout=10)
        assert page.status_code == 200, (path, page.text[:300])
        match = LINE.search(page.text)
        assert match, f"no freshness line on {path}"
        found[path] = match.groups()
    return found


def _beat(sync: datetime | None) -> Heartbeat:
    now = datetime.now(UTC)
    return Heartbeat(agent_version="1.0", host="SRV-TANGO", started_at=now, sent_at=now,
                     last_master_sync_at=sync)


def _argentina(at: datetime) -> str:
    return format_datetime(at)


def test_pages_show_sin_datos_then_the_heartbeat_time_then_the_time_of_a_pushed_batch(server):
    agent = server.agent
    assert set(_lines(server).values()) == {("notice", "stale", "sin datos")}

    old_sync = (utcnow() - timedelta(minutes=40)).replace(second=0, microsecond=0)
    assert agent.post("/heartbeat", _beat(old_sync)).ok
    assert set(_lines(server).values()) == {("notice", "stale", _argentina(old_sync))}

    before = utcnow()
    assert agent.push(MasterKind.PRICES, [Price(price_list=1, article_code="YER01",
                                                price=1)]).ok
    after = utcnow()
    shown = _lines(server)
    assert {style for style, _, _ in shown.values()} == {"muted"}
    assert {state for _, state, _ in shown.values()} == {"fresh"}
    assert {text for _, _, text in shown.values()} <= {_argentina(before), _argentina(after)}

    # A later heartbeat still reporting the old cycle does not move the time back.
    assert agent.post("/heartbeat", _beat(old_sync)).ok
    assert {text for _, _, text in _lines(server).values()} <= {_argentina(before),
                                                                 _argentina(after)}


def test_a_push_before_any_heartbeat_shows_the_time_of_the_pushed_prices(server):
    agent = Agent(server, create_company(server, "primera"))
    assert agent.push(MasterKind.CUSTOMERS, [Customer(code="C0001", name="Uno", price_list=1,
                                                      seller_code="V1")]).ok
    create_user(server, "primera", "vero@primera.example", "vendedor", "--seller-code", "V1")
    browser = login(server, "vero@primera.example")
    path = "/vendedor/clientes/C0001/catalogo"
    assert "desde Tango: sin datos" in browser.get(server.url(path), timeout=10).text
    before = utcnow()
    assert agent.push(MasterKind.PRICES, [Price(price_list=1, article_code="X", price=1)]).ok
    after = utcnow()
    match = LINE.search(browser.get(server.url(path), timeout=10).text)
    assert match and match.group(3) in {_argentina(before), _argentina(after)}


def test_the_freshness_cache_reads_again_only_after_its_ttl():
    from datetime import UTC, datetime

    from connectors.cloud.server.freshness import FreshnessCache

    clock = [100.0]
    loads: list[int] = []
    at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    cache = FreshnessCache(ttl=5.0, clock=lambda: clock[0])

    def load() -> datetime:
        loads.append(1)
        return at

    now = at + timedelta(minutes=1)
    assert cache.get(7, load, now).at == at and len(loads) == 1
    clock[0] += 4.9
    assert cache.get(7, load, now).at == at and len(loads) == 1  # served from the cache
    assert cache.get(7, load, at + timedelta(hours=1)).stale  # staleness judged on each call
    clock[0] += 0.2
    cache.get(7, load, now)
    assert len(loads) == 2
    cache.get(8, load, now)  # another company has its own entry
    assert len(loads) == 3
