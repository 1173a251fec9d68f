"""Editors' pins and hides, applied to one index's (or one shard's) matches at query time.

A request may name documents to pin (``SearchRequest.pinned``, in order) and to hide
(``SearchRequest.hidden``); the service decides which, from its rules. Here:

    hidden   removed from the matches: never listed, not in ``total`` nor in the facets
    pinned   added to the matches (score 0 when the query does not match them) and given a
             ranking tier above every other document, the first pin highest, so the
             result order (``order``) lists them first; they pass the request's filters
             like any other document (a site's key never sees another site's pin)

Pins apply only to a ranked, relevance-ordered list: a reader who asked for the newest
first gets dates. Ids that name no live document are skipped (the service reports them to
the editors). Nothing here runs when a request has neither.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from index.read.scoring import Hits
from index.request import SearchRequest
from index.store.whoosh_postings import postings

PINNED = 1 << 40  # tiers at or above this are pins (a relaxed tier is far below it)
_NO_IDS = np.empty(0, dtype=np.int64)
KNOWN = 10_000  # ids whose document number a snapshot keeps (rules name the same few)
_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def docnums(snap, ids: tuple[str, ...]) -> np.ndarray:
    """Return the live document numbers of ``ids`` in ``snap``, in the order given (ids not
    held here are left out); each id is looked up once per snapshot."""
    with _lock:
        known = _known.setdefault(snap, {})
    found = []
    for doc_id in ids:
        num = known.get(doc_id)
        if num is None:
            nums = postings(snap.searcher().reader(), "id", doc_id, weights=False)[0]
            nums = nums[snap.columns.live[nums]]
            num = int(nums[-1]) if len(nums) else -1  # a replaced document's newest version
            if len(known) < KNOWN:
                known[doc_id] = num
        if num >= 0:
            found.append(num)
    return np.array(list(dict.fromkeys(found)), dtype=np.int64) if found else _NO_IDS


@dataclass(frozen=True)
class Edits:
    """The document numbers a request pins (in order) and hides, in one snapshot."""

    pins: np.ndarray
    hidden: np.ndarray

    @classmethod
    def of(cls, snap, req: SearchRequest, ranked: bool) -> Edits | None:
        """Return the request's edits in ``snap``, or None when it has none."""
        if not req.hidden and not req.pinned:
            return None
        hidden = docnums(snap, req.hidden) if req.hidden else _NO_IDS
        pins = docnums(snap, req.pinned) if req.pinned and ranked \
            and req.sort == "relevance" and not req.group else _NO_IDS
        if len(hidden) and len(pins):
            pins = pins[~np.isin(pins, hidden)]  # a hidden document never shows
        return cls(pins, hidden)

    def apply(self, matched: Hits) -> Hits:
        """Return ``matched`` without the hidden documents and with the pinned ones."""
        ids, scores = matched
        if len(self.hidden):
            keep = ~np.isin(ids, self.hidden)
            ids, scores = ids[keep], scores[keep]
        if len(self.pins):
            extra = np.setdiff1d(self.pins, ids)
            if len(extra):
                ids = np.concatenate([ids, extra])
                scores = np.concatenate([scores, np.zeros(len(extra))])
                at = np.argsort(ids, kind="stable")
                ids, scores = ids[at], scores[at]
        return Hits(ids, scores)

    def tier(self, ids: np.ndarray, tiers) -> np.ndarray:
        """Return the ranking tier of ``ids``: the pins' above all, the others' from the
        relaxed matching record ``tiers`` (None: all equal)."""
        tier = np.zeros(len(ids), dtype=np.int64)
        pinned = np.isin(ids, self.pins) if len(self.pins) else np.zeros(len(ids), dtype=bool)
        if tiers is not None:
            tier[~pinned] = tiers.tier(ids[~pinned])
        if pinned.any():
            rank = {int(d): i for i, d in enumerate(self.pins)}
            tier[pinned] = [PINNED + len(self.pins) - rank[int(d)] for d in ids[pinned]]
        return tier


def is_pinned(tier: np.ndarray) -> np.ndarray:
    """Return which rows of a tier array are pins."""
    return tier >= PINNED
