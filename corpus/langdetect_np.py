"""langdetect's detection with its inner loop in numpy: the same answers, a third of the time.

``Detector._detect_block`` multiplies 55 language probabilities by an n-gram's row, one
Python multiplication at a time, for each n-gram it draws at random (about 250 draws a
text), and every fifth draw divides them by their sum: 1.2 ms a text, most of what
detection costs. ``NumpyDetector`` draws the same n-grams from the same seeded generator
and does the same floating-point operations on arrays: elementwise products and quotients
are exact IEEE operations either way, and the sum is taken in order (``np.add.accumulate``,
not ``np.sum``'s pairwise sum), so the probabilities, and the answers, are identical
(``tests/test_langdetect_np.py`` compares them with langdetect's own on real articles).
"""
from __future__ import annotations

import numpy as np
from langdetect.detector import Detector
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram


_NORMAL: dict[str, str] = {}  # character -> NGram.normalize(character)
_ROWS: dict[str, np.ndarray] = {}  # n-gram -> its row of language probabilities, as an array


def _row(word: str, table: dict[str, list[float]]) -> np.ndarray:
    row = _ROWS.get(word)
    if row is None:  # at most one per n-gram of langdetect's profiles (87,598)
        row = _ROWS[word] = np.array(table[word], dtype=np.float64)
    return row


class NumpyDetector(Detector):
    """A langdetect ``Detector`` whose probability updates run on numpy arrays."""

    def _extract_ngrams(self) -> list[str]:
        """Return the text's n-grams found in the profiles: ``Detector._extract_ngrams``
        with ``NGram.add_char`` inlined and each character's normalisation looked up once."""
        found: list[str] = []
        table, normal = self.word_lang_prob_map, _NORMAL
        grams, capital = " ", False
        for ch in self.text:
            norm = normal.get(ch)
            if norm is None:
                norm = normal[ch] = NGram.normalize(ch)
            last = grams[-1]
            if last == " ":
                grams, capital = " ", False
                if norm == " ":
                    continue
            elif len(grams) >= NGram.N_GRAM:
                grams = grams[1:]
            grams += norm
            capital = norm.isupper() and (capital or last.isupper())
            if capital:
                continue
            for n in range(1, len(grams) + 1):
                gram = grams[-n:]
                if gram != " " and gram in table:
                    found.append(gram)
        return found

    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        rows: dict[str, int] = {}
        picks = [rows.setdefault(w, len(rows)) for w in ngrams]
        table = np.stack([_row(w, self.word_lang_prob_map) for w in rows])
        langprob = np.zeros(len(self.langlist))
        self.random.seed(self.seed)
        # random.choice(seq) is seq[_randbelow(len(seq))]: the same draws, a call less
        below, count, accumulate = self.random._randbelow, len(picks), np.add.accumulate
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            factors = alpha / self.BASE_FREQ + table  # weight + p, as _update_lang_prob
            i = 0
            while True:
                prob *= factors[picks[below(count)]]
                if i % 5 == 0:
                    prob /= accumulate(prob)[-1]  # sum(prob): left to right
                    if prob.max() > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                        break
                i += 1
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()
