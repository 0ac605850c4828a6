"""Smoke-test the frozen ACTIVO bundle, as CI does after ``make dist`` (and Windows CI after the
silent install): the bundle holds no server stack and every data file; both executables answer
``--version``; ``doctor`` passes against the demo Tango database and a real local cloud server;
``sync --once`` pushes the master data, and after a seller confirms an order in the cloud, writes
it into Tango; ``secrets set`` reaches keyring's backend. That proves the hidden imports and data
files, which no test of the source tree can. On Windows with ``--vault`` it stores a dummy
cloud-token in the current user's Credential Manager: meant for CI runners.

    python installer/smoke_bundle.py --bundle dist/activo --server-python .venv/bin/python
    python installer/smoke_bundle.py ... --bench   # also measure size, start-up and idle memory

The cloud server and the demo database come from the development environment
(``--server-python``): they are not part of the bundle. The agent token reaches the frozen agent
only through its environment (``ACTIVO_CLOUD_TOKEN``), never through a command line. Everything
runs under a hard deadline and every process started is stopped on the way out.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = sys.platform == "win32"
DEADLINE_SECONDS = 240.0


class SmokeFailed(Exception):
    pass


@dataclass(frozen=True)
class Bundle:
    folder: Path

    @property
    def cli(self) -> Path:
        return self.folder / ("activo-cli.exe" if WINDOWS else "activo")

    @property
    def windowed(self) -> Path:
        return self.folder / ("activo.exe" if WINDOWS else "activo-tray")


class Clock:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, cap: float) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise SmokeFailed("the smoke test ran out of time")
        return min(cap, remaining)


def _say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def run(argv: Sequence[str | Path], clock: Clock, *, env: dict[str, str] | None = None,
        stdin: str | None = None, cap: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run one command to completion under the deadline; output is captured as text."""
    return subprocess.run(
        [str(a) for a in argv], input=stdin, capture_output=True, text=True, encoding="utf-8",
        errors="replace", env=env, timeout=clock.left(cap), check=False,
    )


def expect(done: subprocess.CompletedProcess[str], what: str, code: int = 0) -> str:
    if done.returncode != code:
        raise SmokeFailed(f"{what}: exit {done.returncode} (expected {code})\n"
                          f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- the local cloud


@dataclass(frozen=True)
class Cloud:
    url: str
    token: str


@contextlib.contextmanager
def local_cloud(python: Path, work: Path, clock: Clock) -> Iterator[Cloud]:
    """Migrate a fresh SQLite cloud, create a company and its agent token, serve on loopback."""
    env = {**os.environ, "CASTOR_DATABASE_URL": f"sqlite:///{(work / 'cloud.sqlite3').as_posix()}",
           "PYTHONUNBUFFERED": "1"}
    cli = [python, "-m", "connectors.cloud.server.cli"]
    expect(run([*cli, "migrate"], clock, env=env), "castor-cloud migrate")
    expect(run([*cli, "company", "create", "--slug", "smoke", "--name", "Smoke SA"], clock,
               env=env), "castor-cloud company create")
    out = expect(run([*cli, "agent-token", "create", "--company", "smoke"], clock, env=env),
                 "castor-cloud agent-token create")
    token = out.strip().splitlines()[-1].strip()
    port = free_port()
    log_path = work / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(a) for a in [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)]],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(server, url, log_path, clock)
            yield Cloud(url=url, token=token)
        finally:
            stop(server)


