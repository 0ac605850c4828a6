"""Windows CI (.github/workflows/windows.yml): install ACTIVO silently, check it, uninstall it.

    python installer/windows_ci.py --setup dist/installer/ACTIVO-0.1.0-setup.exe

Runs with the development environment's Python (it starts the local cloud server). Steps:
1. a demo Tango database (SQLite) and a local cloud server with a company and an agent token;
2. the setup program with /VERYSILENT and every answer as a parameter — the token only as a
   file (/TOKENFILE=), as IT is told to do — with the engine as a scheduled task under SYSTEM;
3. checks: ``activo-cli --version``; the task \\Castor\\ACTIVO exists and (once the engine of
   issue 4 is in the build) has sent a heartbeat with the token from SYSTEM's vault;
   ``activo-cli doctor`` passes as the installing user with the installed activo.toml;
4. the uninstaller with /VERYSILENT: the task and the program folder are gone, the data folder
   (configuration, logs) is kept.
Everything runs under a deadline and the cloud server is stopped on the way out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smoke_bundle import Clock, SmokeFailed, demo_database, expect, local_cloud, run

PROGRAM_DIR = Path(os.environ.get("PROGRAMW6432", r"C:\Program Files")) / "Castor" / "ACTIVO"
DATA_DIR = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Castor" / "ACTIVO"
TASK = r"\Castor\ACTIVO"


def _say(message: str) -> None:
    print(f"windows-ci: {message}", flush=True)


def install(setup: Path, work: Path, cloud_url: str, token: str, tango_db: Path,
            talonario: int, deposit: str, clock: Clock) -> None:
    token_file = work / "token.txt"
    token_file.write_text(token, encoding="utf-8")
    log = work / "setup.log"
    done = run([setup, "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", f"/LOG={log}",
                f"/CLOUDURL={cloud_url}", f"/TOKENFILE={token_file}",
                f"/TANGOCONNECTION=sqlite:{tango_db.as_posix()}", f"/TALONARIO={talonario}",
                f"/DEPOSITO={deposit}", "/TASKS=enginetask,traylogon"], clock, cap=300)
    token_file.unlink()  # what IT is told to do once the installer has read it
    setup_log = log.read_text("utf-8", "replace") if log.exists() else ""
    print(setup_log[-6000:])
    if done.returncode != 0:
        raise SmokeFailed(f"setup exited with {done.returncode}")
    if token in setup_log:
        raise SmokeFailed("the agent token appears in the setup log")


def check_installed(cloud_token: str, clock: Clock) -> None:
    cli = PROGRAM_DIR / "activo-cli.exe"
    for exe in (cli, PROGRAM_DIR / "activo.exe", PROGRAM_DIR / "tasks.ps1"):
        if not exe.is_file():
            raise SmokeFailed(f"not installed: {exe}")
    _say(expect(run([cli, "--version"], clock), "activo-cli --version").strip())
    config = (DATA_DIR / "activo.toml").read_text("utf-8")
    if cloud_token in config:
        raise SmokeFailed("the agent token was written into activo.toml")
    _say("activo.toml:\n" + config)
    expect(run(["schtasks", "/Query", "/TN", TASK, "/V", "/FO", "LIST"], clock),
           "the scheduled task exists")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIVO_")}
    if run([cli, "run", "--help"], clock).returncode == 0:
        _wait_for_heartbeat(clock)
    else:
        _say("this build has no `activo run` yet (issue 4): engine heartbeat not checked")
    out = expect(run([cli, "doctor"], clock, env=env), "activo-cli doctor (installed)")
    _say("doctor →\n" + out)


def _wait_for_heartbeat(clock: Clock) -> None:
    """The engine, started by the task as SYSTEM, reached the cloud with SYSTEM's vault."""
    log = DATA_DIR / "logs" / "activo.log"
    end = time.monotonic() + clock.left(120)
    while time.monotonic() < end:
        if log.exists() and "heartbeat_sent" in log.read_text("utf-8", "replace"):
            _say("the engine task sent its heartbeat")
            return
        time.sleep(2)
    tail = log.read_text("utf-8", "replace")[-4000:] if log.exists() else "(no log)"
    raise SmokeFailed(f"the engine task sent no heartbeat; its log:\n{tail}")


def uninstall(clock: Clock) -> None:
    uninstaller = PROGRAM_DIR / "unins000.exe"
    expect(run([uninstaller, "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"], clock, cap=180),
           "uninstall")
    end = time.monotonic() + clock.left(60)  # the uninstaller finishes in a child process
    while (PROGRAM_DIR / "activo-cli.exe").exists() and time.monotonic() < end:
        time.sleep(1)
    if (PROGRAM_DIR / "activo-cli.exe").exists():
        raise SmokeFailed("the program folder is still there after uninstalling")
    if run(["schtasks", "/Query", "/TN", TASK], clock).returncode == 0:
        raise SmokeFailed("the scheduled task is still there after uninstalling")
    if not (DATA_DIR / "activo.toml").exists():
        raise SmokeFailed("uninstalling without /PURGE=1 deleted the configuration")
    _say("uninstalled; the data folder was kept")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", type=Path, required=True)
    parser.add_argument("--server-python", type=Path, default=Path(sys.executable))
    args = parser.parse_args()
    clock = Clock(900)
    work = Path(tempfile.mkdtemp(prefix="activo-wci-"))
    python = args.server_python.absolute()
    try:
        tango_db, talonario, deposit = demo_database(python, work / "tango", clock)
        with local_cloud(python, work, clock) as cloud:
            install(args.setup.absolute(), work, cloud.url, cloud.token, tango_db, talonario,
                    deposit, clock)
            check_installed(cloud.token, clock)
            uninstall(clock)
    except (SmokeFailed, subprocess.TimeoutExpired) as exc:
        print(f"windows-ci: FAILED: {exc}", file=sys.stderr)
        return 1
    _say("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
