"""Which documents hold a phrase: the words at consecutive positions.

Headlines and names (``arrays.POSITION_FIELDS``) have each posting's positions as a 64-bit mask
in the posting arrays, so a phrase is checked for every candidate at once: the first word's
mask shifted by one, ANDed with the next word's, and so on (``adjacent``). Other fields, older
arrays and documents whose words also sit past position 62 are checked the slow way: the
stored text of a short field re-analysed for a few candidates, else Whoosh's positional
matchers.
"""
from __future__ import annotations

import numpy as np
from whoosh import query as Q

from index.analysis import language_pipeline
from index.store.whoosh_postings import OVERFLOW

STORED_TEXT = ("title", "person")  # short stored fields: a phrase is checked on their text
STORED_CHECK = 300                 # candidates at most for that; more: Whoosh's positions


def holding(searcher, postings, q: Q.Phrase, candidates: np.ndarray) -> np.ndarray:
    """Return the ``candidates`` (ascending; each holds every word of ``q``) holding the
    phrase ``q``, ascending; ``postings``: the snapshot's ``PostingLists``."""
    masks = [postings.position_masks(q.fieldname, w) for w in q.words] \
        if q.slop == 1 else [None]
    if all(m is not None for m in masks):
        return adjacent(candidates, masks, lambda rest: slow(searcher, q, rest))
    return slow(searcher, q, candidates)


def adjacent(candidates: np.ndarray, masks: list[tuple[np.ndarray, np.ndarray]],
             slow_check) -> np.ndarray:
    """Return the ``candidates`` (documents holding every word) where the words sit at
    consecutive positions, from each word's (docnums, position masks) in phrase order. A
    document where a word also sits past the masks' positions (``OVERFLOW``) is decided by
    ``slow_check`` (candidates → the ones holding the phrase)."""
    chain = np.zeros(len(candidates), dtype=np.uint64)
    unsure = np.zeros(len(candidates), dtype=bool)
    for i, (ids, bits) in enumerate(masks):
        word = bits[np.searchsorted(ids, candidates)]
        unsure |= (word & OVERFLOW) != 0
        word &= ~OVERFLOW
        chain = word if i == 0 else (chain << np.uint64(1)) & word
    found = candidates[(chain != 0) & ~unsure]
    if unsure.any():
        found = np.union1d(found, slow_check(candidates[unsure]))
    return found.astype(np.int64)


def slow(searcher, q: Q.Phrase, candidates: np.ndarray) -> np.ndarray:
    """Return which ``candidates`` hold the phrase ``q``: the stored text of a short field
    re-analysed for a few, else Whoosh's positional matchers."""
    if q.fieldname in STORED_TEXT and len(candidates) <= STORED_CHECK:
        return np.asarray([d for d in candidates.tolist() if _stored_phrase(searcher, d, q)],
                          dtype=np.int64)
    found = np.unique(np.fromiter(q.docs(searcher), dtype=np.int64))
    return found[np.isin(found, candidates, assume_unique=True)]


def _stored_phrase(searcher, docnum: int, q: Q.Phrase) -> bool:
    """Return True if the stored text of ``q``'s field holds its words in a row.

    Reading a few stored fields costs less than Whoosh's positional matchers, which open
    every word's posting list with positions."""
    fields = searcher.stored_fields(docnum)
    text = fields.get(q.fieldname) or ""
    lang = "" if q.fieldname == "person" else fields.get("lang", "")
    terms = [t.text for t in language_pipeline(lang)(text)]
    words, n = list(q.words), len(q.words)
    return any(terms[i:i + n] == words for i in range(len(terms) - n + 1))
