"""Snippets: the best passages of a field with the query's terms wrapped in ``<mark>``.

Each word of the text is turned into its index term by the analyzer of the document's
language, so stems match the way they did at search time; passages of about 240 characters
are cut around the matches (70 characters of context each side, like Whoosh's
``ContextFragmenter``) and the two with the most distinct terms are kept, in text order.
Everything outside the marks is escaped, quotes too, so a snippet is safe even inside an
attribute. The snippet is the only HTML the API returns. (Whoosh's ``highlight`` gave the
same passages at three times the cost: a Token object and a filter call per word.)

>>> snippet("Tom & Jerry <script>alert(1)</script> libraries", {"librari"}, "en")
'Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; <mark>libraries</mark>'
"""
from __future__ import annotations

import html
import re

from index.analysis import WORD, language_pipeline

SNIPPET_CHARS = 240   # at most this long, each passage
SURROUND = 70         # context kept around a match
PASSAGES = 2
BETWEEN = " … "
FALLBACK_CHARS = 200
WINDOW_BEFORE = 150   # characters kept before a likely match
WINDOW_AFTER = 1200   # and after it
WINDOWS = 3           # likely matches tried before the whole text is analysed
MAX_ANALYSED = 50_000  # characters of a field analysed at most (a 2 MB body is cut)


def snippet(text: str, terms: set[str], lang: str) -> str:
    """Return the marked snippet of ``text`` for index ``terms``, or "" if none occurs."""
    if not text or not terms:
        return ""
    terms = frozenset(terms)
    analyzer = language_pipeline(lang)
    marked = ""
    if len(text) > WINDOW_AFTER:  # analyse only the text around the first likely matches
        for window in _windows(text, terms):
            marked = _marked(window, terms, analyzer)
            if marked:
                break
    if not marked:
        marked = _marked(text[:MAX_ANALYSED], terms, analyzer)
    return " ".join(marked.split())


def _marked(text: str, terms: frozenset[str], analyzer) -> str:
    """Return the best passages of ``text`` with the words standing for ``terms`` marked."""
    matches = _matches(text, terms, analyzer)
    if not matches:
        return ""
    passages: list[tuple[int, list]] = []  # (start, the matches inside)
    for match in matches:
        if passages and match[1] + SURROUND - passages[-1][0] <= SNIPPET_CHARS:
            passages[-1][1].append(match)
        else:
            passages.append((max(0, match[0] - SURROUND), [match]))
    best = sorted(passages, key=lambda p: (-len({t for _, _, t in p[1]}), -len(p[1]), p[0]))
    return BETWEEN.join(_render(text, start, inside)
                        for start, inside in sorted(best[:PASSAGES], key=lambda p: p[0]))


