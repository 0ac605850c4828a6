"""End to end, each part a real process: a price changed in the Tango database reaches the
seller's cloud catalog through ``activo run --no-tray`` and ``castor-cloud serve`` within 60 s,
and the page then says the data is fresh. The agent runs its fast schedule at the shortest
interval the configuration allows (10 s), so the test takes seconds; the default 60 s schedule
is measured by ``bench/bench_price_freshness.py``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.price_freshness import (
    catalog_html,
    freshness_of,
    pick_price,
    seconds_until_shown,
    shows_price,
)
from tests.test_engine_world import engine_world, wait_until

pytestmark = pytest.mark.e2e

TARGET_SECONDS = 60
FAST_INTERVAL_SECONDS = 10  # the configuration's minimum for [sync] fast_interval_seconds


def test_a_price_changed_in_tango_shows_in_the_cloud_catalog_within_60_s(tmp_path):
    with engine_world(tmp_path) as world:
        with world.config.open("a", encoding="utf-8") as config:  # [sync] is the last section
            config.write(f"fast_interval_seconds = {FAST_INTERVAL_SECONDS}\n")
        agent = world.start_agent()
        world.wait_for_master_data()
        watched = pick_price(world)
        wait_until(lambda: freshness_of(catalog_html(world, watched)) is not None, 10,
                   "no freshness line on the catalog")

        new_price = Decimal("98765.43")
        assert not shows_price(world, watched, new_price)
        seconds = seconds_until_shown(world, watched, new_price, timeout=TARGET_SECONDS + 15)
        assert seconds is not None, "the new price never reached the cloud catalog"
        assert seconds <= TARGET_SECONDS, f"{seconds:.1f} s from Tango to the catalog"
        # The short schedule bounds it well below the target: interval plus one cycle.
        assert seconds <= FAST_INTERVAL_SECONDS + 10, f"{seconds:.1f} s"

        state, text = freshness_of(catalog_html(world, watched))
        assert state == "fresh", text
        assert text.startswith("Precios y stock actualizados desde Tango: ")
        assert world.stop_agent(agent) == 0
