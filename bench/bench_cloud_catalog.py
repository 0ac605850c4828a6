"""Benchmark: catalog search and order confirm latency of the cloud server under load.

Starts real ``castor-cloud serve`` processes on 127.0.0.1 (on a SQLite file, or on a throwaway
PostgreSQL cluster from tests/support/postgres.py), pushes 20,000 articles with prices and
stock and 5,000 customers (100 per seller) through the agent API, sends the agent's
heartbeat (as a running ACTIVO does), logs in one seller per client, then runs two phases
with ``--clients`` concurrent clients (threads with requests):

- search: GET the seller's catalog for a customer with a search term (a word, a code prefix,
  a barcode or a rubro), the full 60-article page rendered;
- confirm: POST an order of 5 lines from the review form (merged into the server cart,
  validated against the master data, numbered, stored; the cart discarded).

Each client waits ``--think`` seconds (uniformly 0.5×–1.5×) between requests, like a person
tapping; ``--think 0`` measures saturation instead. Every loop is bounded by ``--requests``
per client and by ``--seconds`` per phase. ``--servers N`` starts N processes on one
database, each client sticking to one (the scale-out path: several processes behind a load
balancer); ``--workers N`` runs each as ``serve --workers N`` (N processes on one port).

    .venv/bin/python bench/bench_cloud_catalog.py --db sqlite|postgres [--clients 50]
        [--think 0.5] [--requests 40] [--seconds 60] [--servers 1] [--workers 1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from connectors.cloud.contract import (  # noqa: E402
    Article,
    Customer,
    Heartbeat,
    MasterDataBatch,
    MasterKind,
    Price,
    PriceList,
    SaleCondition,
    Seller,
    Stock,
)
from tests.support.postgres import running_cluster  # noqa: E402
from tests.test_server_support import (  # noqa: E402
    PASSWORD,
    Agent,
    CloudServer,
    create_company,
)

ARTICLES = 20_000
CUSTOMERS = 5_000
SELLERS = 50
LINES_PER_ORDER = 5
TARGET_P95_SEARCH_MS = 100
TARGET_P95_CONFIRM_MS = 150
BATCH = 5_000
CSRF_MARK = 'name="csrf_token" value="'

PRODUCTS = ("Aceite de girasol", "Arroz largo fino", "Fideos tirabuzón", "Harina 000",
            "Galletitas de agua", "Dulce de leche", "Tomate triturado", "Café molido",
            "Mermelada de durazno", "Yerba mate", "Agua mineral", "Gaseosa cola",
            "Jugo de naranja", "Cerveza rubia", "Vino tinto", "Soda", "Detergente",
            "Lavandina", "Jabón en polvo", "Suavizante", "Papel higiénico", "Rollo de cocina",
            "Azúcar común", "Sal fina", "Polenta", "Lentejas", "Atún en aceite", "Arvejas",
            "Choclo en granos", "Mayonesa", "Mostaza", "Ketchup", "Vinagre de alcohol",
            "Caldo de verdura", "Leche en polvo", "Queso rallado", "Manteca", "Puré de tomate",
            "Galletitas dulces", "Alfajor")
BRANDS = ("La Serenísima", "Don Pedro", "El Molino", "Santa Ana", "Los Andes", "Del Valle",
          "La Campagnola", "San Jorge", "Río Blanco", "Patagonia", "Sol de Mayo",
          "La Esperanza", "Tres Ases", "Buen Día", "El Ceibo", "Pampa", "Cordillera",
          "Litoral", "Norteña", "Cuyana", "Austral", "Mediterránea", "Serrana", "Porteña",
          "Criolla")
SIZES = ("250 g", "500 g", "1 kg", "2 kg", "5 kg", "330 ml", "500 ml", "1 l", "1,5 l", "2 l",
         "x6", "x12", "x24", "caja", "bolsa", "lata", "frasco", "doypack", "pack", "granel")
FAMILIES = ("Almacén", "Bebidas", "Limpieza", "Lácteos", "Conservas", "Golosinas")


# --------------------------------------------------------------------------- data


def master_data() -> dict[MasterKind, list]:
    articles, prices, stock = [], [], []
    for n in range(ARTICLES):
        code = f"A{n:06d}"
        description = (f"{PRODUCTS[n % len(PRODUCTS)]} {BRANDS[(n // 40) % len(BRANDS)]} "
                       f"{SIZES[(n // 1000) % len(SIZES)]}")
        articles.append(Article(code=code, description=description[:50],
                                barcode=f"779{n:010d}", family=FAMILIES[n % len(FAMILIES)],
                                vat_rate=Decimal("21") if n % 3 else Decimal("10.5")))
        prices.append(Price(price_list=1, article_code=code,
                            price=Decimal(150 + (n * 37) % 9000) + Decimal("0.50")))
        stock.append(Stock(article_code=code, deposit_code="1",
                           on_hand=Decimal((n * 13) % 500)))
    customers = [
        Customer(code=f"K{n:05d}", name=f"Cliente {n:05d} {BRANDS[n % len(BRANDS)]}",
                 tax_id=f"30-{n:08d}-1", sale_condition=1 + n % 2, price_list=1,
                 discount_pct=Decimal(n % 4 * 5), seller_code=f"V{n % SELLERS:02d}")
        for n in range(CUSTOMERS)
    ]
    return {
        MasterKind.SALE_CONDITIONS: [SaleCondition(code=1, description="Contado", cash=True),
                                     SaleCondition(code=2, description="30 días")],
        MasterKind.PRICE_LISTS: [PriceList(number=1, name="Mayorista")],
        MasterKind.SELLERS: [Seller(code=f"V{s:02d}", name=f"Vendedor {s:02d}")
                             for s in range(SELLERS)],
        MasterKind.ARTICLES: articles,
        MasterKind.PRICES: prices,
        MasterKind.STOCK: stock,
        MasterKind.CUSTOMERS: customers,
    }


def seed(server: CloudServer) -> float:
    """Company, master data through the agent API, one seller user each; seconds taken."""
    started = time.perf_counter()
    agent = Agent(server, create_company(server, "bench"))
    for kind, records in master_data().items():
        for start in range(0, len(records), BATCH):
            batch = MasterDataBatch.of(kind, f"{kind.value}-{start}",
                                       records[start:start + BATCH])
            response = agent.post("/master-data", batch, timeout=600)
            if response.status_code != 200:
                raise SystemExit(f"master data push failed: {response.text[:300]}")
    now = datetime.now(UTC)  # the agent reports in, as a running ACTIVO does every minute
    beat = agent.post("/heartbeat", Heartbeat(agent_version="bench", host="bench",
                                              started_at=now, sent_at=now,
                                              last_master_sync_at=now))
    if beat.status_code != 200:
        raise SystemExit(f"heartbeat failed: {beat.text[:300]}")
    _create_sellers(server.database_url)
    _analyze(server.database_url)
    return time.perf_counter() - started


def _analyze(database_url: str) -> None:
    """PostgreSQL: table statistics now, as autovacuum gathers them about a minute after a
    bulk load. Without them the planner joins the 20,000 fresh rows blindly and a catalog
    search can take a minute: the benchmark measures the steady state, not that first minute."""
    if not database_url.startswith("postgresql"):
        return
    from connectors.cloud.server.db import Database

    db = Database.from_url(database_url)
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        db.dispose()


def _create_sellers(database_url: str) -> None:
    from connectors.cloud.server import accounts
    from connectors.cloud.server.db import Database

    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            company = accounts.company_by_slug(session, "bench")
            for s in range(SELLERS):
                accounts.create_user(session, company, email=f"v{s:02d}@bench.example",
                                     role=accounts.Role.VENDEDOR, name=f"Vendedor {s:02d}",
                                     password=PASSWORD, seller_code=f"V{s:02d}")
    finally:
        db.dispose()


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ms: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(error)
            else:
                self.latencies_ms.append(ms)

    def summary(self) -> dict[str, float]:
        data = sorted(self.latencies_ms)
        if not data:
            return {"n": 0}
        q = statistics.quantiles(data, n=100, method="inclusive")
        return {"n": len(data), "p50": q[49], "p95": q[94], "p99": q[98], "max": data[-1],
                "rps": len(data) / self.elapsed if self.elapsed else 0.0,
                "errors": len(self.errors)}


@dataclass
class Client:
    number: int
    base_url: str
    http: requests.Session
    csrf: str = ""

    @property
    def seller(self) -> int:
        return self.number % SELLERS

    def customer(self, rng: random.Random) -> str:
        return f"K{rng.randrange(CUSTOMERS // SELLERS) * SELLERS + self.seller:05d}"

    def login(self) -> None:
        page = self.http.get(self.base_url + "/login", timeout=30)
        response = self.http.post(self.base_url + "/login", timeout=30, allow_redirects=False,
                                  data={"email": f"v{self.seller:02d}@bench.example",
                                        "password": PASSWORD, "csrf_token": _csrf(page.text)})
        if response.status_code != 303:
            raise SystemExit(f"login failed for client {self.number}: {response.status_code}")
        portfolio = self.http.get(self.base_url + "/vendedor/clientes", timeout=30)
        self.csrf = _csrf(portfolio.text)


def _csrf(html: str) -> str:
    start = html.index(CSRF_MARK) + len(CSRF_MARK)
    return html[start:html.index('"', start)]


def search_request(client: Client, rng: random.Random) -> tuple[str, dict[str, str]]:
    kind = rng.randrange(4)
    if kind == 0:
        params = {"q": rng.choice(PRODUCTS).split()[0].lower()}
    elif kind == 1:
        params = {"q": f"A{rng.randrange(ARTICLES // 100):04d}"}  # a code prefix: 100 hits
    elif kind == 2:
        params = {"q": f"779{rng.randrange(ARTICLES):010d}"}  # a barcode: one hit
    else:
        params = {"rubro": rng.choice(FAMILIES), "q": rng.choice(BRANDS).split()[-1]}
    return f"/vendedor/clientes/{client.customer(rng)}/catalogo", params


def _with_children(pids: list[int]) -> list[int]:
    """The processes and their descendants (``serve --workers N`` forks its workers)."""
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        for children in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo.extend(int(c) for c in children.read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the server processes (and their workers) have used (Linux /proc),
    0 elsewhere."""
    total = 0.0
    for pid in _with_children(pids):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run_phase(phase: Phase, clients: list[Client], *, requests_each: int, seconds: float,
              think: float) -> None:
    barrier = threading.Barrier(len(clients) + 1)
    deadline_box: list[float] = []

    def work(client: Client) -> None:
        rng = random.Random(client.number * 7919 + len(phase.name))
        barrier.wait()
        deadline = deadline_box[0]
        for _ in range(requests_each):
            if time.monotonic() >= deadline:
                break
            if think:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))
            ms, error = (_search if phase.name == "search" else _confirm)(client, rng)
            phase.record(ms, error)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    deadline_box.append(time.monotonic() + seconds)
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    phase.elapsed = time.perf_counter() - started


