"""``corpus.langdetect_np`` against langdetect itself: the same probabilities, to the last
bit, on real multilingual news and on scripts langdetect normalises specially."""
from __future__ import annotations

import gzip
import itertools
import json

import pytest
from langdetect.detector import Detector
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from corpus import lang
from corpus.langdetect_np import NumpyDetector
from tests.conftest import FAKENEWS, FREENEWS, need

SCRIPTS = [
    "Москва — столица России, ГОРОД на реке", "北京是中国的首都。東京は日本の首都です。ひらがな カタカナ",
    "مرحبا بكم في موقعنا یی", "서울은 한국의 수도입니다", "Ṣẹ ọ̀rọ̀ Ạ ș ț Tiếng Việt có dấu",
    "Le conseil municipal a voté le budget de la ville", "NASA USA FBI CIA", "", "123 !!! ...", "ＡＢＣ ｄｅｆ", "Ελληνικά κείμενα εδώ", "עברית כאן",
]


def _texts(path, lines: int) -> list[str]:
    with gzip.open(need(path), "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in itertools.islice(f, lines)]
    return [text for r in records for text in (str(r.get("title") or ""),
                                              str(r.get("text") or r.get("body") or "")[:300])]


def _answers(detector_class, texts: list[str], trials: int) -> list:
    init_factory()
    from langdetect.detector_factory import _factory  # noqa: PLC0415 - set by init_factory()

    out = []
    for text in texts:
        detector = detector_class(_factory)
        detector.n_trial = trials
        detector.append(text)
        try:
            out.append([(p.lang, p.prob) for p in detector.get_probabilities()])
        except LangDetectException as exc:
            out.append(str(exc))
    return out


@pytest.mark.parametrize("trials", [lang.TRIALS, 7])
def test_same_probabilities_as_langdetect(trials):
    texts = SCRIPTS + _texts(FREENEWS, 150) + _texts(FAKENEWS, 150)
    ours = _answers(NumpyDetector, texts, trials)
    assert ours == _answers(Detector, texts, trials)  # exact floats, not approximately
    found = {answer[0][0] for answer in ours if isinstance(answer, list) and answer}
    assert {"en", "de", "fr", "ru", "ja", "ar", "ko", "vi"} <= found
    assert "No features in text." in ours  # "" and "123 !!!": langdetect's own error
