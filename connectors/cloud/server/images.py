"""Article image placeholders: a tiny SVG with the article's initials, until real images arrive."""

from __future__ import annotations

import hashlib
from html import escape

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