def _wait_until_up(server: subprocess.Popen[bytes], url: str, log_path: Path,
                   clock: Clock) -> None:
    end = time.monotonic() + clock.left(60)
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SmokeFailed(f"cloud server exited: {log_path.read_text('utf-8', 'replace')}")
        with contextlib.suppress(requests.RequestException):
            requests.get(url + "/login", timeout=1)
            return
        time.sleep(0.2)
    raise SmokeFailed(f"cloud server did not start: {log_path.read_text('utf-8', 'replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process we started (by its handle), politely first."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# A seller confirms one order through the cloud's web pages (the demo's scripted seller).
_PLACE_ORDER = """
import subprocess, sys
from activo.demo_seller import ScriptedSeller, article_codes
from connectors.tango.seed import seed_facts
facts = seed_facts()
enabled = set(facts.enabled_customers)
portfolio = {s: [c for c in cs if c in enabled]
             for s, cs in facts.customers_by_seller.items() if s in facts.sellers}
seller_code = max((s for s in portfolio if portfolio[s]), key=lambda s: len(portfolio[s]))
customer = portfolio[seller_code][0]
subprocess.run([sys.executable, "-m", "connectors.cloud.server.cli", "user", "create",
                "--company", "smoke", "--email", "vendedor@smoke.test", "--role", "vendedor",
                "--name", "Vendedor", "--seller-code", seller_code, "--password-stdin"],
               input="smoke-vendedor-2024\\n", text=True, check=True, capture_output=True)
seller = ScriptedSeller(sys.argv[1])
seller.login("vendedor@smoke.test", "smoke-vendedor-2024")
codes = article_codes(seller.catalog(customer))
print(seller.place_order(customer, {codes[0]: "2"}, "Pedido de la prueba del instalador"))
"""


def place_order(python: Path, cloud: Cloud, work: Path, clock: Clock) -> str:
    env = {**os.environ, "CASTOR_DATABASE_URL": f"sqlite:///{(work / 'cloud.sqlite3').as_posix()}",
           "PYTHONPATH": str(ROOT)}
    out = expect(run([python, "-c", _PLACE_ORDER, cloud.url], clock, env=env),
                 "a seller confirms an order")
    return out.strip().splitlines()[-1]


# --------------------------------------------------------------------------- the agent's setup


def demo_database(python: Path, folder: Path, clock: Clock) -> tuple[Path, int, str]:
    """The demo Tango database (SQLite) and its talonario and depósito."""
    code = ("import sys; from pathlib import Path; "
            "from connectors.tango.seed import create_demo_database, seed_facts; "
            "p = create_demo_database(Path(sys.argv[1])); f = seed_facts(); "
            "print(p); print(f.talonario); print(f.deposits[0])")
    out = expect(run([python, "-c", code, folder], clock), "create the demo database")
    path, talonario, deposit = out.strip().splitlines()[-3:]
    return Path(path), int(talonario), deposit


def write_config(data_dir: Path, cloud_url: str, tango_db: Path, talonario: int,
                 deposit: str) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    config = data_dir / "activo.toml"
    config.write_text(
        f'[cloud]\nurl = "{cloud_url}"\nlong_poll_seconds = 0\n\n'
        f'[tango]\nconnection = "sqlite:{tango_db.as_posix()}"\n'
        f'talonario = {talonario}\ndeposit = "{deposit}"\n',
        encoding="utf-8",
    )
    return config


def agent_env(data_dir: Path, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVO_")}
    env["ACTIVO_DATA_DIR"] = str(data_dir)
    if token:
        env["ACTIVO_CLOUD_TOKEN"] = token  # environment only: never argv, never the TOML
    return env


# --------------------------------------------------------------------------- checks


def smoke(bundle: Bundle, python: Path, work: Path, clock: Clock, *, vault: bool,
          bench: bool) -> None:
    for exe in (bundle.cli, bundle.windowed):
        if not exe.is_file():
            raise SmokeFailed(f"missing executable {exe}")

    check_contents(bundle)
    version = expect(run([bundle.cli, "--version"], clock), "activo --version").strip()
    wanted = f"ACTIVO {_source_version()}"
    if version != wanted:
        raise SmokeFailed(f"activo --version said {version!r}, expected {wanted!r}")
    _say(f"--version → {version}")
    _windowed_version(bundle, work, clock, wanted)

    tango_db, talonario, deposit = demo_database(python, work / "tango", clock)
    data_dir = work / "data"
    with local_cloud(python, work, clock) as cloud:
        config = write_config(data_dir, cloud.url, tango_db, talonario, deposit)
        env = agent_env(data_dir, cloud.token)

        out = expect(run([bundle.cli, "doctor"], clock, env=env), "activo doctor")
        _say("doctor →\n" + out.rstrip())
        if "✗" in out or "✓ nube" not in out:
            raise SmokeFailed("activo doctor did not pass every check")

        out = expect(run([bundle.cli, "sync", "--once"], clock, env=env, cap=120),
                     "activo sync --once")
        _say(f"sync --once → {out.strip()}")
        if "Sincronización OK" not in out or " 0 registros" in out:
            raise SmokeFailed("sync --once did not push the master data")

        order = place_order(python, cloud, work, clock)
        out = expect(run([bundle.cli, "sync", "--once"], clock, env=env, cap=120),
                     "activo sync --once (with an order)")
        _say(f"order {order} confirmed in the cloud; sync --once → {out.strip()}")
        if "pedidos: 1 escritos en Tango" not in out:
            raise SmokeFailed(f"the frozen agent did not write order {order} into Tango")

        _secrets_set(bundle, env, clock, vault=vault)
        if bench:
            measure(bundle, env, clock, config)


SERVER_STACK = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "jinja2", "argon2",
                "psycopg", "pytest", "playwright", "connectors.cloud.server")
NEEDED_MODULES = ("activo.cli", "connectors.tango.defaults", "connectors.cloud.client",
                  "keyring.backends.Windows", "platformdirs", "pystray._base", "tzdata",
                  "apscheduler.triggers.interval",
                  "pystray._win32" if WINDOWS else "pystray._xorg")
NEEDED_FILES = ("connectors/tango/defaults.toml", "tzdata/zoneinfo/America/Argentina/Buenos_Aires",
                "config.example.toml", "assets/activo.ico")


def check_contents(bundle: Bundle) -> None:
    """The server's stack is not in the bundle; the agent's dynamic imports and data files are.

    Reads the executable's embedded module archive with PyInstaller's own reader (available in
    the development environment); skipped where PyInstaller is not installed.
    """
    internal = bundle.folder / "_internal"
    missing = [f for f in NEEDED_FILES if not (internal / f).is_file()]
    if not list(internal.glob("keyring-*.dist-info/entry_points.txt")):
        missing.append("keyring-*.dist-info/entry_points.txt (keyring finds its backends there)")
    if missing:
        raise SmokeFailed(f"data files missing from the bundle: {missing}")
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        _say("PyInstaller not importable here: module list not checked")
        return
    modules = set(CArchiveReader(str(bundle.cli)).open_embedded_archive("PYZ.pyz").toc)
    leaked = sorted(m for m in modules if any(m == s or m.startswith(s + ".")
                                              for s in SERVER_STACK))
    if leaked:
        raise SmokeFailed(f"the server's stack is in the bundle: {leaked[:20]}")
    absent = [m for m in NEEDED_MODULES if m not in modules]
    if absent:
        raise SmokeFailed(f"modules missing from the bundle: {absent}")
    _say(f"bundle contents: {len(modules)} modules, no server stack, data files present")


def _windowed_version(bundle: Bundle, work: Path, clock: Clock, wanted: str) -> None:
    """The windowed executable (its own archive) starts; on Windows it has no console, so what
    it prints lands in the data folder's logs/activo-console.log (installer/entry_tray.py)."""
    data_dir = work / "windowed"
    done = run([bundle.windowed, "--version"], clock, env=agent_env(data_dir, None))
    console_log = data_dir / "logs" / "activo-console.log"
    said = (done.stdout or (console_log.read_text("utf-8") if console_log.exists() else ""))
    if done.returncode != 0 or said.strip() != wanted:
        raise SmokeFailed(f"{bundle.windowed.name} --version: exit {done.returncode}, "
                          f"said {said!r}; stderr {done.stderr!r}")
    _say(f"{bundle.windowed.name} --version → {said.strip()}")


def _secrets_set(bundle: Bundle, env: dict[str, str], clock: Clock, *, vault: bool) -> None:
    """``secrets set`` reads stdin and reaches keyring's backend for this platform.

    With ``vault`` (Windows CI: Credential Manager) it must store; on a headless Linux box
    there is no Secret Service, so the Spanish "no vault" line (exit 2) is the right answer —
    either way keyring, its entry-point metadata and its backends were found in the bundle.
    """
    env = {**env, "ACTIVO_CLOUD_TOKEN": ""}
    done = run([bundle.cli, "secrets", "set", "cloud-token"], clock, env=env,
               stdin="smoke-not-a-real-token\n")
    if vault:
        expect(done, "activo secrets set (vault)")
    elif done.returncode not in (0, 2) or "Traceback" in done.stderr:
        expect(done, "activo secrets set")
    _say(f"secrets set → exit {done.returncode}: {(done.stdout + done.stderr).strip()}")


def _source_version() -> str:
    sys.path.insert(0, str(ROOT))
    from activo import __version__

    return __version__


# --------------------------------------------------------------------------- measurements


def measure(bundle: Bundle, env: dict[str, str], clock: Clock, config: Path) -> None:
    # Apparent size of the files themselves (a Linux bundle has symlinks to its libraries).
    size = sum(p.lstat().st_size for p in bundle.folder.rglob("*")
               if p.is_file() and not p.is_symlink())
    _say(f"bench: bundle size {size / 1e6:.1f} MB in {sum(1 for _ in bundle.folder.rglob('*'))} "
         "entries")
    times = []
    for _ in range(10):
        began = time.perf_counter()
        expect(run([bundle.cli, "--version"], clock), "activo --version")
        times.append(time.perf_counter() - began)
    _say(f"bench: --version over 10 runs: mean {statistics.mean(times) * 1000:.0f} ms, "
         f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    # The engine (`run --no-tray`, issue 4) when this build has it; the sync loop otherwise.
    has_engine = run([bundle.cli, "run", "--help"], clock).returncode == 0
    argv = ["run", "--no-tray"] if has_engine else ["sync"]
    rss = idle_memory(bundle, argv, env, clock, config.parent)
    _say(f"bench: idle memory of `activo {' '.join(argv)}` after 30 s: {rss}")


def idle_memory(bundle: Bundle, argv: list[str], env: dict[str, str], clock: Clock,
                work: Path) -> str:
    log = (work / "idle-engine.log").open("wb")
    with log:
        engine = subprocess.Popen([str(bundle.cli), *argv], stdout=log,
                                  stderr=subprocess.STDOUT, env=env)
        try:
            time.sleep(clock.left(30))
            if engine.poll() is not None:
                raise SmokeFailed(f"activo {' '.join(argv)} exited with {engine.returncode}")
            status = Path(f"/proc/{engine.pid}/status")
            if not status.exists():
                return "not measured (no /proc on this system)"
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
            return f"VmRSS {fields['VmRSS'].strip()}, peak VmHWM {fields['VmHWM'].strip()}"
        finally:
            stop(engine)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "activo")
    parser.add_argument("--server-python", type=Path, default=Path(sys.executable))
    parser.add_argument("--vault", action="store_true",
                        help="require `secrets set` to store in the OS vault (Windows CI)")
    parser.add_argument("--bench", action="store_true", help="also measure the bundle")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    clock = Clock(DEADLINE_SECONDS + (90 if args.bench else 0))
    work = Path(tempfile.mkdtemp(prefix="activo-smoke-"))
    began = time.monotonic()
    try:
        smoke(Bundle(args.bundle.absolute()), args.server_python.absolute(), work, clock,
              vault=args.vault, bench=args.bench)
    except (SmokeFailed, subprocess.TimeoutExpired) as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        print(f"smoke: work folder kept: {work}", file=sys.stderr)
        return 1
    _say(f"OK in {time.monotonic() - began:.1f} s")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
