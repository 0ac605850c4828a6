"""Benchmark: confirm-to-Tango latency with the long poll.

Starts its own cloud server and ``activo run --no-tray`` (real processes on 127.0.0.1, the
seeded SQLite Tango, 25 s long poll), then a scripted seller confirms ``--orders`` orders one
at a time through the web pages; for each, the time from the confirm answer to the pedido's
row in GVA21. Target: median under 2 s.

    .venv/bin/python bench/bench_agent_latency.py [--orders 20]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from activo.demo_seller import ScriptedSeller, article_codes  # noqa: E402
from bench.bench_agent_idle import SELLER_EMAIL, SELLER_PASSWORD, agent_world  # noqa: E402


def in_gva21(db: Path, code: str) -> bool:
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute("SELECT 1 FROM GVA21 WHERE ID_EXTERNO = ?", (code,)).fetchone() \
            is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    latencies: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp, \
            agent_world(Path(tmp)) as world:
        seller = ScriptedSeller(world.server.url)
        seller.login(SELLER_EMAIL, SELLER_PASSWORD)
        codes = article_codes(seller.catalog(world.customer))[:3]
        for n in range(args.orders):
            code = seller.place_order(world.customer, {c: str(n + 1) for c in codes},
                                      f"bench {n + 1}")
            confirmed = time.monotonic()
            deadline = confirmed + 30
            while not in_gva21(world.tango_db, code):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{code} did not reach Tango in 30 s")
                time.sleep(0.01)
            latencies.append(time.monotonic() - confirmed)
            time.sleep(0.5)  # the next order arrives while the agent waits in a long poll
        seller.close()
    latencies.sort()
    median = statistics.median(latencies)
    p90 = latencies[max(0, int(len(latencies) * 0.9) - 1)]
    print(f"confirm → GVA21 over {len(latencies)} orders: median {median:.3f} s, "
          f"p90 {p90:.3f} s, min {latencies[0]:.3f} s, max {latencies[-1]:.3f} s "
          f"(target median < 2 s); load average {os.getloadavg()[0]:.2f}")
    return 0 if median < 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
