"""Related documents: documents like one document, found by its most distinctive terms.

As Elasticsearch's ``more_like_this``: the source's title, dek, headings, tags and body are
analysed with its language's pipeline (the index terms themselves), each term scored by
tf-idf with the search field boosts (a word of the title counts three times), and the top
``SOURCE_TERMS`` terms searched as one OR query through the search's own evaluator (BM25F over
the same fields, each term weighted by its share of the source's tf-idf). Terms of one
document only find nothing and very common ones describe nothing: both are left out.

The source itself, its own quotes and its near-duplicates are never related; the rest are
folded one per near-duplicate group like search results, then ranked with the source's
language first and by score.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from math import log

import numpy as np

from index.analysis import language_pipeline
from index.errors import Deadline
from index.read.folding import collapse
from index.read.live import Snapshot
from index.read.order import in_order
from index.read.page import Row
from index.read.page import hits as page_hits
from index.read.query import FieldedTerm
from index.read.scoring import Evaluator, Hits
from index.read.snippets import plain_snippet
from index.read.stats import CorpusStats
from index.request import RelatedRequest
from index.results import Hit, RelatedResult
from index.store.whoosh_postings import postings

SOURCE_TERMS = 25           # terms of the source searched
MAX_CHARS = 20_000       # of each field analysed (a giant body: its start)
MAX_SHARE = 0.1          # a term in more than this share of documents is too common
FIELDS = ("title", "dek", "headings", "tags", "body")


def distinctive_terms(vocabulary, doc_count: int, stored: dict, boosts: dict[str, float]
                      ) -> list[tuple[str, float]]:
    """Return the source's top terms by field-weighted tf-idf, with their weights
    (``vocabulary`` and ``doc_count``: the whole corpus's)."""
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
    docs = max(doc_count, 1)
    scored = []
    for term, tf in weighted.items():
        df = vocabulary.frequency(term)
        if 2 <= df <= MAX_SHARE * docs and not term.isdigit():
            scored.append((term, tf * log(docs / df)))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:SOURCE_TERMS]


def query_of(terms: list[tuple[str, float]], boosts: dict[str, float]) -> list[FieldedTerm]:
    """Return the words searched for ``terms``, each weighted by its share of the best."""
    weights = {name: boosts[name] for name in FIELDS if boosts.get(name, 0) > 0}
    top = terms[0][1]
    return [FieldedTerm((term, ), weights, boost=0.5 + w / top) for term, w in terms]


def related(snap: Snapshot, req: RelatedRequest, boosts: dict[str, float], b: float,
            k1: float, deadline: Deadline) -> RelatedResult | None:
    """Return the documents like ``req.doc_id`` (None when there is no such document)."""
    searcher = snap.searcher()
    stored = searcher.document(id=req.doc_id)
    if stored is None:
        return None
    terms = distinctive_terms(snap.vocabulary(), snap.corpus.doc_count, stored, boosts)
    if not terms:
        return RelatedResult(req.doc_id, [], (), snap.snapshot_id)
    found = rows(snap, req, query_of(terms, boosts), stored.get("lang", ""), b, k1, deadline,
                 snap.corpus)
    hits = fetch_plain(snap, [(int(d), float(s), int(c), ())
                              for d, s, c in zip(found.docnum, found.score, found.copies)])
    return RelatedResult(req.doc_id, hits, tuple(t for t, _ in terms), snap.snapshot_id)


@dataclass(frozen=True)
class Rows:
    """One index's (or one shard's) best related documents, in order."""

    docnum: np.ndarray
    seq: np.ndarray
    tier: np.ndarray   # 1: in the source's language
    score: np.ndarray
    copies: np.ndarray


def rows(snap: Snapshot, req: RelatedRequest, words: list[FieldedTerm], lang: str, b: float,
         k1: float, deadline: Deadline, corpus: CorpusStats) -> Rows:
    """Return the best ``req.per_page`` documents of ``snap`` like the source: scored by
    ``words`` with the ``corpus`` statistics, the source's language first, folded one per
    near-duplicate group, ties broken by place in the corpus."""
    evaluator = Evaluator(snap.searcher(), snap.stats, snap.postings, snap.columns.live_ids(),
                          b, k1, deadline, corpus)
    parts = [evaluator.fielded_scores(word) for word in words]
    ids, where = np.unique(np.concatenate([p.ids for p in parts]), return_inverse=True)
    scores = np.bincount(where, weights=np.concatenate([p.scores for p in parts]),
                         minlength=len(ids))
    keep = _eligible(snap, req)[ids]
    found = Hits(ids[keep], scores[keep])
    cols = snap.columns
    same = (cols.codes["lang"][found.ids] == _code(cols.values["lang"], lang)).astype(np.int64)
    no_days = np.zeros(len(cols.day), dtype=np.int64)  # the date never ranks related ones
    found, same, copies = collapse(snap.groups, found, same, snap.order, no_days, "relevance",
                                   True)
    at = in_order(same, found.scores, no_days[found.ids], snap.order[found.ids], "relevance",
                  True, req.per_page)
    docnum = found.ids[at]
    return Rows(docnum, snap.order[docnum], same[at], found.scores[at],
                np.array([copies.get(int(d), 0) for d in docnum], dtype=np.int64))


def fetch_plain(snap: Snapshot, page: list[Row]) -> list[Hit]:
    """Return the hits of ``page`` (``page.Row``s) with the start of their text."""
    return page_hits(snap, page, lambda _, stored: plain_snippet(
        stored.get("body") or stored.get("dek") or ""))


def _code(values: list[str], value: str) -> int:
    return values.index(value) if value in values else -1


def _eligible(snap: Snapshot, req: RelatedRequest) -> np.ndarray:
    """Return the documents that may be related: the filters', minus the source, its quotes
    and its near-duplicates (all in the source's shard, when sharded)."""
    cols = snap.columns
    mask = cols.live.copy()
    for name, wanted in (("kind", req.kinds), ("lang", req.langs)):
        if wanted:
            table = np.zeros(len(cols.values[name]), dtype=bool)  # code → wanted
            table[[c for c in (_code(cols.values[name], v) for v in wanted) if c >= 0]] = True
            mask &= table[cols.codes[name]]
    searcher = snap.searcher()
    docnum = searcher.document_number(id=req.doc_id)
    if docnum is None:  # another shard's document
        return mask
    mask[docnum] = False
    quotes = postings(searcher.reader(), "article_id", req.doc_id, weights=False)[0]
    mask[quotes] = False
    key = int(snap.groups.key[docnum])
    if key:
        mask &= snap.groups.key != key
    return mask
