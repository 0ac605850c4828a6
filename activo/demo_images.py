"""Pictures for the demo's images folder: drawn at run time (no binary files in the project),
one per article on the catalog's first page, named by article code as the agent expects."""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 600
PICTURES = 24
COLOURS = ((196, 64, 52), (46, 125, 50), (21, 101, 192), (239, 160, 0), (106, 27, 154),
           (0, 131, 143), (93, 64, 55))


def demo_articles(tango_db: Path, limit: int = PICTURES) -> list[tuple[str, str]]:
    """(code, description) of the sellable articles the catalog lists first."""
    with sqlite3.connect(tango_db) as conn:
        rows = conn.execute(
            "SELECT COD_ARTICU, DESCRIPCIO FROM STA11 WHERE PERFIL <> 'N' "
            "ORDER BY DESCRIPCIO, COD_ARTICU LIMIT ?", (limit,)).fetchall()
    return [(str(code).strip(), str(description or "").strip()) for code, description in rows]


def draw_product(description: str, colour: tuple[int, int, int]) -> Image.Image:
    """A packet-like drawing: a coloured box with a label carrying the description."""
    image = Image.new("RGB", (SIZE, SIZE), (245, 244, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((110, 500, 490, 560), fill=(215, 213, 205))  # shadow
    draw.rounded_rectangle((150, 90, 450, 530), radius=36, fill=colour)
    draw.rounded_rectangle((175, 250, 425, 400), radius=18, fill=(255, 255, 255))
    font = ImageFont.load_default(size=30)
    # The built-in font has no accents: «Levité» is drawn «Levite».
    plain = unicodedata.normalize("NFKD", description).encode("ascii", "ignore").decode()
    words = plain.split() or ["?"]
    lines = [" ".join(words[:2]), " ".join(words[2:4])]
    for number, line in enumerate(filter(None, lines)):
        draw.text((300, 300 + number * 44), line[:16], fill=colour, font=font, anchor="mm")
    return image


def write_demo_images(folder: Path, articles: list[tuple[str, str]]) -> int:
    """One picture per article in ``folder`` (emptied first); returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file():
            old.unlink()
    articles = [(c, d) for c, d in articles if c and not set(c) & set('/\\:*?"<>|')]
    for code, description in articles:
        colour = COLOURS[hashlib.sha256(code.encode()).digest()[0] % len(COLOURS)]
        draw_product(description, colour).save(folder / f"{code}.jpg", "JPEG", quality=88)
    return len(articles)
