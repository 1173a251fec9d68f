"""One search over one snapshot: parse, expand, evaluate, filter, rank a page, shape hits.

    text ──parse──▶ Whoosh query ──Expander──▶ index terms ──Evaluator──▶ Hits (ids, scores)
         ──Filters──▶ kept ids ──page──▶ top docnums ──stored fields──▶ Hit(document, snippet)
    facets are counted on the matches before filtering (multi-select), and a did-you-mean is
    offered when few documents match.

Stateless: everything it reads lives on the ``Snapshot``; everything it returns is typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from whoosh import query as Q
from whoosh.query.qcore import QueryError as WhooshQueryError

from . import facets
from .documents import from_stored
from .errors import Deadline, QueryError
from .live import Snapshot
from .query import Expander, parse, phrase_bonus
from .request import SearchRequest
from .results import Hit, SearchResult
from .schema import DEFAULT_BOOSTS
from .scoring import EMPTY, Evaluator, Hits
from .snippets import plain_snippet, snippet
from .spelling import did_you_mean

BM25_B = 0.75
BM25_K1 = 1.2
SUGGEST_BELOW = 10  # offer "did you mean" when a query finds fewer results than this
SNIPPET_FIELDS = ("body", "dek", "title", "headings")  # the first that holds a match


@dataclass(frozen=True)
class Ranking:
    """How text is scored: BM25F field weights and parameters."""

    boosts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_BOOSTS))
    b: float = BM25_B
    k1: float = BM25_K1


def search(snap: Snapshot, req: SearchRequest, ranking: Ranking, deadline: Deadline
           ) -> SearchResult:
    """Run ``req`` on ``snap``; raise QueryError or QueryTimeout."""
    searcher = snap.searcher()
    cols = snap.columns
    langs = req.langs or snap.langs
    expander = Expander(searcher.reader(), langs, deadline)
    text = req.q.strip()
    if text:
        query = expander.expand(parse(text, ranking.boosts, req.operator))
        bonus = phrase_bonus(text)
        if query is not None and bonus is not None:
            query = Q.AndMaybe(query, expander.expand(bonus))
    else:
        query = Q.Every()
    evaluator = Evaluator(searcher, snap.stats, snap.postings, cols.live_ids(),
                          ranking.b, ranking.k1, deadline)
    try:
        matched = evaluator.evaluate(query) if query is not None else EMPTY
    except WhooshQueryError as exc:
        raise QueryError(f"cannot run the query: {exc}") from None
    filters = facets.make_filters(cols, req.kinds, req.langs, req.authors,
                                  req.day_from, req.day_to)
    final = matched
    if filters.active():
        keep = filters.keep(matched.ids)
        final = Hits(keep, matched.scores[np.searchsorted(matched.ids, keep)])
    deadline.check()
    page = page_of(cols.day, final, req, ranked=bool(text))
    terms = {name: frozenset(found) for name, found in expander.terms.items()}
    hits = [_hit(searcher.stored_fields(docnum), score, terms, req.snippets)
            for docnum, score in page]
    total = len(final.ids)
    counts = (facets.count(cols, matched.ids, filters, req.date_by_month, req.authors)
              if req.facets else None)
    suggestion = (did_you_mean(snap.speller(), searcher.reader(), text, langs)
                  if text and total < SUGGEST_BELOW else None)
    return SearchResult(total=total, page=req.page, per_page=req.per_page, hits=hits,
                        snapshot=snap.snapshot_id, facets=counts, suggestion=suggestion,
                        terms=terms)


def page_of(day: np.ndarray, final: Hits, req: SearchRequest, ranked: bool
            ) -> list[tuple[int, float | None]]:
    """Return the (docnum, score) pairs of the requested page, in order."""
    ids, scores = final
    start = (req.page - 1) * req.per_page
    if start >= len(ids):
        return []
    end = start + req.per_page
    days = day[ids]
    if req.sort == "relevance" and ranked:
        if end < len(ids):  # only the documents scoring at least the end-th best compete
            cut = np.partition(scores, len(ids) - end)[len(ids) - end]
            top = np.flatnonzero(scores >= cut)
            ids, scores, days = ids[top], scores[top], days[top]
        # Ties (same score) fall back to the newer document, then the lower docnum.
        order = np.lexsort((ids, -days, -scores))[start:end]
    else:
        # Dated documents by date (ties: lower docnum first), unknown dates last.
        undated = days == 0
        order = np.lexsort((ids, days if req.sort == "date" else -days, undated))[start:end]
    return [(int(ids[i]), round(float(scores[i]), 4) if ranked else None) for i in order]


def _hit(stored: dict, score: float | None, terms: dict[str, frozenset[str]],
         with_snippet: bool) -> Hit:
    return Hit(from_stored(stored), score, _snippet(stored, terms) if with_snippet else None)


def _snippet(stored: dict, terms: dict[str, frozenset[str]]) -> str:
    """Return the marked passages of the first field holding a match, else the text's start."""
    lang = stored.get("lang", "")
    for name in SNIPPET_FIELDS:
        text = stored.get(name)
        if text and terms.get(name):
            marked = snippet(text, terms[name], lang)
            if marked:
                return marked
    return plain_snippet(stored.get("body") or stored.get("dek") or "")
