"""Related documents: documents like one document, found by its most distinctive terms.

As Elasticsearch's ``more_like_this``: the source's title, dek, headings, tags and body are
analysed with its language's pipeline (the index terms themselves), each term scored by
tf-idf with the search field boosts (a word of the title counts three times), and the top
``MAX_TERMS`` terms searched as one OR query through the search's own evaluator (BM25F over
the same fields, each term weighted by its share of the source's tf-idf). Terms of one
document only find nothing and very common ones describe nothing: both are left out.

The source itself, its own quotes and its near-duplicates are never related; the rest are
folded one per near-duplicate group like search results, then ranked with the source's
language first and by score.
"""
from __future__ import annotations

from collections import Counter
from math import log

import numpy as np

from .analysis import language_pipeline
from .errors import Deadline
from .folding import collapse
from .live import Snapshot
from .postings import postings
from .query import FieldedTerm
from .request import RelatedRequest
from .results import Hit, RelatedResult
from .scoring import Evaluator, Hits
from .snippets import plain_snippet
from .documents import from_stored

MAX_TERMS = 25           # terms of the source searched
MAX_CHARS = 20_000       # of each field analysed (a giant body: its start)
MAX_SHARE = 0.1          # a term in more than this share of documents is too common
FIELDS = ("title", "dek", "headings", "tags", "body")


def distinctive_terms(snap: Snapshot, stored: dict, boosts: dict[str, float]
                      ) -> list[tuple[str, float]]:
    """Return the source's top terms by field-weighted tf-idf, with their weights."""
    analyzer = language_pipeline(stored.get("lang", ""))
    extra = stored.get("extra") or {}
    texts = {"title": stored.get("title", ""), "dek": stored.get("dek", ""),
             "headings": stored.get("headings", ""), "tags": ", ".join(extra.get("tags", ())),
             "body": stored.get("body", "")}
    weighted: Counter = Counter()
    for name in FIELDS:
        text, boost = texts[name], boosts.get(name, 0.0)
        if text and boost > 0:
            for term, tf in Counter(t.text for t in analyzer(text[:MAX_CHARS])).items():
                weighted[term] += boost * tf
    vocabulary = snap.vocabulary()
    docs = max(snap.stats.doc_count, 1)
    scored = []
    for term, tf in weighted.items():
        df = vocabulary.frequency(term)
        if 2 <= df <= MAX_SHARE * docs and not term.isdigit():
            scored.append((term, tf * log(docs / df)))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:MAX_TERMS]


def related(snap: Snapshot, req: RelatedRequest, boosts: dict[str, float], b: float,
            k1: float, deadline: Deadline) -> RelatedResult | None:
    """Return the documents like ``req.doc_id`` (None when there is no such document)."""
    searcher = snap.searcher()
    reader = searcher.reader()
    docnum = searcher.document_number(id=req.doc_id)
    if docnum is None:
        return None
    stored = searcher.stored_fields(docnum)
    terms = distinctive_terms(snap, stored, boosts)
    if not terms:
        return RelatedResult(req.doc_id, [], (), snap.snapshot_id)
    weights = {name: boosts[name] for name in FIELDS if boosts.get(name, 0) > 0}
    top = terms[0][1]
    evaluator = Evaluator(searcher, snap.stats, snap.postings, snap.columns.live_ids(), b, k1,
                          deadline, snap.corpus)
    parts = [evaluator.fielded_scores(FieldedTerm((term, ), weights, boost=0.5 + w / top))
             for term, w in terms]
    ids, where = np.unique(np.concatenate([p.ids for p in parts]), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate([p.scores for p in parts]),
                         minlength=len(ids))
    keep = _eligible(snap, req, docnum, reader)[ids]
    found = Hits(ids[keep], scores[keep])
    cols = snap.columns
    lang = stored.get("lang", "")
    # the source's language first: a bonus larger than any score
    same = cols.codes["lang"][found.ids] == _code(cols.values["lang"], lang)
    ranked = Hits(found.ids, found.scores + same * (found.scores.max(initial=0) + 1))
    ranked, _, copies = collapse(snap.groups, ranked, np.zeros(len(ranked.ids), dtype=np.int64),
                                 snap.order, cols.day, "relevance", True)
    best = _top(ranked.scores, req.per_page)
    hits = []
    for i in best:
        doc = int(ranked.ids[i])
        fields = searcher.stored_fields(doc)
        score = round(float(scores[np.searchsorted(ids, doc)]), 4)  # without the bonus
        hits.append(Hit(from_stored(fields), score,
                        plain_snippet(fields.get("body") or fields.get("dek") or ""),
                        group=snap.groups.group_of(doc), copies=copies.get(doc, 0)))
    return RelatedResult(req.doc_id, hits, tuple(t for t, _ in terms), snap.snapshot_id)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Return the positions of the ``k`` best scores, best first (ties: lower position)."""
    if len(scores) > k:
        cut = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = np.flatnonzero(scores >= cut)
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")][:k]


def _code(values: list[str], value: str) -> int:
    return values.index(value) if value in values else -1


def _eligible(snap: Snapshot, req: RelatedRequest, docnum: int, reader) -> np.ndarray:
    """Return the documents that may be related: the filters', minus the source, its quotes
    and its near-duplicates."""
    cols = snap.columns
    mask = cols.live.copy()
    for name, wanted in (("kind", req.kinds), ("lang", req.langs)):
        if wanted:
            table = np.zeros(len(cols.values[name]), dtype=bool)  # code → wanted
            table[[c for c in (_code(cols.values[name], v) for v in wanted) if c >= 0]] = True
            mask &= table[cols.codes[name]]
    mask[docnum] = False
    quotes = postings(reader, "article_id", req.doc_id, weights=False)[0]
    mask[quotes] = False
    key = int(snap.groups.key[docnum])
    if key:
        mask &= snap.groups.key != key
    return mask
