"""Deterministic per-document language detection: function words first, then langdetect.

Most news prose says its language in its first few hundred characters through its function
words ("the", "und", "les"…). When one language's function words are at least ``CLEAR``
of that prefix's words and three times the next language's, that language is the answer;
otherwise langdetect decides. Measured against langdetect alone: on 6,000 FakeNewsNet
articles the shortcut answered 5,115 and agreed on 5,114 (the other: an English gossip
headline langdetect called Dutch); on free-news-demo (en/de/fr) it answered 920 of 1,198
and agreed on all. langdetect cost 1.2 ms an article, about 20 of FakeNewsNet's 49 CPU
seconds of extraction; the shortcut costs a few microseconds.

langdetect samples n-grams at random: without a fixed seed the same text can get different
answers. The seed is set here, before the first detection, and detection reads a bounded
prefix of the text because its cost grows with length and a few hundred characters decide;
``langdetect_np`` runs langdetect's own algorithm with numpy, to the same answers.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from langdetect import DetectorFactory
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from .langdetect_np import NumpyDetector

DetectorFactory.seed = 0
PREFIX_CHARS = 300
TRIALS = 3  # langdetect defaults to 7; 3 gave the same answers on FakeNewsNet at 2.5x speed
_WORDLESS = re.compile(r"^[\W\d_]*$")
_WORD = re.compile(r"[^\W\d_]+")
SHORT_WORDS = 20  # fewer words than this: the site's language, when known
SURE = 0.90  # langdetect's probability below which the site's language is kept
CLEAR = 8  # function words of one language in the prefix, at the least
FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in {
    "en": "the and of to is that for with was on are as by it he she his her have has from "
          "this be at were said they not but which will would been who",
    "de": "der die das und ist nicht mit von den dem ein eine zu sich auf für im auch es des "
          "wird wurde hat bei nach aus dass werden noch sind einen einer wie",
    "fr": "le la les et des est une un du dans pour que qui sur pas au par il elle ne se ce "
          "avec sont été aux mais plus ont cette leur",
    "es": "el la los las y de que en un una es por con para del se no al lo como más su pero "
          "fue ha sus este esta son",
    "it": "il la di che e del della un una per con non sono le gli è nel alla da si al anche "
          "ha dei come più ma questo delle stato",
    "nl": "de het een en van is dat op te niet met voor zijn ook aan er als bij door maar om "
          "wordt werd nog deze naar heeft hij ze",
    "pt": "o a os as e de do da dos das que em um uma para com não por mais na no se foi ao "
          "como mas também são pelo pela",
}.items()}


def detect_language(text: str, fallback: str = "") -> str:
    """Return the ISO 639-1 code of ``text``'s language, or "" when it cannot tell.

    ``fallback`` is the site's or feed's language: a short text (fewer than ``SHORT_WORDS``
    words in lines of prose: "Cell 1 Cell 2", "Padding preset: 4") or one langdetect is not sure of (below
    ``SURE``) gets it instead of a guess. ``SEARCH_LANGUAGES`` (e.g. "en,de") names the
    languages a corpus is expected to hold: a guess outside them is never made.

    >>> detect_language("Die Stadt baut neue Wohnungen für junge Familien am Bahnhof.")
    'de'
    >>> detect_language("Padding preset: 4 Margin preset: 4", "en")
    'en'
    """
    sample = text[:PREFIX_CHARS]
    if _WORDLESS.match(sample):
        return fallback
    expected = expected_languages()
    clear = by_function_words(sample)
    if clear and (not expected or clear in expected):
        return clear
    if fallback and _prose_words(sample) < SHORT_WORDS:
        return fallback  # "Cell 1 / Cell 2 / Caption", "Fill, no link / Outline, linked"
    load_profiles()
    from langdetect.detector_factory import _factory  # set by init_factory()

    detector = NumpyDetector(_factory)  # _factory.create(), its inner loop in numpy
    detector.n_trial = TRIALS
    detector.append(sample)
    try:
        ranked = [(p.lang.split("-")[0], p.prob) for p in detector.get_probabilities()]
    except LangDetectException:
        return fallback
    ranked = [(lang, p) for lang, p in ranked if lang != "unknown" and (
        not expected or lang in expected)]
    if not ranked or fallback and ranked[0][1] < SURE:
        return fallback
    return ranked[0][0]


def load_profiles() -> None:
    """Load langdetect's language profiles (0.3 s, once per process)."""
    init_factory()


def _prose_words(sample: str) -> int:
    """Return the words of ``sample`` in lines of prose (5 words or more), not in labels."""
    counts = (len(_WORD.findall(line)) for line in sample.splitlines())
    return sum(n for n in counts if n >= 5)


@lru_cache(maxsize=1)
def expected_languages() -> frozenset[str]:
    """Return the languages ``SEARCH_LANGUAGES`` says the corpus holds (empty: any)."""
    return frozenset(w.strip().lower() for w in os.environ.get("SEARCH_LANGUAGES", "").split(",")
                     if w.strip())


def by_function_words(sample: str) -> str | None:
    """Return the language whose function words clearly dominate ``sample``, else None.

    >>> by_function_words("The council said on Tuesday that the library, which was closed "
    ...                   "for a year, would open in May and that it has been rebuilt.")
    'en'
    >>> by_function_words("Trump Putin summit") is None
    True
    """
    words = [w.lower() for w in _WORD.findall(sample)]
    counts = sorted(((sum(w in fw for w in words), lang) for lang, fw in FUNCTION_WORDS.items()),
                    reverse=True)
    (best, lang), (second, _) = counts[0], counts[1]
    return lang if best >= CLEAR and best >= 3 * second else None
