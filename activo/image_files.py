"""The images folder: which file is each article's, and its two WebP renditions.

A file's name is the article's code (``YER01.jpg``); the extension (jpg, jpeg, png, webp) is
matched in any case, and so is the name: codes are compared in upper case, as Tango keeps them,
so ``yer01.JPG`` is YER01's. When one code has several files, one is chosen the same way every
time (jpg before png before webp, then by name) and the others are reported.

Rendering never trusts the file: its size is checked before it is read, its pixel count before
it is decoded (a decompression bomb is a small file that decodes to gigabytes), only JPEG, PNG
and WebP decoders are allowed, and any failure is a ``BadImage`` with the reason. The thumbnail
is kept at most ``MAX_THUMB_BYTES``: its quality, then its size, are lowered until it fits.
No metadata travels (EXIF, GPS): only the pixels, turned upright first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from connectors.cloud.contract import MAX_IMAGE_CODE

EXTENSION_RANK = {".jpg": 0, ".jpeg": 0, ".png": 1, ".webp": 2}


class BadImage(Exception):
    """The file cannot be used as an article image; ``str()`` is the reason (English)."""


@dataclass(frozen=True)
class ImageFile:
    """The file chosen for one article code."""

    code: str
    path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class FolderScan:
    files: dict[str, ImageFile]  # article code → its file
    ignored: dict[str, tuple[Path, ...]]  # article code → other files for it, not used
    bad_names: tuple[Path, ...]  # image files whose name cannot be an article code


@dataclass(frozen=True)
class Limits:
    thumb_px: int = 160
    detail_px: int = 800
    max_file_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000


@dataclass(frozen=True)
class Renditions:
    thumb: bytes
    detail: bytes
    width: int  # of the source, upright
    height: int


# --------------------------------------------------------------------------- the folder


def code_of(path: Path) -> str | None:
    """The article code a file stands for, or None when its name cannot be one."""
    if path.suffix.lower() not in EXTENSION_RANK or path.name.startswith((".", "~")):
        return None
    code = path.stem.strip().upper()
    return code if 0 < len(code) <= MAX_IMAGE_CODE else None


def scan_folder(folder: Path) -> FolderScan:
    """The images in ``folder`` (not its subfolders). Raises ``OSError`` if it cannot be read."""
    candidates: dict[str, list[ImageFile]] = {}
    bad: list[Path] = []
    for entry in folder.iterdir():
        if entry.suffix.lower() not in EXTENSION_RANK:
            continue
        try:
            if not entry.is_file():
                continue
            stat = entry.stat()
        except OSError:
            continue  # vanished or unreadable meanwhile: the next pass sees it again
        code = code_of(entry)
        if code is None:
            if not entry.name.startswith((".", "~")):
                bad.append(entry)
            continue
        candidates.setdefault(code, []).append(
            ImageFile(code, entry, stat.st_size, stat.st_mtime_ns))
    files: dict[str, ImageFile] = {}
    ignored: dict[str, tuple[Path, ...]] = {}
    for code, found in candidates.items():
        chosen, *others = sorted(found, key=_preference)
        files[code] = chosen
        if others:
            ignored[code] = tuple(f.path for f in others)
    return FolderScan(files=files, ignored=ignored, bad_names=tuple(sorted(bad)))


def _preference(file: ImageFile) -> tuple[int, str]:
    return EXTENSION_RANK[file.path.suffix.lower()], file.path.name


# --------------------------------------------------------------------------- one file


def read_source(file: ImageFile, limits: Limits) -> bytes:
    """The file's bytes; ``BadImage`` when it is too large to be a sensible picture."""
    if file.size > limits.max_file_bytes:
        raise BadImage(f"file is {file.size / 1048576:.1f} MB, more than the "
                       f"{limits.max_file_bytes / 1048576:.0f} MB allowed")
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        raise BadImage(f"cannot read the file: {exc}") from None
    if len(data) > limits.max_file_bytes:
        raise BadImage("file grew past the size allowed while being read")
    return data


def source_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def render(data: bytes, limits: Limits) -> Renditions:
    """Both WebP renditions of an image file's bytes, or ``BadImage`` with the reason.

    Pillow is imported here, on first use: an agent without an images folder never loads it.
    """
    from activo.image_render import render_webp

    return render_webp(data, limits)
