"""``activo status`` / ``retry`` / ``resync`` / ``pause``: work on a fresh machine, with no state
and no configuration; help in Spanish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from activo.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _activo(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ACTIVO_DATA_DIR": str(data_dir)}
    env.pop("ACTIVO_CLOUD_URL", None)
    return subprocess.run([sys.executable, "-m", "activo", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def test_status_json_on_a_fresh_machine(tmp_path):
    done = _activo("status", "--json", data_dir=tmp_path / "nuevo")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["engine_running"] is False
    assert data["runs"] == [] and data["order_errors"] == [] and data["orders_today"] == 0
    assert data["data_dir"] == str(tmp_path / "nuevo")


def test_status_text_on_a_fresh_machine(tmp_path):
    done = _activo("status", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Motor: detenido")
    assert "Todavía no hubo corridas" in done.stdout


def test_retry_with_nothing_in_error(tmp_path, capsys):
    assert main(["retry"]) == 0
    assert "No hay pedidos con error" in capsys.readouterr().out
    assert main(["retry", "CP-00000009"]) == 1
    assert "no está con error" in capsys.readouterr().err


def test_resync_and_pause_are_queued_for_the_engine(capsys):
    from activo.paths import resolve_paths
    from activo.state_store import StateStore

    assert main(["resync"]) == 0
    assert "cuando el motor arranque" in capsys.readouterr().out
    assert main(["pause"]) == 0
    with StateStore(resolve_paths(os.environ).state_db) as store:
        assert [c.name.value for c in store.take_commands()] == ["full_resync", "pause"]


def test_help_is_in_spanish(tmp_path):
    done = _activo("--help", data_dir=tmp_path)
    assert done.returncode == 0
    for word in ("uso:", "comandos", "opciones", "mostrar esta ayuda", "run", "tray", "status",
                 "retry", "resync", "doctor", "secrets", "demo"):
        assert word in done.stdout, word
    run = _activo("run", "--help", data_dir=tmp_path)
    assert "--no-tray" in run.stdout and "--take-over" in run.stdout
    assert "tarea programada" in run.stdout


def test_tray_without_a_desktop_says_so(tmp_path):
    env = {"ACTIVO_CLOUD_URL": "http://127.0.0.1:9", "ACTIVO_TANGO_CONNECTION": "sqlite:x"}
    done = subprocess.run([sys.executable, "-m", "activo", "tray"], capture_output=True,
                          text=True, cwd=ROOT, timeout=60,
                          env={**{k: v for k, v in os.environ.items() if k != "DISPLAY"},
                               **env, "ACTIVO_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert "No hay un escritorio donde mostrar el ícono" in done.stderr
    assert "activo run --no-tray" in done.stderr and "Traceback" not in done.stderr
