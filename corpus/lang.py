"""Deterministic per-document language detection with langdetect.

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


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or "" when it cannot tell.

    >>> detect_language("Die Stadt baut neue Wohnungen für junge Familien am Bahnhof.")
    'de'
    """
    sample = text[:PREFIX_CHARS]
    if _WORDLESS.match(sample):
        return ""
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
