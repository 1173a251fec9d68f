"""Snippets: the best passage of a field with the query's terms wrapped in ``<mark>``.

Whoosh's ``highlight`` does the work; the formatter escapes everything around the matches
(quotes too, so a snippet is safe even inside an attribute), and the analyzer is the one of
the document's language so that stems match the way they did at search time. The snippet is
the only HTML the API returns.

>>> snippet("Tom & Jerry <script>alert(1)</script> libraries", {"librari"}, "en")
'Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; <mark>libraries</mark>'
"""
from __future__ import annotations

import html
import re

from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text, highlight

from .analysis import language_pipeline

SNIPPET_CHARS = 240
CHARLIMIT = 100_000  # Whoosh's default of 32K would leave matches in long bodies unmarked
FALLBACK_CHARS = 200
WINDOW_BEFORE = 150   # characters kept before the first likely match
WINDOW_AFTER = 1200   # and after it


class MarkFormatter(HtmlFormatter):
    """Wrap matches in <mark>; escape all other text, quotes included."""

    def __init__(self) -> None:
        super().__init__(between=" … ")

    def _text(self, text: str) -> str:
        return html.escape(text, quote=True)

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


_FORMATTER = MarkFormatter()
_FRAGMENTER = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70, charlimit=CHARLIMIT)


def snippet(text: str, terms: set[str], lang: str) -> str:
    """Return the marked snippet of ``text`` for index ``terms``, or "" if none occurs."""
    if not text or not terms:
        return ""
    terms = frozenset(terms)
    analyzer = language_pipeline(lang)
    marked = ""
    window = _window(text, terms) if len(text) > WINDOW_AFTER else None
    if window is not None:  # analyse only the text around the first likely match
        marked = highlight(window, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2)
    if not marked:
        marked = highlight(text, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2)
    return " ".join(marked.split())


def _window(text: str, terms: frozenset[str]) -> str | None:
    """Return the stretch of ``text`` around the first word starting like a query term.

    Stems are mostly prefixes of the words they come from ("librari" is not, so only the
    first four letters are looked for); a miss just means the whole text is analysed.
    """
    prefixes = sorted({t[:4] for t in terms if t})
    if not prefixes:
        return None
    m = re.search(r"\b(?:%s)" % "|".join(map(re.escape, prefixes)), text, re.IGNORECASE)
    if m is None:
        return None
    start = max(0, m.start() - WINDOW_BEFORE)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < m.start() else m.start()
    return text[start:m.start() + WINDOW_AFTER]


def plain_snippet(text: str) -> str:
    """Return the escaped start of ``text``, cut at a word boundary."""
    if len(text) > FALLBACK_CHARS:
        text = text[:FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=True)