def _matches(text: str, terms: frozenset[str], analyzer) -> list[tuple[int, int, str]]:
    """Return (start, end, term) of each word of ``text`` standing for one of ``terms``.

    The distinct words (``re.findall`` lists them at C speed) are looked up in the
    language's table of the words seen so far (``_Words``); then only the words that stand
    for a term are looked for, with one pattern, each occurrence kept when it is a whole word
    as ``WORD`` reads the text from its start (``_whole``)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer (İ): word by word
        return reference_matches(text, terms, analyzer)
    forms = _Words.of(analyzer).forms(set(WORD.findall(lowered)), terms)
    if not forms:
        return []
    pattern = re.compile("|".join(map(re.escape, sorted(forms, key=len, reverse=True))))
    matches = []
    for m in pattern.finditer(lowered):
        start, end = m.span()
        if _whole(lowered, start, end):
            matches.append((start, end, forms[m.group()]))
    return matches


class _Words:
    """The index term of every lower-cased word one language's snippets have met ("" for a
    stop word), and the words met per term: a page's snippets share most of their words, and
    a word is analysed once per process, not once per text."""

    LIMIT = 100_000  # words kept per language (about 10 MB); past it, the table starts again
    _tables: dict[str, _Words] = {}

    def __init__(self, analyzer) -> None:
        self.analyzer = analyzer
        self.term: dict[str, str] = {}
        self.words: dict[str, set[str]] = {}

    @classmethod
    def of(cls, analyzer) -> _Words:
        table = cls._tables.get(analyzer.lang)
        if table is None or len(table.term) > cls.LIMIT:
            table = cls._tables[analyzer.lang] = cls(analyzer)
        return table

    def forms(self, words: set[str], terms: frozenset[str]) -> dict[str, str]:
        """Return, of ``words``, those standing for one of ``terms``, with the term."""
        stop, term = self.analyzer.is_stop, self.analyzer.term
        for word in words.difference(self.term):
            found = self.term[word] = "" if stop(word) else term(word)
            self.words.setdefault(found, set()).add(word)
        return {word: t for t in terms for word in self.words.get(t, set()) & words}


def _whole(text: str, start: int, end: int) -> bool:
    """Return True if ``text[start:end]`` is a word as ``WORD.finditer`` reads ``text`` from
    its start: not the continuation of a word before it (a word character, or a joining
    ``'’.`` right after one) and the whole of the word starting there."""
    if start and (_inside(text[start - 1]) or (
            text[start - 1] in "'’." and start > 1 and _inside(text[start - 2]))):
        return False
    found = WORD.match(text, start)
    return found is not None and found.end() == end


def _inside(char: str) -> bool:
    """Return True for a character ``\\w`` matches (a letter, a digit, the underscore)."""
    return char.isalnum() or char == "_"


def reference_matches(text: str, terms: frozenset[str], analyzer) -> list[tuple[int, int, str]]:
    """``_matches`` word by word: the definition it is tested against."""
    stop, term = analyzer.is_stop, analyzer.term
    seen: dict[str, str | None] = {}  # word → the query term it stands for, or None
    matches = []
    for m in WORD.finditer(text):
        word = m.group().lower()
        try:
            found = seen[word]
        except KeyError:
            found = seen[word] = None if stop(word) or term(word) not in terms else term(word)
        if found is not None:
            matches.append((m.start(), m.end(), found))
    return matches


def _render(text: str, start: int, inside: list[tuple[int, int, str]]) -> str:
    """Return one passage: from ``start`` to some context after its last match, cut at
    spaces, with its matches marked and everything else escaped."""
    end = min(len(text), inside[-1][1] + SURROUND)
    if start > 0:  # begin at a word
        space = text.find(" ", start, inside[0][0])
        start = space + 1 if space >= 0 else inside[0][0]
    if end < len(text):  # and end at one
        space = text.rfind(" ", inside[-1][1], end)
        end = space if space >= 0 else inside[-1][1]
    out, at = [], start
    for s, e, _ in inside:
        out.append(html.escape(text[at:s], quote=True))
        out.append(f"<mark>{html.escape(text[s:e], quote=True)}</mark>")
        at = e
    out.append(html.escape(text[at:end], quote=True))
    return "".join(out)


def _windows(text: str, terms: frozenset[str]):
    """Yield stretches of ``text`` around the first words starting like a query term.

    Stems are mostly prefixes of the words they come from ("librari" is not, so only the
    first four letters are looked for); when no window holds a match, the caller analyses
    the whole text (up to ``MAX_ANALYSED`` characters).
    """
    prefixes = sorted({t[:4] for t in terms if t})
    if not prefixes:
        return
    head = text[:MAX_ANALYSED]
    lowered = head.lower()
    alternatives = "|".join(map(re.escape, prefixes))
    if len(lowered) == len(head):  # the same places: look in the lower case, several times
        pattern, searched = re.compile(r"\b(?:%s)" % alternatives), lowered  # faster
    else:
        pattern, searched = re.compile(r"\b(?:%s)" % alternatives, re.IGNORECASE), head
    end, tried = 0, 0
    for m in pattern.finditer(searched):
        if m.start() < end:  # inside the window already tried
            continue
        start = max(0, m.start() - WINDOW_BEFORE)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < m.start() else m.start()
        end = m.start() + WINDOW_AFTER
        yield text[start:end]
        tried += 1
        if tried >= WINDOWS:
            return


def plain_snippet(text: str) -> str:
    """Return the escaped start of ``text``, cut at a word boundary."""
    if len(text) > FALLBACK_CHARS:
        text = text[:FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=True)
