"""The images folder and the renditions: names, sizes, the 15 KB thumbnail, bad files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from activo.image_files import BadImage, Limits, read_source, render, scan_folder
from connectors.cloud.contract import MAX_THUMB_BYTES


def photo(width: int, height: int, seed: int = 64) -> Image.Image:
    """Photo-like and hard to compress at every scale: coarse and fine noise over a gradient."""
    coarse = (max(1, width // 12), max(1, height // 12))
    red = Image.effect_noise(coarse, seed).resize((width, height), Image.Resampling.NEAREST)
    green = Image.linear_gradient("L").resize((width, height))
    blue = Image.effect_noise((width, height), seed // 2 + 10)
    return Image.merge("RGB", (red, green, blue))


def save(image: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    image.save(path, fmt, **options)
    return path


def webp_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        return image.size


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` pixels in a few bytes: a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_both_renditions_are_webp_within_their_sides_keeping_the_aspect(tmp_path):
    path = save(photo(3000, 2000), tmp_path / "A1.jpg", "JPEG", quality=92)
    out = render(path.read_bytes(), Limits())
    assert webp_size(out.thumb) == (160, 107)
    assert webp_size(out.detail) == (800, 533)
    assert len(out.thumb) <= MAX_THUMB_BYTES


@pytest.mark.parametrize("thumb_px", [160, 512])
def test_a_noisy_3000_px_photo_gives_a_thumbnail_of_at_most_15_kb(tmp_path, thumb_px):
    path = save(photo(3000, 3000), tmp_path / "NOISE.png", "PNG", compress_level=1)
    out = render(path.read_bytes(), Limits(thumb_px=thumb_px))
    assert len(out.thumb) <= MAX_THUMB_BYTES
    width, height = webp_size(out.thumb)
    assert width == height and 16 <= width <= thumb_px


def test_a_small_image_is_not_enlarged_and_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    path = save(photo(300, 100), tmp_path / "R.jpg", "JPEG", exif=exif.tobytes())
    out = render(path.read_bytes(), Limits())
    assert webp_size(out.detail) == (100, 300)  # upright, not enlarged to 800
    assert (out.width, out.height) == (100, 300)
    with Image.open(io.BytesIO(out.detail)) as image:
        assert "exif" not in image.info  # no camera metadata travels


def test_transparency_survives(tmp_path):
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (100, 100, 300, 300))
    out = render(save(image, tmp_path / "T.png", "PNG").read_bytes(), Limits())
    with Image.open(io.BytesIO(out.thumb)) as thumb:
        assert thumb.mode == "RGBA" and thumb.getpixel((0, 0))[3] == 0


def test_names_are_matched_in_any_case_and_duplicates_are_chosen_the_same_way(tmp_path):
    small = photo(20, 20)
    for name, fmt in [("yer01.JPG", "JPEG"), ("Arroz.Png", "PNG"), ("A100.webp", "WEBP"),
                      ("B1.png", "PNG"), ("b1.jpeg", "JPEG"), ("B1.webp", "WEBP"),
                      (".A2.jpg", "JPEG"), ("~A3.jpg", "JPEG"), ("X" * 16 + ".jpg", "JPEG")]:
        save(small, tmp_path / name, fmt)
    (tmp_path / "notas.txt").write_text("no es una imagen")
    (tmp_path / "sub.jpg").mkdir()
    scan = scan_folder(tmp_path)
    assert sorted(scan.files) == ["A100", "ARROZ", "B1", "YER01"]
    assert scan.files["B1"].path.name == "b1.jpeg"  # jpg before png before webp
    assert sorted(p.name for p in scan.ignored["B1"]) == ["B1.png", "B1.webp"]
    assert [p.name for p in scan.bad_names] == ["X" * 16 + ".jpg"]
    assert scan.files["YER01"].size == (tmp_path / "yer01.JPG").stat().st_size


def test_a_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        scan_folder(tmp_path / "no-existe")


@pytest.mark.parametrize(("content", "reason"), [
    (b"esto no es una imagen" * 10, "not a JPEG, PNG or WebP"),
    (b"GIF89a" + b"\0" * 100, "not a JPEG, PNG or WebP"),  # a decoder not allowed
])
def test_a_file_that_is_not_an_image_is_a_bad_image(content, reason):
    with pytest.raises(BadImage, match=reason):
        render(content, Limits())


def test_a_truncated_jpeg_is_a_bad_image(tmp_path):
    data = save(photo(600, 600), tmp_path / "C.jpg", "JPEG").read_bytes()
    with pytest.raises(BadImage, match="damaged"):
        render(data[: len(data) // 3], Limits())


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "BIG.jpg"
    path.write_bytes(b"\xff" * (2 * 1024 * 1024 + 1))
    [file] = scan_folder(tmp_path).files.values()
    with pytest.raises(BadImage, match=r"2\.0 MB, more than the 2 MB"):
        read_source(file, Limits(max_file_bytes=2 * 1024 * 1024))


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_is_refused_without_decoding_it():
    with pytest.raises(BadImage, match="megapixels"):
        render(png_header_only(12_000, 12_000), Limits())
    with pytest.raises(BadImage, match="decompression bomb"):  # past Pillow's own guard
        render(png_header_only(60_000, 60_000), Limits(max_pixels=10**10))


def test_too_many_pixels_for_the_configured_limit(tmp_path):
    data = save(photo(1200, 1000), tmp_path / "M.png", "PNG").read_bytes()
    with pytest.raises(BadImage, match="1200x1000 pixels"):
        render(data, Limits(max_pixels=1_000_000))
