"""Draw ACTIVO's icon with Pillow at build time, so no binary image lives in the repository.

``python installer/make_icon.py OUT.ico`` writes a multi-size .ico (Windows executables, the
installer) and a .png beside it. The spec calls ``write_icons`` itself; build.ps1 calls this
script before Inno Setup, which needs the .ico for the setup program.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (16, 24, 32, 48, 64, 128, 256)
GREEN = (22, 128, 72, 255)  # the tray's "todo bien" green
WHITE = (255, 255, 255, 255)


def draw(size: int = 256) -> Image.Image:
    """A green rounded square with a white "A" made of three strokes."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=GREEN)
    width = max(2, size // 9)
    top, left, right, bottom = (size * 0.5, size * 0.2), size * 0.22, size * 0.78, size * 0.8
    pen.line([(left, bottom), top, (right, bottom)], fill=WHITE, width=width, joint="curve")
    pen.line([(size * 0.34, size * 0.6), (size * 0.66, size * 0.6)], fill=WHITE, width=width)
    return image


def write_icons(ico_path: Path) -> Path:
    """Write ``ico_path`` (all sizes) and the 256 px PNG next to it; returns ``ico_path``."""
    ico_path.parent.mkdir(parents=True, exist_ok=True)
    image = draw(256)
    image.save(ico_path, format="ICO", sizes=[(s, s) for s in SIZES])
    image.save(ico_path.with_suffix(".png"), format="PNG")
    return ico_path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("uso: make_icon.py SALIDA.ico")
    print(write_icons(Path(sys.argv[1])))
