"""Article images: the stored WebP renditions the agent sends, and, for articles without one,
a tiny SVG placeholder with the article's initials."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from html import escape

from PIL import Image
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from connectors.cloud.contract import ImageEntry
from connectors.cloud.server.code_lists import PerDialect, among
from connectors.cloud.server.models import ArticleImageRow
from connectors.cloud.server.sqltypes import utcnow

# Muted backgrounds that keep white initials readable.
PALETTE = ("#2f6f8f", "#5b6c2f", "#8f4a2f", "#5a3f8f", "#2f8f6a", "#8f2f5b", "#6b6b6b")


def initials(text: str) -> str:
    """Up to two letters from the first words of ``text``: ``Yerba Mate 1kg`` → ``YM``."""
    words = [w for w in text.replace("-", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def placeholder_svg(code: str, description: str) -> str:
    """A 96×96 SVG (a few hundred bytes) whose colour is stable for the article code."""
    colour = PALETTE[hashlib.sha256(code.encode("utf-8")).digest()[0] % len(PALETTE)]
    label = escape(initials(description or code))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="12" fill="{colour}"/>'
        '<text x="48" y="60" font-family="sans-serif" font-size="36" font-weight="bold" '
        f'fill="#fff" text-anchor="middle">{label}</text></svg>'
    )


def placeholder_etag(code: str, description: str) -> str:
    """A strong ETag for the placeholder: it changes only when what it draws changes."""
    seed = f"v1|{code}|{initials(description or code)}".encode()
    return '"' + hashlib.sha256(seed).hexdigest()[:20] + '"'


# --------------------------------------------------------------------------- stored images


class InvalidImage(ValueError):
    """An upload that is not what the contract says (English, for the agent's log)."""


def check_webp(data: bytes, part: str, max_bytes: int, max_side: int) -> None:
    """Refuse anything but a decodable WebP within the size caps (never trust the agent)."""
    if not data:
        raise InvalidImage(f"{part}: empty")
    if len(data) > max_bytes:
        raise InvalidImage(f"{part}: {len(data)} bytes, more than {max_bytes}")
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise InvalidImage(f"{part}: not a WebP image")
    try:
        with Image.open(io.BytesIO(data), formats=("WEBP",)) as image:
            if max(image.size) > max_side:
                raise InvalidImage(f"{part}: {image.size[0]}x{image.size[1]} pixels, more "
                                   f"than {max_side} on a side")
            image.load()
    except InvalidImage:
        raise
    except Exception as exc:  # whatever the decoder says: the bytes are not a usable WebP
        raise InvalidImage(f"{part}: damaged WebP ({type(exc).__name__})") from None


def image_version(thumb: bytes, detail: bytes) -> str:
    """The version in the image URLs: changes whenever either rendition changes."""
    digest = hashlib.sha256()
    for data in (thumb, detail):
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:20]


def image_key(code: str) -> str:
    """Images are keyed by the article code in upper case (see the agent's images folder)."""
    return code.strip().upper()


def find_image(session: Session, company_id: int, code: str) -> ArticleImageRow | None:
    return session.scalar(select(ArticleImageRow).where(
        ArticleImageRow.company_id == company_id,
        ArticleImageRow.article_code == image_key(code)))


def store_image(session: Session, company_id: int, code: str, source_sha256: str,
                thumb: bytes, detail: bytes) -> tuple[ArticleImageRow, bool]:
    """Insert or replace the article's image; True when something changed."""
    version = image_version(thumb, detail)
    row = find_image(session, company_id, code)
    if row is not None and row.version == version and row.source_sha256 == source_sha256:
        return row, False
    if row is None:
        row = ArticleImageRow(company_id=company_id, article_code=image_key(code))
        session.add(row)
    row.source_sha256 = source_sha256
    row.version = version
    row.thumb, row.detail = thumb, detail
    row.thumb_bytes, row.detail_bytes = len(thumb), len(detail)
    row.updated_at = utcnow()
    session.flush()
    return row, True


def delete_image(session: Session, company_id: int, code: str) -> bool:
    """Remove the article's image; False when there was none."""
    done = session.execute(delete(ArticleImageRow).where(
        ArticleImageRow.company_id == company_id,
        ArticleImageRow.article_code == image_key(code)))
    return bool(done.rowcount)  # type: ignore[attr-defined]


def manifest(session: Session, company_id: int) -> tuple[list[ImageEntry], str]:
    """Every image of the company (no pixels) and a strong ETag over the list."""
    rows = session.execute(
        select(ArticleImageRow.article_code, ArticleImageRow.source_sha256,
               ArticleImageRow.version, ArticleImageRow.thumb_bytes,
               ArticleImageRow.detail_bytes)
        .where(ArticleImageRow.company_id == company_id)
        .order_by(ArticleImageRow.article_code)
    ).all()
    entries = [ImageEntry(article_code=r[0], source_sha256=r[1], version=r[2],
                          thumb_bytes=r[3], detail_bytes=r[4]) for r in rows]
    digest = hashlib.sha256()
    for r in rows:
        digest.update(f"{r[0]}\0{r[1]}\0{r[2]}\n".encode())
    return entries, '"' + digest.hexdigest()[:32] + '"'


_VERSIONS = PerDialect(lambda dialect: select(
    ArticleImageRow.article_code, ArticleImageRow.version).where(
    ArticleImageRow.company_id == bindparam("company"),
    among(ArticleImageRow.article_code, "codes", dialect)))


def image_versions(session: Session, company_id: int, codes: Iterable[str]) -> dict[str, str]:
    """Article code (as asked) → the version of its image, for the codes that have one."""
    by_key: dict[str, list[str]] = {}
    for code in codes:
        by_key.setdefault(image_key(code), []).append(code)
    if not by_key:
        return {}
    rows = session.execute(_VERSIONS.for_session(session),
                           {"company": company_id, "codes": list(by_key)})
    return {code: version for key, version in rows for code in by_key[key]}
