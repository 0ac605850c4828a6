"""What the agent knows about the article images, kept in the state store.

``image_acks``: the images the cloud holds, by article code, with the source file's SHA-256 and
the size and modification time of the file that hash was taken from, so an untouched file is
not read again. It mirrors the cloud's manifest (replaced whenever the manifest changed) plus
every upload and delete acknowledged since. ``image_rejects``: files skipped as unusable, by
the same fingerprint, so a bad file is warned about once and not decoded again until it changes.
The manifest's ``ETag`` lives in the key/value table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from activo.state_store import StateStore

MANIFEST_ETAG_KEY = "images_manifest_etag"


@dataclass(frozen=True)
class AckedImage:
    article_code: str
    source_sha256: str
    version: str
    file_size: int | None = None
    file_mtime_ns: int | None = None

    def same_file(self, size: int, mtime_ns: int) -> bool:
        return self.file_size == size and self.file_mtime_ns == mtime_ns


class ImageState:
    """The images' tables of the state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    # ------------------------------------------------------------------ acknowledged

    def acked(self) -> dict[str, AckedImage]:
        rows = self.store.query(
            "SELECT article_code, source_sha256, version, file_size, file_mtime_ns "
            "FROM image_acks")
        return {r[0]: AckedImage(r[0], r[1], r[2], r[3], r[4]) for r in rows}

    def remember(self, image: AckedImage) -> None:
        """The cloud acknowledged ``image`` (or it was already there, from this file)."""
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO image_acks (article_code, source_sha256, version, file_size, "
                "file_mtime_ns, acked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_code) "
                "DO UPDATE SET source_sha256 = excluded.source_sha256, version = "
                "excluded.version, file_size = excluded.file_size, file_mtime_ns = "
                "excluded.file_mtime_ns, acked_at = excluded.acked_at",
                (image.article_code, image.source_sha256, image.version, image.file_size,
                 image.file_mtime_ns, self.store.now_text()),
            )

    def forget(self, codes: Iterable[str]) -> None:
        with self.store.transaction() as conn:
            conn.executemany("DELETE FROM image_acks WHERE article_code = ?",
                             [(code,) for code in codes])

    def replace_all(self, images: Iterable[AckedImage], etag: str | None) -> None:
        """The cloud's manifest changed: it is the truth now (file fingerprints kept when the
        hash is the one already known)."""
        known = self.acked()
        now = self.store.now_text()
        rows = []
        for image in images:
            old = known.get(image.article_code)
            same = old is not None and old.source_sha256 == image.source_sha256
            rows.append((image.article_code, image.source_sha256, image.version,
                         old.file_size if same and old else None,
                         old.file_mtime_ns if same and old else None, now))
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM image_acks")
            conn.executemany(
                "INSERT INTO image_acks (article_code, source_sha256, version, file_size, "
                "file_mtime_ns, acked_at) VALUES (?, ?, ?, ?, ?, ?)", rows)
        self.store.put(MANIFEST_ETAG_KEY, etag)

    @property
    def manifest_etag(self) -> str | None:
        value = self.store.get(MANIFEST_ETAG_KEY)
        return str(value) if value else None

    # ------------------------------------------------------------------ rejected files

    def rejected(self, code: str, size: int, mtime_ns: int) -> str | None:
        """The reason this very file was skipped before, or None."""
        rows = self.store.query(
            "SELECT reason FROM image_rejects WHERE article_code = ? AND file_size = ? "
            "AND file_mtime_ns = ?", code, size, mtime_ns)
        return str(rows[0][0]) if rows else None

    def reject(self, code: str, size: int, mtime_ns: int, reason: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO image_rejects (article_code, file_size, file_mtime_ns, reason, "
                "seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (article_code) DO UPDATE SET "
                "file_size = excluded.file_size, file_mtime_ns = excluded.file_mtime_ns, "
                "reason = excluded.reason, seen_at = excluded.seen_at",
                (code, size, mtime_ns, reason[:500], self.store.now_text()),
            )

    def clear_rejects(self, keep: Iterable[str]) -> None:
        """Forget the rejections of codes not in ``keep`` (fixed or removed files)."""
        keep = set(keep)
        rows = self.store.query("SELECT article_code FROM image_rejects")
        gone = [(r[0],) for r in rows if r[0] not in keep]
        if gone:
            with self.store.transaction() as conn:
                conn.executemany("DELETE FROM image_rejects WHERE article_code = ?", gone)
