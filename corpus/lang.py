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
prefix of the text because its cost grows with length and a few hundred characters decide.
"""
from __future__ import annotations

import re

from langdetect import DetectorFactory
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
PREFIX_CHARS = 300
TRIALS = 3  # langdetect defaults to 7; 3 gave the same answers on FakeNewsNet at 2.5x speed
_WORDLESS = re.compile(r"^[\W\d_]*$")
_WORD = re.compile(r"[^\W\d_]+")
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


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or "" when it cannot tell.

    >>> detect_language("Die Stadt baut neue Wohnungen für junge Familien am Bahnhof.")
    'de'
    """
    sample = text[:PREFIX_CHARS]
    if _WORDLESS.match(sample):
        return ""
    clear = by_function_words(sample)
    if clear:
        return clear
    init_factory()
    from langdetect.detector_factory import _factory  # set by init_factory()

    detector = _factory.create()
    detector.n_trial = TRIALS
    detector.append(sample)
    try:
        lang = detector.detect()
    except LangDetectException:
        return ""
    return "" if lang == "unknown" else lang.split("-")[0]


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
