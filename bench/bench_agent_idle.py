"""Benchmark: the idle engine's memory and CPU.

Starts its own cloud server and ``activo run --no-tray`` (real processes on 127.0.0.1, the
seeded SQLite Tango, default timings: 25 s long poll, heartbeat every 60 s), waits for the
first master-data push to finish, then samples the agent's RSS and CPU time from /proc for
``--seconds`` with no orders flowing. Targets: RSS under 80 MB, CPU under 1 %.

    .venv/bin/python bench/bench_agent_idle.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors.tango.seed import create_demo_database, seed_facts  # noqa: E402
from tests.support.cloud_server import CloudServer, running_server  # noqa: E402

COMPANY = "bench"
SELLER_EMAIL = "vendedor@bench.com.ar"
SELLER_PASSWORD = "clave-del-bench-1"  # noqa: S105 - a throwaway test user


@dataclass
class AgentWorld:
    server: CloudServer
    agent: subprocess.Popen
    data_dir: Path
    tango_db: Path
    customer: str


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def agent_status(data_dir: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "activo", "status", "--json"], cwd=ROOT,
                          env={**os.environ, "ACTIVO_DATA_DIR": str(data_dir)},
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


@contextlib.contextmanager
def agent_world(workdir: Path, *, long_poll: int = 25) -> Iterator[AgentWorld]:
    """Cloud server + seller + ``activo run --no-tray``, ready (master data pushed)."""
    facts = seed_facts()
    seller = next(s for s, cs in facts.customers_by_seller.items()
                  if set(cs) & set(facts.enabled_customers))
    customer = next(c for c in facts.customers_by_seller[seller] if c in facts.enabled_customers)
    tango_db = create_demo_database(workdir / "tango")
    with running_server(workdir / "cloud") as server:
        server.create_company(COMPANY)
        server.create_user(COMPANY, SELLER_EMAIL, "vendedor", SELLER_PASSWORD, seller_code=seller)
        token = server.create_agent_token(COMPANY)
        config = workdir / "activo.toml"
        config.write_text(
            f'[cloud]\nurl = "{server.url}"\nlong_poll_seconds = {long_poll}\n\n'
            f'[tango]\nconnection = "sqlite:{tango_db.as_posix()}"\n'
            f'talonario = {facts.talonario}\ndeposit = "{facts.deposits[0]}"\n',
            encoding="utf-8")
        data_dir = workdir / "agent"
        env = {**os.environ, "ACTIVO_CLOUD_TOKEN": token, "ACTIVO_DATA_DIR": str(data_dir)}
        log = (workdir / "agent.log").open("wb")
        agent = subprocess.Popen(
            [sys.executable, "-m", "activo", "--config", str(config), "run", "--no-tray"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while not agent_status(data_dir).get("last_master_sync_at"):
                if agent.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"agent not ready; see {workdir / 'agent.log'}")
                time.sleep(0.5)
            yield AgentWorld(server, agent, data_dir, tango_db, customer)
        finally:
            agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(timeout=20)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait(timeout=10)
            log.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as tmp, agent_world(Path(tmp)) as w:
        pid = w.agent.pid
        time.sleep(2)  # let the first round settle
        start_cpu, start = cpu_seconds(pid), time.monotonic()
        peak = rss_mb(pid)
        end = start + args.seconds
        while time.monotonic() < end:
            time.sleep(1.0)
            peak = max(peak, rss_mb(pid))
        cpu = cpu_seconds(pid) - start_cpu
        wall = time.monotonic() - start
        rss = rss_mb(pid)
        load = os.getloadavg()[0]
    pct = 100 * cpu / wall
    print(f"idle engine over {wall:.0f} s: RSS {rss:.1f} MB (peak {peak:.1f} MB, target < 80), "
          f"CPU {cpu:.2f} s = {pct:.2f} % of one core (target < 1 %); load average {load:.2f}")
    return 0 if rss < 80 and pct < 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
