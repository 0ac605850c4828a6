"""Article images end to end: a folder on the agent's side, a real ``castor-cloud serve`` over
loopback, the seller's catalog page. New, unchanged, changed, deleted, corrupt and huge files,
a cloud that lost its images, and ``sync_once`` with ``[images] folder``."""

from __future__ import annotations

import io
import os
import re
import sqlite3

import pytest
import requests
from PIL import Image
from structlog.testing import capture_logs

from activo.config import ImagesConfig
from activo.demo_seller import ScriptedSeller
from activo.image_state import ImageState
from activo.journal import Journal
from activo.push_images import limits_for, push_images
from activo.push_master_data import push_master_data
from activo.record_hashes import RecordHashes
from activo.state_store import StateStore
from activo.sync_once import sync_once
from activo.tango_link import TangoLink
from connectors.cloud.client import CloudClient
from connectors.cloud.contract import MAX_THUMB_BYTES
from connectors.tango.connection import open_connection
from connectors.tango.reader import MasterDataReader
from connectors.tango.seed import create_demo_database, demo_settings, seed_facts
from connectors.tango.writer import PedidoWriter
from tests.support.cloud_server import running_server

pytestmark = pytest.mark.e2e

PASSWORD = "clave-del-vendedor"


def picture(path, colour: tuple[int, int, int], size=(1200, 900), fmt="JPEG") -> None:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste(colour, (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    image.save(path, fmt)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    """One server for the module: two companies, acme's master data pushed from Tango."""
    tmp = tmp_path_factory.mktemp("images-cloud")
    facts = seed_facts()
    seller = next(s for s, cs in facts.customers_by_seller.items()
                  if set(cs) & set(facts.enabled_customers))
    customer = next(c for c in facts.customers_by_seller[seller] if c in facts.enabled_customers)
    settings = demo_settings(create_demo_database(tmp / "tango"))
    with running_server(tmp / "cloud") as server:
        for slug in ("acme", "otra"):
            server.create_company(slug)
            server.create_user(slug, f"v@{slug}.com.ar", "vendedor", PASSWORD,
                               seller_code=seller)
        token = server.create_agent_token("acme")
        with StateStore(tmp / "master.sqlite3") as store, \
                CloudClient(server.url, token, timeout_seconds=10) as client, \
                TangoLink(settings) as tango:
            pushed = push_master_data(client, tango, batch_size=500, hashes=RecordHashes(store))
            assert not pushed.errors
        yield {"server": server, "token": token, "customer": customer, "settings": settings,
               "other_token": server.create_agent_token("otra")}


@pytest.fixture
def world(cloud, tmp_path):
    """A fresh images folder and agent state store; the cloud without images."""
    _cloud(cloud, "DELETE FROM article_images")
    folder = tmp_path / "imagenes"
    folder.mkdir()
    with StateStore(tmp_path / "state.sqlite3") as store, \
            CloudClient(cloud["server"].url, cloud["token"], timeout_seconds=10) as client:
        browser = ScriptedSeller(cloud["server"].url)
        browser.login("v@acme.com.ar", PASSWORD)
        yield {**cloud, "client": client, "store": store, "folder": folder, "browser": browser,
               "tmp": tmp_path}
        browser.close()


def _push(world, **config):
    limits = limits_for(ImagesConfig(folder=str(world["folder"]), **config))
    return push_images(world["client"], world["folder"], ImageState(world["store"]), limits)


def _get(world, path: str, browser=None, **headers: str) -> requests.Response:
    http = (browser or world["browser"])._http  # the seller's logged-in session
    return http.get(world["server"].url + path, headers=headers, timeout=10,
                    allow_redirects=False)


def _catalog_images(world) -> dict[str, str]:
    """Article code → the thumbnail URL the catalog page links."""
    page = _get(world, f"/vendedor/clientes/{world['customer']}/catalogo")
    assert page.status_code == 200
    found = {}
    for src, code in re.findall(r'<img loading="lazy" src="([^"]+)".*?name="qty_([^"]+)"',
                                page.text, flags=re.S):
        found[code] = src
    assert found
    return found


def _cloud(world, sql: str) -> list[tuple]:
    path = world["server"].database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_new_unchanged_changed_deleted_corrupt_and_huge_images(world):
    folder = world["folder"]
    a, b, c, d, e = list(_catalog_images(world))[:5]
    picture(folder / f"{a}.jpg", (200, 20, 20))
    picture(folder / f"{b.lower()}.PNG", (20, 200, 20), fmt="PNG")  # any case
    (folder / f"{c}.jpg").write_bytes(b"esto no es una foto" * 100)  # corrupt
    (folder / f"{d}.jpg").write_bytes(os.urandom(2 * 1024 * 1024 + 10))  # over max_file_mb
    picture(folder / f"{e}.webp", (20, 20, 200), fmt="WEBP")

    with capture_logs() as logs:
        first = _push(world, max_file_mb=2)
    assert sorted(first.uploaded) == sorted([a, b.upper(), e])
    assert sorted(first.skipped) == sorted([c, d]) and not first.errors
    warned = {entry["code"]: entry["reason"] for entry in logs
              if entry["event"] == "image_skipped" and entry["log_level"] == "warning"}
    assert "not a JPEG, PNG or WebP" in warned[c] and "MB allowed" in warned[d]

    links = _catalog_images(world)
    version = re.fullmatch(rf"/img/articles/{a}/([0-9a-f]+)-thumb\.webp", links[a])
    assert version, links[a]
    assert links[c] == f"/img/articles/{c}"  # no image: the placeholder
    thumb = _get(world, links[a])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    assert thumb.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert len(thumb.content) <= MAX_THUMB_BYTES
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "WEBP" and max(image.size) == 160
    again = _get(world, links[a], **{"If-None-Match": thumb.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    detail = _get(world, links[a].replace("-thumb.webp", "-detail.webp"))
    with Image.open(io.BytesIO(detail.content)) as image:
        assert image.size == (800, 600)

    # Unchanged: nothing travels, not even the manifest (304); a touched file is not re-sent.
    os.utime(folder / f"{a}.jpg", ns=(1_000_000_000, 1_000_000_000))
    with capture_logs() as logs:
        second = _push(world, max_file_mb=2)
    assert second.uploaded == [] and second.deleted == [] and second.unchanged == 3
    assert sorted(second.skipped) == sorted([c, d])
    assert not [x for x in logs if x["log_level"] == "warning"]  # each bad file warned once
    state = ImageState(world["store"])
    assert world["client"].image_manifest(state.manifest_etag)[0] is None

    # Changed: a new version in the URL; the old URL sends to the new one.
    picture(folder / f"{a}.jpg", (250, 250, 0))
    picture(folder / f"{c}.jpg", (0, 250, 250))  # the corrupt file was fixed
    third = _push(world, max_file_mb=2)
    assert sorted(third.uploaded) == sorted([a, c]) and third.skipped == {d: third.skipped[d]}
    new_link = _catalog_images(world)[a]
    assert new_link != links[a]
    moved = _get(world, links[a])
    assert moved.status_code == 307 and moved.headers["location"] == new_link

    # Deleted: the cloud forgets it and the placeholder is back.
    (folder / f"{b.lower()}.PNG").unlink()
    fourth = _push(world, max_file_mb=2)
    assert fourth.deleted == [b.upper()] and fourth.uploaded == []
    assert _catalog_images(world)[b] == f"/img/articles/{b}"
    placeholder = _get(world, f"/img/articles/{b}")
    assert placeholder.headers["content-type"].startswith("image/svg+xml")
    assert _get(world, links[b]).headers["location"] == f"/img/articles/{b}"

    # The cloud lost its images: the next pass sends them all again.
    _cloud(world, "DELETE FROM article_images")
    fifth = _push(world, max_file_mb=2)
    assert sorted(fifth.uploaded) == sorted([a, c, e])
    assert len(_cloud(world, "SELECT article_code FROM article_images")) == 3


def test_an_unreadable_folder_deletes_nothing(world):
    picture(world["folder"] / "A1.jpg", (10, 10, 10))
    assert _push(world).uploaded == ["A1"]
    world["folder"].rename(world["tmp"] / "movida")
    gone = _push(world)
    assert gone.deleted == [] and "No se puede leer la carpeta de imágenes" in gone.errors[0]
    assert len(_cloud(world, "SELECT * FROM article_images")) == 1


def test_sync_once_pushes_the_images_folder(world):
    code = next(iter(_catalog_images(world)))
    picture(world["folder"] / f"{code}.jpg", (90, 10, 200))
    with open_connection(world["settings"]) as conn:
        summary = sync_once(world["client"], MasterDataReader(conn, world["settings"]),
                            PedidoWriter(conn, world["settings"]), Journal(world["store"]),
                            batch_size=500, max_orders=10,
                            images=ImagesConfig(folder=str(world["folder"])))
    assert summary.ok, summary.errors
    assert summary.images is not None and summary.images.uploaded == [code]
    assert "imágenes: 1 enviadas" in summary.line_es()
    assert _catalog_images(world)[code].endswith("-thumb.webp")


# --------------------------------------------------------------------------- the server's side


def _upload(world, code: str, thumb: bytes, detail: bytes, sha: str = "a" * 64,
            token: str | None = None) -> requests.Response:
    return requests.put(
        f"{world['server'].url}/api/v1/agent/images/{code}",
        headers={"Authorization": f"Bearer {token or world['token']}"},
        data={"source_sha256": sha},
        files={"thumb": ("t.webp", thumb, "image/webp"), "detail": ("d.webp", detail,
                                                                    "image/webp")},
        timeout=10)


def _webp(size=(100, 100), fmt="WEBP", **options) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 90).convert("RGB").save(out, fmt, **options)
    return out.getvalue()


def test_the_server_refuses_anything_but_webp_within_the_caps(world):
    good = _webp()
    cases = {
        "png as thumb": (_webp(fmt="PNG"), good, "a" * 64),
        "text as detail": (good, b"RIFF0000WEBPnot really" * 10, "a" * 64),
        "heavy thumb": (_webp((500, 500), quality=100), good, "a" * 64),
        "bad hash": (good, good, "not-a-sha"),
        "empty thumb": (b"", good, "a" * 64),
    }
    for name, (thumb, detail, sha) in cases.items():
        answer = _upload(world, "A1", thumb, detail, sha)
        assert answer.status_code == 422, (name, answer.status_code, answer.text)
        assert answer.json()["detail"]
    assert _upload(world, "X" * 16, good, good).status_code == 422  # not an article code
    assert world["client"].image_manifest()[0].images == []  # nothing was stored
    ok = _upload(world, "a1", good, good)
    assert ok.status_code == 200 and ok.json()["status"] == "stored"
    assert ok.json()["article_code"] == "A1"
    assert _upload(world, "A1", good, good).json()["status"] == "unchanged"


def test_another_company_never_sees_nor_touches_the_images(world):
    code = next(iter(_catalog_images(world)))
    picture(world["folder"] / f"{code}.jpg", (10, 200, 10))
    _push(world)
    link = _catalog_images(world)[code]
    assert _get(world, link).status_code == 200

    other = ScriptedSeller(world["server"].url)
    other.login("v@otra.com.ar", PASSWORD)
    assert _get(world, link, browser=other).status_code == 404
    assert _get(world, f"/img/articles/{code}", browser=other).status_code == 404
    with CloudClient(world["server"].url, world["other_token"], timeout_seconds=10) as client:
        assert client.image_manifest()[0].images == []
        assert client.delete_image(code).status == "absent"
    assert _get(world, link).status_code == 200  # still there for its own company
    anonymous = requests.get(world["server"].url + link, timeout=10, allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].endswith("/login")
    other.close()