def _search(client: Client, rng: random.Random) -> tuple[float, str | None]:
    path, params = search_request(client, rng)
    started = time.perf_counter()
    try:
        response = client.http.get(client.base_url + path, params=params, timeout=30)
    except requests.RequestException as exc:
        return 0.0, type(exc).__name__
    ms = (time.perf_counter() - started) * 1000
    ok = response.status_code == 200 and 'class="items"' in response.text
    return ms, None if ok else f"search {response.status_code}"


def _confirm(client: Client, rng: random.Random) -> tuple[float, str | None]:
    customer = client.customer(rng)
    data = {"csrf_token": client.csrf, "submission_id": f"b{client.number}-{rng.random()}"}
    for _ in range(LINES_PER_ORDER):
        data[f"qty_A{rng.randrange(ARTICLES):06d}"] = str(rng.randrange(1, 24))
    started = time.perf_counter()
    try:
        response = client.http.post(f"{client.base_url}/vendedor/clientes/{customer}/pedido",
                                    data=data, allow_redirects=False, timeout=30)
    except requests.RequestException as exc:
        return 0.0, type(exc).__name__
    ms = (time.perf_counter() - started) * 1000
    ok = response.status_code == 303 and "/pedidos/" in response.headers.get("location", "")
    return ms, None if ok else f"confirm {response.status_code}"


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    with running_cluster() as cluster:
        yield cluster.psycopg_url(cluster.create_database("castor_bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--think", type=float, default=0.5)
    parser.add_argument("--requests", type=int, default=40, help="per client and phase")
    parser.add_argument("--seconds", type=float, default=60, help="per phase, at most")
    parser.add_argument("--servers", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1,
                        help="uvicorn worker processes per server (serve --workers)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="castor-bench-"))
    with database(args.db, workdir) as url:
        servers = [CloudServer(database_url=url, workdir=workdir / f"s{i}",
                               start_args=["--workers", str(max(1, args.workers))])
                   for i in range(max(1, args.servers))]
        for server in servers:
            server.workdir.mkdir(parents=True)
        servers[0].cli("migrate")
        try:
            for server in servers:
                server.start()
            seeded = seed(servers[0])
            print(f"db={args.db} servers={len(servers)} workers={args.workers} "
                  f"clients={args.clients} "
                  f"think={args.think}s seeded {ARTICLES} articles, {CUSTOMERS} customers "
                  f"in {seeded:.1f}s")
            clients = [Client(n, servers[n % len(servers)].base_url, requests.Session())
                       for n in range(args.clients)]
            for client in clients:
                client.login()
            failed = False
            pids = [server.process.pid for server in servers if server.process]
            for name, target in (("search", TARGET_P95_SEARCH_MS),
                                 ("confirm", TARGET_P95_CONFIRM_MS)):
                phase = Phase(name)
                load_before, cpu_before = os.getloadavg()[0], cpu_seconds(pids)
                run_phase(phase, clients, requests_each=args.requests, seconds=args.seconds,
                          think=args.think)
                s = phase.summary()
                cpu_ms = (cpu_seconds(pids) - cpu_before) * 1000 / max(1, s["n"])
                verdict = "ok" if s.get("p95", 1e9) <= target and not phase.errors else "MISSED"
                failed |= verdict != "ok"
                print(f"{name:8s} n={s['n']:5d} p50={s.get('p50', 0):7.1f} ms "
                      f"p95={s.get('p95', 0):7.1f} ms p99={s.get('p99', 0):7.1f} ms "
                      f"max={s.get('max', 0):7.1f} ms rps={s.get('rps', 0):6.1f} "
                      f"errors={len(phase.errors)} target p95<={target} ms: {verdict}")
                print(f"         server CPU {cpu_ms:.1f} ms/request; machine load average "
                      f"{load_before:.1f} → {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
                if phase.errors:
                    print(f"         first errors: {phase.errors[:5]}")
        finally:
            for server in servers:
                server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
