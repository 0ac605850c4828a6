"""Catalog search words: what an article is found by, and what a typed query looks for.

Searching is word-prefix, accent- and case-insensitive: «azuc» finds «Azúcar Común 1kg»,
«a0123» finds article A012345, a scanned barcode finds its article. The words of each article
live in an indexed table, so a search is a few index range scans on SQLite and PostgreSQL
alike instead of a LIKE over every article.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORD = 40
MAX_TERMS = 5
_SPLIT = re.compile(r"[^0-9a-z]+")


_JOINERS = re.compile(r"[\s\-./]+")


def fold(text: str) -> str:
    """Lower-case ASCII without accents: ``Azúcar Ñandú`` → ``azucar nandu``."""
    if text.isascii():  # most codes and many descriptions: nothing to take off
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(*fields: str) -> set[str]:
    """The distinct words of the given texts, each cut to ``MAX_WORD`` characters."""
    found: set[str] = set()
    for field in fields:
        if not field:
            continue
        folded = fold(field)
        found.update(w[:MAX_WORD] for w in _SPLIT.split(folded) if w)
        compact = _JOINERS.sub("", folded)
        if compact and len(compact) <= MAX_WORD and not _SPLIT.search(compact):
            found.add(compact)  # «ab-12» is also found as «ab12»
    return found


def article_words(code: str, description: str, extra_description: str = "", synonym: str = "",
                  barcode: str = "") -> set[str]:
    """Every word an article is found by."""
    return words(code, description, extra_description, synonym, barcode)


def query_terms(query: str) -> list[str]:
    """The prefixes a query looks for (all must match), longest first, at most ``MAX_TERMS``."""
    terms = {w[:MAX_WORD] for w in _SPLIT.split(fold(query)) if w}
    if len(terms) > 1:  # a lone letter among other words narrows nothing
        terms = {t for t in terms if len(t) > 1} or terms
    return sorted(terms, key=lambda t: (-len(t), t))[:MAX_TERMS]


def prefix_bounds(term: str) -> tuple[str, str]:
    """``[low, high)`` of the words starting with ``term`` (ASCII, so ``high`` is exact)."""
    return term, term[:-1] + chr(ord(term[-1]) + 1)
