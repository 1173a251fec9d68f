"""A batch's text values as term numbers, for ``fast_segments``: what ``LanguageAnalyzer``
keeps of each value (``analysis.with_language`` marks its language), done once per distinct
word of the batch.

A segment's values of a text field are collected as documents are added and tokenised
together when the segment is finished: with ``findall`` and a word → term look-up per word
(``TextValues.python_tokens``, the reference), or, from ``COMPILED_FROM`` characters on,
with the compiled loop of ``tokens_jit`` that numbers the words without making a string per
word (``tests/test_build_shortcuts.py`` compares both on FakeNewsNet, German, French and
odd text; ``tests/test_fast_build.py`` compares the index with Whoosh's own writer's).
"""
from __future__ import annotations

from array import array
from typing import Callable, NamedTuple

import numpy as np

from index.analysis import MARK, WORD, language_pipeline
from index.write import tokens_jit

STOP = -1  # the term number of a stop word
_KEEP = STOP.__ne__
COMPILED_FROM = 2_000_000  # characters of a field's values in a segment from which the
                           # compiled loop runs (numba's import and cached loop: ~0.5 s once)


class Words(dict):
    """Word as written → term number in the batch's vocabulary (``STOP``: a stop word) for
    one language, found the way ``LanguageAnalyzer`` finds the term (of the word
    lowercased), once per batch."""

    def __init__(self, lang: str, vocabulary: dict[bytes, int]) -> None:
        super().__init__()
        self.analyzer = language_pipeline(lang)
        self.vocabulary = vocabulary

    def __missing__(self, word: str) -> int:
        lower = word.lower()  # words come as written: "The" and "the" are looked up once each
        if lower != word:
            number = self[word] = self[lower]
            return number
        an = self.analyzer
        bare = an.bare(word)
        if bare in an._stops:
            number = STOP
        else:
            term = an.term(bare).encode("utf-8")
            number = self.vocabulary.setdefault(term, len(self.vocabulary))
        self[word] = number
        return number


class Tokens(NamedTuple):
    """One text field's kept tokens over a batch: their term numbers in value order, and for
    each value with a kept token its document and count of kept tokens."""
    terms: np.ndarray
    docs: np.ndarray
    counts: np.ndarray


class TextValues:
    """One text field's values in a batch, in document order."""

    def __init__(self) -> None:
        self.docs: list[int] = []
        self.langs: list[str] = []
        self.texts: list[str] = []
        self.chars = 0

    def add(self, docnum: int, value: str) -> None:
        """Add document ``docnum``'s value (marked with its language, or not)."""
        lang = ""
        if value.startswith(MARK):
            end = value.find(MARK, 1)
            if 0 < end <= 8:
                lang, value = value[1:end], value[end + 1:]
        self.docs.append(docnum)
        self.langs.append(lang)
        self.texts.append(value)
        self.chars += len(value)

    def tokens(self, words_for: Callable[[str], Words]) -> Tokens:
        """Return the kept tokens (``words_for(lang)``: the language's word table)."""
        if self.chars >= COMPILED_FROM:
            return self.compiled_tokens(words_for)
        return self.python_tokens(words_for)

    def python_tokens(self, words_for: Callable[[str], Words]) -> Tokens:
        """Return the kept tokens, a value at a time with ``findall`` (the reference)."""
        terms, docs, counts = array("i"), array("i"), array("i")
        for docnum, lang, text in zip(self.docs, self.langs, self.texts):
            kept = array("i", filter(_KEEP, map(words_for(lang).__getitem__, WORD.findall(text))))
            if kept:  # a field only stop words fill has no postings (nor a length)
                terms.extend(kept)
                docs.append(docnum)
                counts.append(len(kept))
        return Tokens(*(np.frombuffer(a, dtype=np.int32) for a in (terms, docs, counts)))

    def compiled_tokens(self, words_for: Callable[[str], Words]) -> Tokens:
        """Return the kept tokens, the words numbered by ``tokens_jit`` and each distinct
        word of a language looked up once."""
        texts = self.texts
        points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"),
                               dtype=np.uint32)
        bounds = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(t) for t in texts], out=bounds[1:])
        names = sorted(set(self.langs))
        langs = np.array([names.index(lang) for lang in self.langs] if len(names) > 1
                         else [0] * len(self.langs), dtype=np.int64)
        ids, values, starts, ends, firsts = tokens_jit.number_words(points, bounds, langs)
        del points
        base = bounds[firsts]  # each distinct word's text, cut from its own value's
        numbers = np.fromiter((words_for(self.langs[v])[texts[v][a:b]] for v, a, b in
                               zip(firsts.tolist(), (starts - base).tolist(),
                                   (ends - base).tolist())),
                              dtype=np.int32, count=len(firsts))
        terms = numbers[ids]
        keep = terms != STOP
        per_value = np.bincount(values[keep], minlength=len(self.texts)).astype(np.int32)
        kept = np.flatnonzero(per_value)
        return Tokens(terms[keep], np.array(self.docs, dtype=np.int32)[kept], per_value[kept])
