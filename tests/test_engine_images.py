"""The engine's images job, in this process, against the real cloud server process: it runs at
start with ``[images] folder`` set (and not at all without it), a bad file is a warning and not
a failed run, and «Sincronizar ahora» sends a new file at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PIL import Image

from activo.config import load_config
from activo.engine import Engine
from activo.engine_jobs import EngineParts
from activo.state_store import CommandName, StateStore
from connectors.cloud.client import CloudClient
from connectors.tango.seed import create_demo_database, demo_settings
from tests.support.cloud_server import running_server
from tests.test_engine_world import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(tmp_path):
    with running_server(tmp_path / "cloud") as server:
        server.create_company("fotos")
        token = server.create_agent_token("fotos")
        with CloudClient(server.url, token, timeout_seconds=5) as client, \
                StateStore(tmp_path / "state.sqlite3") as store:
            yield {"server": server, "token": token, "client": client, "store": store,
                   "tango": create_demo_database(tmp_path / "tango"), "tmp": tmp_path}


def _engine(world, **env: str) -> Engine:
    config = load_config(None, {"ACTIVO_CLOUD_URL": world["server"].url,
                                "ACTIVO_TANGO_CONNECTION": "x",
                                "ACTIVO_CLOUD_LONG_POLL_SECONDS": "2", **env})
    return Engine(EngineParts(
        client=world["client"], tango=demo_settings(world["tango"]), store=world["store"],
        config=config, started_at=datetime.now(UTC), now=lambda: datetime.now(UTC),
        read_token=lambda: world["token"]))


def _image_runs(store: StateStore) -> list:
    return [r for r in store.recent_runs(50) if r.job == "images" and r.ended_at]


def test_the_images_job_sends_the_folder_and_a_sync_now_sends_new_files(world):
    folder = world["tmp"] / "fotos"
    folder.mkdir()
    Image.new("RGB", (300, 200), (200, 10, 10)).save(folder / "A1.jpg")
    (folder / "ROTA.png").write_bytes(b"no es una imagen")
    engine = _engine(world, ACTIVO_IMAGES_FOLDER=str(folder))
    engine.start()
    try:
        [run] = wait_until(lambda: _image_runs(world["store"]), 20, "no images run")
        assert run.ok is True and run.records_pushed == 1 and run.errors == ()
        codes = lambda: sorted(e.article_code for e in world["client"].image_manifest()[0].images)  # noqa: E731
        assert codes() == ["A1"]
        Image.new("RGB", (300, 200), (10, 10, 200)).save(folder / "B2.webp")
        world["store"].request(CommandName.SYNC_NOW)
        wait_until(lambda: codes() == ["A1", "B2"], 20, "sync now did not send the new file")
    finally:
        engine.stop()


def test_without_an_images_folder_there_is_no_images_job(world):
    engine = _engine(world)
    engine.start()
    try:
        wait_until(lambda: world["store"].get("last_heartbeat_at"), 15, "no heartbeat")
        assert engine._scheduler.get_job("images") is None
        assert _image_runs(world["store"]) == []
    finally:
        engine.stop()
