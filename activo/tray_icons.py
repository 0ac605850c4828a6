"""The tray icons, drawn with Pillow (no image files to ship or lose): a coloured disc with a
white mark, one per state colour."""

from __future__ import annotations

from types import MappingProxyType

from PIL import Image, ImageDraw

from activo.tray_model import IconColour

SIZE = 64
_RGB = MappingProxyType({
    IconColour.GREEN: (46, 160, 67),
    IconColour.BLUE: (31, 111, 235),
    IconColour.AMBER: (230, 160, 20),
    IconColour.RED: (207, 34, 46),
    IconColour.GREY: (130, 130, 130),
})


def rgb(colour: IconColour) -> tuple[int, int, int]:
    return _RGB[colour]


def draw_icon(colour: IconColour, size: int = SIZE) -> Image.Image:
    """A ``size``×``size`` RGBA image: disc in the state's colour, a white "A" shape on it."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = size // 16
    fill = _RGB[colour]
    border = tuple(max(0, c - 60) for c in fill)
    draw.ellipse((margin, margin, size - margin, size - margin), fill=fill, outline=border,
                 width=max(1, size // 32))
    # An "A" from three strokes: legible at 16 px, no font needed.
    w = max(2, size // 10)
    top, bottom = (size // 2, size // 5), size - size // 4
    left, right = size // 4 + size // 32, size - size // 4 - size // 32
    white = (255, 255, 255, 255)
    draw.line([(left, bottom), top], fill=white, width=w)
    draw.line([(right, bottom), top], fill=white, width=w)
    bar_y = size // 2 + size // 10
    draw.line([(left + size // 8, bar_y), (right - size // 8, bar_y)], fill=white, width=w)
    if colour is IconColour.GREY:  # paused: two bars are clearer than a tint alone
        draw.rectangle((size - size // 3, size - size // 3, size - 2, size - 2),
                       fill=(90, 90, 90, 255))
    return image
