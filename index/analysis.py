"""Analyzers: one pipeline per language, chosen per document, and query-side expansion.

Each document is analysed with the stemmer of its own language. The indexer prefixes a text
field's value with a language marker (``"\\x1ede\\x1e" + text``; the stored value stays
clean) and ``PerLanguageAnalyzer`` strips the marker and runs that language's pipeline:

    tokenize | lowercase | drop stop words | Snowball stem | fold accents   (LanguageAnalyzer)

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
from collections import Counter
from functools import lru_cache

import Stemmer
from whoosh.analysis import Analyzer, LowercaseFilter, RegexTokenizer, Token
from whoosh.lang import NoStopWords, stopwords_for_language

MARK = "\x1e"
# ISO 639-1 code → Snowball algorithm (PyStemmer). Others get the plain pipeline.
STEMMERS = {
    "en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
    "nl": "dutch", "pt": "portuguese", "ru": "russian", "sv": "swedish", "da": "danish",
    "no": "norwegian", "fi": "finnish", "hu": "hungarian", "ro": "romanian", "tr": "turkish",
    "ca": "catalan", "cs": "czech", "pl": "polish", "el": "greek", "id": "indonesian",
}
WORD = re.compile(r"\w+(?:['’.]\w+)*", re.UNICODE)
# Elided articles and pronouns written onto the next word: "l'élection" is "élection",
# "s'est" is "est" (a stop word), as Lucene's ElisionFilter reads them.
ELISIONS = {
    "fr": re.compile(r"^(?:l|d|s|qu|c|j|n|m|t|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)"),
    "it": re.compile(r"^(?:l|d|c|un|all|dall|dell|nell|sull|coll|pell|quest|quell|nessun)['’](?=\w)"),
    "ca": re.compile(r"^(?:l|d|s|n|m|t)['’](?=\w)"),
}


def with_language(text: str, lang: str) -> str:
    """Return ``text`` marked for analysis in ``lang`` (the form the indexer passes)."""
    return f"{MARK}{lang}{MARK}{text}"


def fold(text: str) -> str:
    """Remove accents: 'éolien' → 'eolien' (after stemming, so stemmers see real words)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class LanguageAnalyzer(Analyzer):
    """Tokenize, lowercase, drop stop words, stem (Snowball, via PyStemmer) and fold accents.

    The same steps as ``RegexTokenizer | LowercaseFilter | StopFilter | StemFilter``, fused
    into one loop with a stem cache: indexing spends most of its time here.
    """

    CACHE_LIMIT = 100_000

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        algorithm = STEMMERS.get(self.lang)
        self._stem = Stemmer.Stemmer(algorithm).stemWord if algorithm else str
        try:
            self._stops = frozenset(stopwords_for_language(self.lang)) if algorithm else frozenset()
        except NoStopWords:
            self._stops = frozenset()
        self._elision = ELISIONS.get(self.lang)
        self._cache: dict[str, str] = {}

    def bare(self, word: str) -> str:
        """Return the lowercased ``word`` without an elided article ("l'élection" → "élection")."""
        if self._elision is not None and ("'" in word or "’" in word):
            return self._elision.sub("", word)
        return word

    def __getstate__(self) -> dict:
        return {"lang": self.lang}  # the schema is pickled into the index; the C stemmer is not

    def __setstate__(self, state: dict) -> None:
        self.lang = state["lang"]
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LanguageAnalyzer) and other.lang == self.lang

    def term(self, word: str) -> str:
        """Return the index term of one lowercased word."""
        cache = self._cache
        term = cache.get(word)
        if term is None:
            if len(cache) > self.CACHE_LIMIT:
                cache.clear()
            term = cache[word] = fold(self._stem(self.bare(word)))
        return term

    def is_stop(self, word: str) -> bool:
        """Return True if the lowercased ``word`` is a stop word (never indexed)."""
        return self.bare(word) in self._stops

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops, term = self._stops, self.term
        if not tokenize:
            t.original = value
            t.text = term(value.lower())
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        bare = self.bare
        for match in WORD.finditer(value):
            word = bare(match.group().lower())
            t.boost = 1.0
            if word in stops:
                if removestops:
                    continue
                t.stopped = True
                t.text = word
            else:
                t.stopped = False
                t.text = term(word)
            if keeporiginal:
                t.original = match.group()
            if positions:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


@lru_cache(maxsize=64)
def language_pipeline(lang: str) -> LanguageAnalyzer:
    """Return the analyzer for documents in ``lang`` ("" for unknown: no stemming)."""
    return LanguageAnalyzer(lang)


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
    return RegexTokenizer(WORD) | LowercaseFilter()


def words(text: str) -> list[str]:
    """Return the lowercased words of ``text`` as the tokenizer sees them."""
    return [m.group().lower() for m in WORD.finditer(text)]


def stem_of(word: str, lang: str) -> str | None:
    """Return the index term of ``word`` in ``lang``, or None for a stop word there."""
    analyzer = language_pipeline(lang)
    return None if analyzer.is_stop(word) else analyzer.term(word)


def is_stopword(word: str, langs: tuple[str, ...]) -> bool:
    """Return True if ``word`` is a stop word in any of ``langs`` (not indexed there)."""
    return any(language_pipeline(lang).is_stop(word) for lang in langs)


def query_terms(word: str, langs) -> set[str]:
    """Return the index terms ``word`` may stand for in documents of any of ``langs``: its
    stem in each language, of the word as typed and without its accents ("président" is
    "president" in French documents and "presid" in English ones)."""
    lowered = word.lower()
    terms = {fold(lowered)}
    for form in dict.fromkeys((lowered, fold(lowered))):
        for lang in langs:
            stem = stem_of(form, lang)
            if stem:
                terms.add(stem)
    return terms


MIN_LANG_SHARE = 0.01  # a language needs this share of the documents, or
MIN_LANG_DOCS = 20     # this many of them, before queries are expanded into its stems


def query_langs(counts: Counter) -> tuple[str, ...]:
    """Return the languages whose stems a query is expanded into, most documents first.

    Those with a real share of the documents: a language that only a few (often misdetected)
    documents have would add its stemmer's variants of every query word, and they match in
    documents of every language. On SciFact (5,182 English abstracts and one detected as
    German) expanding into German too cost 0.005 nDCG@10. A request's ``lang`` filter still
    expands into the languages it names.

    >>> query_langs(Counter({"en": 5182, "de": 1}))
    ('en',)
    >>> query_langs(Counter({"en": 900, "de": 80, "fr": 25, "it": 3, "": 4}))
    ('en', 'de', 'fr')
    >>> query_langs(Counter())
    ('en',)
    """
    total = sum(counts.values())
    langs = tuple(lang for lang, n in counts.most_common()
                  if lang and (n >= MIN_LANG_DOCS or n >= MIN_LANG_SHARE * total))
    return langs or ("en",)
