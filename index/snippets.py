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

from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text, highlight

from .analysis import language_pipeline

SNIPPET_CHARS = 240
CHARLIMIT = 100_000  # Whoosh's default of 32K would leave matches in long bodies unmarked
FALLBACK_CHARS = 200
FIRST_WINDOW = 6000


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
    if len(text) > FIRST_WINDOW:  # most matches are early: try a cheap prefix first
        marked = highlight(text[:FIRST_WINDOW], terms, analyzer, _FRAGMENTER, _FORMATTER, top=2)
    if not marked:
        marked = highlight(text, terms, analyzer, _FRAGMENTER, _FORMATTER, top=2)
    return " ".join(marked.split())


def plain_snippet(text: str) -> str:
    """Return the escaped start of ``text``, cut at a word boundary."""
    if len(text) > FALLBACK_CHARS:
        text = text[:FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=True)
