"""Analyzers: one pipeline per language, chosen per document, and query-side expansion.

Each document is analysed with the stemmer of its own language. The indexer prefixes a text
field's value with a language marker (``"\\x1ede\\x1e" + text``; the stored value stays
clean) and ``PerLanguageAnalyzer`` strips the marker and runs that language's pipeline:

    RegexTokenizer | LowercaseFilter | StopFilter(lang) | SnowballFilter(lang) | fold accents

A query does not know which documents it will meet, so ``query_terms`` stems each query word
with every language present in the index and folds the results; the searcher ORs them. A
German query word therefore finds inflected German forms, and the same word still finds
English documents that contain it.

>>> analyzer = PerLanguageAnalyzer()
>>> [t.text for t in analyzer(with_language("Die neuen Wohnungen am Bahnhof", "de"))]
['neu', 'wohnung', 'bahnhof']
>>> [t.text for t in analyzer(with_language("The libraries are running late", "en"))]
['librari', 'run', 'late']
>>> sorted(query_terms("Wohnungen", ["de", "en"]))
['wohnung', 'wohnungen']
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.lang import stopwords_for_language

MARK = "\x1e"
# ISO 639-1 code → Snowball algorithm (PyStemmer). Others get the plain pipeline.
STEMMERS = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
    "nl": "dutch", "pt": "portuguese", "ru": "russian", "sv": "swedish", "da": "danish",
    "no": "norwegian", "fi": "finnish", "hu": "hungarian", "ro": "romanian", "tr": "turkish",
    "ca": "catalan", "cs": "czech", "pl": "polish", "el": "greek", "id": "indonesian",
}
_WORD = re.compile(r"\w+(?:['’.]\w+)*", re.UNICODE)


def with_language(text: str, lang: str) -> str:
    """Return ``text`` marked for analysis in ``lang`` (the form the indexer passes)."""
    return f"{MARK}{lang}{MARK}{text}"


def fold(text: str) -> str:
    """Remove accents: 'éolien' → 'eolien' (after stemming, so stemmers see real words)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class SnowballFilter(Filter):
    """Stem tokens with PyStemmer's Snowball algorithm for one language, then fold accents."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._stem = None

    def __getstate__(self) -> dict:
        return {"lang": self.lang}  # the schema is pickled into the index; the C stemmer is not

    def __setstate__(self, state: dict) -> None:
        self.lang, self._stem = state["lang"], None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SnowballFilter) and other.lang == self.lang

    def __call__(self, tokens):
        stem = self._stem
        if stem is None:
            algorithm = STEMMERS.get(self.lang)
            stem = self._stem = Stemmer.Stemmer(algorithm).stemWord if algorithm else str
        for t in tokens:
            if not t.stopped:
                t.text = fold(stem(t.text))
            yield t


@lru_cache(maxsize=64)
def language_pipeline(lang: str):
    """Return the analyzer for documents in ``lang`` ("" for unknown: no stemming)."""
    chain = RegexTokenizer(_WORD) | LowercaseFilter()
    if lang in STEMMERS:
        chain = chain | StopFilter(stoplist=frozenset(stopwords_for_language(lang) or ()),
                                   minsize=1)
    return chain | SnowballFilter(lang)


class PerLanguageAnalyzer(Analyzer):
    """Analyse a marked value with its language's pipeline; unmarked text: no stemming."""

    def __call__(self, value, **kwargs):
        lang = ""
        if value.startswith(MARK):
            end = value.find(MARK, 1)
            if 0 < end <= 8:
                lang, value = value[1:end], value[end + 1:]
        return language_pipeline(lang)(value, **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PerLanguageAnalyzer)


def plain_analyzer():
    """Return the unstemmed pipeline (spelling and completion words)."""
    return RegexTokenizer(_WORD) | LowercaseFilter()


def words(text: str) -> list[str]:
    """Return the lowercased words of ``text`` as the tokenizer sees them."""
    return [m.group().lower() for m in _WORD.finditer(text)]


@lru_cache(maxsize=4096)
def _stem(word: str, lang: str) -> str | None:
    tokens = list(language_pipeline(lang)(word, removestops=True))
    return tokens[0].text if tokens else None


def is_stopword(word: str, langs: tuple[str, ...]) -> bool:
    """Return True if ``word`` is a stop word in any of ``langs`` (not indexed there)."""
    return any(lang in STEMMERS and _stem(word, lang) is None for lang in langs)


def query_terms(word: str, langs) -> set[str]:
    """Return the index terms ``word`` may stand for in documents of any of ``langs``."""
    terms = {fold(word.lower())}
    for lang in langs:
        stem = _stem(word.lower(), lang)
        if stem:
            terms.add(stem)
    return terms
