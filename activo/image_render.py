"""Decoding an article's image file and encoding its two WebP renditions (Pillow).

Kept apart from ``activo.image_files`` (scanning, reading, fingerprints) so that only an agent
with an images folder ever imports Pillow; the headless engine otherwise loads no imaging or
GUI library at all.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from PIL import Image, ImageOps, UnidentifiedImageError

from activo.image_files import BadImage, Limits, Renditions
from connectors.cloud.contract import MAX_DETAIL_BYTES, MAX_THUMB_BYTES

DECODERS = ("JPEG", "PNG", "WEBP")
THUMB_QUALITIES = (72, 60, 48, 36, 26)
DETAIL_QUALITIES = (80, 70, 60, 50, 40)
SHRINK = 0.8  # when the lowest quality is still too heavy, the next try is this much smaller
MAX_SHRINKS = 6


def render_webp(data: bytes, limits: Limits) -> Renditions:
    """Both WebP renditions of an image file's bytes, or ``BadImage`` with the reason."""
    try:
        with Image.open(io.BytesIO(data), formats=DECODERS) as image:
            width, height = image.size
            if width * height > limits.max_pixels:
                raise BadImage(f"image is {width}x{height} pixels, more than the "
                               f"{limits.max_pixels / 1e6:.0f} megapixels allowed")
            if image.format == "JPEG":  # decode at a fraction of the size when it is huge
                image.draft("RGB", (limits.detail_px, limits.detail_px))
            upright = _upright(image)
    except BadImage:
        raise
    except Image.DecompressionBombError as exc:
        raise BadImage(f"decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise BadImage("not a JPEG, PNG or WebP image") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # what Pillow's decoders raise
        raise BadImage(f"damaged image: {exc}") from None
    detail = _fit(upright, limits.detail_px, DETAIL_QUALITIES, MAX_DETAIL_BYTES)
    thumb = _fit(upright, limits.thumb_px, THUMB_QUALITIES, MAX_THUMB_BYTES)
    return Renditions(thumb=thumb, detail=detail, width=upright.width, height=upright.height)


def _upright(image: Image.Image) -> Image.Image:
    """Decoded, turned as the camera says, in RGB (or RGBA when it has transparency)."""
    image.load()
    upright = ImageOps.exif_transpose(image) or image
    transparent = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info)
    if upright.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit greyscale PNG
        upright = upright.point(lambda v: v / 256).convert("L")
    return upright.convert("RGBA" if transparent else "RGB")


def _fit(image: Image.Image, side: int, qualities: Iterable[int], max_bytes: int) -> bytes:
    """WebP of ``image`` within ``side``×``side`` and ``max_bytes``: lower quality first, then
    smaller."""
    for _ in range(MAX_SHRINKS + 1):
        resized = image.copy()
        resized.thumbnail((side, side), Image.Resampling.LANCZOS)
        for quality in qualities:
            out = io.BytesIO()
            resized.save(out, "WEBP", quality=quality, method=4)
            if out.tell() <= max_bytes:
                return out.getvalue()
        side = max(16, int(side * SHRINK))
    raise BadImage(f"cannot encode it within {max_bytes} bytes")
