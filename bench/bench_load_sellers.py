"""Load: 200 simulated sellers browsing and ordering for 60 seconds against two
``castor-cloud serve`` processes on one PostgreSQL (a throwaway cluster on 127.0.0.1).

Each seller is a thread with its own browser session (requests), logged in as its own
vendedor, sticking to one of the two processes (as behind a load balancer). In a loop it does
what a rep on a phone does: portfolio (sometimes searching), a customer's catalog (sometimes
searching), puts two or three articles in the cart, opens the review and confirms. Between
taps it waits ``--think`` seconds (uniformly 0.5×–1.5×; 5 s: reading a page on a phone).
The sellers log in before the window (four at a time; their timings are reported apart).
Every request has a timeout; the run
stops after ``--seconds``. Prints requests, errors, error rate, orders confirmed and latency
percentiles per kind of page, as JSON too (``--json PATH``). Figures go to docs/reliability.md.

    .venv/bin/python bench/bench_load_sellers.py [--sellers 200] [--seconds 60] [--think 5]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from connectors.cloud.contract import (  # noqa: E402
    Article,
    Customer,
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
    start_server,
)

ARTICLES = 2000
CUSTOMERS_EACH = 5
BATCH = 1000
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION_RE = re.compile(r'name="submission_id" value="([^"]+)"')
QTY_RE = re.compile(r'name="qty_([A-Za-z0-9\-]+)"')
WORDS = ("yerba", "azucar", "fideos", "aceite", "A0001", "A001", "galletitas", "leche")
TIMEOUT = 30.0


def master_data(sellers: int) -> dict[MasterKind, list]:
    products = ("Yerba", "Azucar", "Fideos", "Aceite", "Galletitas", "Leche", "Arroz", "Cafe")
    articles = [Article(code=f"A{n:05d}", description=f"{products[n % 8]} marca {n // 8} 1kg",
                        vat_rate=Decimal("21")) for n in range(ARTICLES)]
    prices = [Price(price_list=1, article_code=a.code, price=Decimal(100 + n % 5000))
              for n, a in enumerate(articles)]
    stock = [Stock(article_code=a.code, deposit_code="1", on_hand=Decimal(1000))
             for a in articles]
    customers = [Customer(code=f"K{s:03d}{c}", name=f"Cliente {s:03d}-{c}", sale_condition=1,
                          price_list=1, seller_code=f"V{s:03d}")
                 for s in range(sellers) for c in range(CUSTOMERS_EACH)]
    return {
        MasterKind.SALE_CONDITIONS: [SaleCondition(code=1, description="Contado", cash=True)],
        MasterKind.PRICE_LISTS: [PriceList(number=1, name="Mayorista")],
        MasterKind.SELLERS: [Seller(code=f"V{s:03d}", name=f"Vendedor {s:03d}")
                             for s in range(sellers)],
        MasterKind.ARTICLES: articles, MasterKind.PRICES: prices, MasterKind.STOCK: stock,
        MasterKind.CUSTOMERS: customers,
    }


def seed(server: CloudServer, sellers: int) -> None:
    agent = Agent(server, create_company(server, "carga"))
    for kind, records in master_data(sellers).items():
        for start in range(0, len(records), BATCH):
            batch = MasterDataBatch.of(kind, f"{kind.value}-{start}", records[start:start + BATCH])
            answer = agent.post("/master-data", batch, timeout=600)
            if answer.status_code != 200:
                raise SystemExit(f"master data push failed: {answer.text[:300]}")
    # 200 users through the CLI would take minutes of interpreter start-ups: the same domain
    # call the CLI makes, once, in one transaction (set-up only; the load is all HTTP).
    from connectors.cloud.server import accounts
    from connectors.cloud.server.db import Database

    db = Database.from_url(server.database_url)
    try:
        with db.transaction() as session:
            company = accounts.company_by_slug(session, "carga")
            for s in range(sellers):
                accounts.create_user(session, company, email=f"v{s:03d}@carga.example",
                                     role=accounts.Role.VENDEDOR, name=f"Vendedor {s:03d}",
                                     password=PASSWORD, seller_code=f"V{s:03d}")
    finally:
        db.dispose()


@dataclass
class Figures:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    orders: int = 0
    stale_retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors.append(f"{kind}: {error}")
            self.latencies.setdefault(kind, []).append(ms)


def _pct(data: list[float]) -> dict[str, float]:
    data = sorted(data)
    if len(data) < 2:
        return {"n": len(data)}
    q = statistics.quantiles(data, n=100, method="inclusive")
    return {"n": len(data), "p50": round(q[49], 1), "p90": round(q[89], 1),
            "p95": round(q[94], 1), "p99": round(q[98], 1), "max": round(data[-1], 1)}


class SellerBot:
    def __init__(self, number: int, base_url: str, figures: Figures, think: float,
                 end: float) -> None:
        self.number = number
        self.base = base_url
        self.figures = figures
        self.think = think
        self.end = end
        self.rng = random.Random(number)
        self.http = requests.Session()

    def _timed(self, kind: str, method: str, path: str, expect: int,
               **kw: object) -> requests.Response | None:
        started = time.perf_counter()
        error = None
        answer = None
        try:
            try:
                answer = self.http.request(method, self.base + path, timeout=TIMEOUT,
                                           allow_redirects=False, **kw)
            except requests.ConnectionError as exc:
                # The server closed an idle keep-alive connection as this request went out
                # (uvicorn closes them after 5 s; the think time is about that long). A
                # browser resends on a fresh connection; so do we, once, and count it.
                if "RemoteDisconnected" not in str(exc) and "reset" not in str(exc).lower():
                    raise
                with self.figures.lock:
                    self.figures.stale_retries += 1
                answer = self.http.request(method, self.base + path, timeout=TIMEOUT,
                                           allow_redirects=False, **kw)
            if answer.status_code != expect:
                error = f"HTTP {answer.status_code} on {path}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} on {path}: {str(exc)[-120:]}"
        self.figures.record(kind, (time.perf_counter() - started) * 1000, error)
        return None if error else answer

    def _pause(self) -> bool:
        time.sleep(self.rng.uniform(0.5, 1.5) * self.think)
        return time.monotonic() < self.end

    def login(self) -> bool:
        """Log in (before the window: a rep's session lasts 30 days, and argon2 is meant to
        be slow, so 200 logins in one second measure the password hash, not the app)."""
        page = self._timed("login", "GET", "/login", 200)
        if page is None:
            return False
        token = CSRF_RE.search(page.text).group(1)
        return self._timed("login", "POST", "/login", 303, data={
            "email": f"v{self.number:03d}@carga.example", "password": PASSWORD,
            "csrf_token": token}) is not None

    def run(self) -> None:
        try:
            time.sleep(self.rng.uniform(0, self.think))  # not all in step
            while time.monotonic() < self.end:
                self._one_order()
                if not self._pause():
                    break
        finally:
            self.http.close()

    def _one_order(self) -> None:
        q = {"q": self.rng.choice(("", "Cliente"))}
        if self._timed("portfolio", "GET", "/vendedor/clientes", 200, params=q) is None:
            return
        if not self._pause():
            return
        customer = f"K{self.number:03d}{self.rng.randrange(CUSTOMERS_EACH)}"
        params = {"q": self.rng.choice(WORDS)} if self.rng.random() < 0.5 else {}
        catalog = self._timed("catalog", "GET", f"/vendedor/clientes/{customer}/catalogo", 200,
                              params=params)
        if catalog is None:
            return
        codes = QTY_RE.findall(catalog.text) or ["A00001", "A00002"]
        picked = self.rng.sample(codes, k=min(len(codes), self.rng.choice((2, 3))))
        csrf = CSRF_RE.search(catalog.text).group(1)
        if not self._pause():
            return
        cart = self._timed("cart", "POST", f"/vendedor/clientes/{customer}/carrito", 303, data={
            "csrf_token": csrf, "goto": "review",
            **{f"qty_{c}": str(self.rng.randint(1, 12)) for c in picked}})
        if cart is None:
            return
        review_path = urlsplit(cart.headers.get("Location", "")).path
        review = self._timed("review", "GET", review_path, 200)
        if review is None or not self._pause():
            return
        sub = SUBMISSION_RE.search(review.text)
        if sub is None:
            self.figures.record("confirm", 0.0, "no submission_id on the review page")
            return
        done = self._timed("confirm", "POST", review_path, 303, data={
            "csrf_token": CSRF_RE.search(review.text).group(1),
            "submission_id": sub.group(1), "observations": "carga", "delivery_date": ""})
        if done is not None and "/pedidos/" in done.headers.get("Location", ""):
            with self.figures.lock:
                self.figures.orders += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    with running_cluster() as cluster, tempfile.TemporaryDirectory(prefix="castor-load-") as tmp:
        url = cluster.psycopg_url(cluster.create_database("carga"))
        first = start_server(Path(tmp) / "s0", url)
        servers = [first]
        try:
            print(f"seeding {args.sellers} sellers…", flush=True)
            seed(first, args.sellers)
            for n in range(1, args.servers):
                servers.append(_second(Path(tmp) / f"s{n}", url))
            logins = Figures()
            bots = [SellerBot(n, servers[n % len(servers)].base_url, logins, args.think, 0.0)
                    for n in range(args.sellers)]
            print(f"logging in {args.sellers} sellers…", flush=True)
            with ThreadPoolExecutor(4) as pool:
                if not all(pool.map(SellerBot.login, bots)):
                    raise SystemExit(f"logins failed: {logins.errors[:5]}")
            figures = Figures()
            end = time.monotonic() + args.seconds
            for bot in bots:
                bot.figures, bot.end = figures, end
            threads = [threading.Thread(target=b.run, daemon=True) for b in bots]
            print(f"{args.sellers} sellers browsing and ordering for {args.seconds:.0f} s…",
                  flush=True)
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=args.seconds + 4 * TIMEOUT)
            elapsed = time.perf_counter() - started
        finally:
            for s in servers:
                s.stop()
    every = [ms for values in figures.latencies.values() for ms in values]
    total = len(every)
    report = {
        "sellers": args.sellers, "servers": args.servers, "seconds": round(elapsed, 1),
        "think_s": args.think, "requests": total, "errors": len(figures.errors),
        "error_rate": round(len(figures.errors) / total, 5) if total else None,
        "requests_per_s": round(total / elapsed, 1), "orders_confirmed": figures.orders,
        "stale_keepalive_resends": figures.stale_retries,
        "latency_ms": {"all": _pct(every), **{k: _pct(v) for k, v in
                                             sorted(figures.latencies.items())}},
        "login_ms": _pct(logins.latencies.get("login", [])),
        "first_errors": figures.errors[:10],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if not figures.errors else 1


def _second(workdir: Path, url: str) -> CloudServer:
    workdir.mkdir(parents=True, exist_ok=True)
    return CloudServer(database_url=url, workdir=workdir).start()


if __name__ == "__main__":
    raise SystemExit(main())
