"""One search over one snapshot: parse, expand, evaluate, filter, rank a page, shape hits.

    text ──parse──▶ Whoosh query ──Expander──▶ index terms ──Evaluator──▶ Hits (ids, scores)
         ──Filters──▶ kept ids ──page──▶ top docnums ──stored fields──▶ Hit(document, snippet)
    facets are counted on the matches before filtering (multi-select), and a did-you-mean is
    offered when few documents match.

Stateless: everything it reads lives on the ``Snapshot``; everything it returns is typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from whoosh import query as Q
from whoosh.query.qcore import QueryError as WhooshQueryError

from . import facets
from .documents import from_stored
from .errors import Deadline, QueryError
from .live import Snapshot
from .analysis import words
from .expand import Expander
from .folding import collapse, only_group
from .matching import rank_key
from .query import explicit_and, parse, phrase_bonus
from .request import SearchRequest
from .results import Hit, SearchResult
from .schema import DEFAULT_BOOSTS
from .scoring import EMPTY, Evaluator, Hits
from .snippets import plain_snippet, snippet
from .spelling import did_you_mean
from .synonyms import Synonyms

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


def search(snap: Snapshot, req: SearchRequest, ranking: Ranking, deadline: Deadline,
           synonyms: Synonyms | None = None) -> SearchResult:
    """Run ``req`` on ``snap``; raise QueryTimeout (a query string is never refused)."""
    searcher = snap.searcher()
    cols = snap.columns
    langs = req.langs or snap.langs
    text = req.q.strip()
    rewritten, units = synonyms.rewrite(text) if synonyms is not None else (text, {})
    vocabularies = (lambda: (snap.vocabulary(), snap.words())) if req.typos else None
    expander = Expander(searcher.reader(), langs, deadline, vocabularies, _last_word(text),
                        units)
    if text:
        relax = req.operator != "or"
        query = expander.expand_top(parse(rewritten, ranking.boosts, req.operator), relax,
                                    strict=req.operator == "and" or explicit_and(text))
        bonus = phrase_bonus(text)
        if query is not None and bonus is not None:
            query = Q.AndMaybe(query, expander.expand(bonus))
    else:
        query = Q.Every()
    filters = facets.make_filters(cols, req.kinds, req.langs, req.authors,
                                  req.day_from, req.day_to, req.speakers)
    evaluator = Evaluator(searcher, snap.stats, snap.postings, cols.live_ids(),
                          ranking.b, ranking.k1, deadline)
    evaluator.eligible = filters.mask()
    try:
        matched = evaluator.evaluate(query) if query is not None else EMPTY
    except WhooshQueryError as exc:
        raise QueryError(f"cannot run the query: {exc}") from None
    if req.group:  # one near-duplicate group, listed in full: a restriction like the query
        matched = only_group(snap.groups, matched, req.group)
    final = matched
    if filters.active():
        keep = filters.keep(matched.ids)
        final = Hits(keep, matched.scores[np.searchsorted(matched.ids, keep)])
    if req.recency and text:
        final = Hits(final.ids, final.scores * recency_factor(cols.day[final.ids], req.recency))
    deadline.check()
    tiers = evaluator.tiers
    key = rank_key(tiers, final.ids, final.scores) if tiers is not None else None
    folded, copies = len(final.ids), {}
    if req.collapse and not req.group:
        final, key, copies = collapse(snap.groups, final, key, cols.day, req.sort, bool(text))
    folded -= len(final.ids)
    page = page_of(cols.day, final, req, ranked=bool(text), key=key)
    terms = {name: frozenset(found) for name, found in expander.log.terms.items()}
    hits = []
    for docnum, score in page:  # past the budget, the rest of the page gets plain snippets
        marked = req.snippets and not deadline.expired()
        hit = _hit(searcher.stored_fields(docnum), score, terms if marked else {}, req.snippets)
        hits.append(replace(hit, group=snap.groups.group_of(docnum),
                            copies=copies.get(docnum, 0)))
    total = len(final.ids)
    counts = (facets.count(cols, matched.ids, filters, req.date_by_month, req.authors,
                           req.speakers) if req.facets else None)
    dropped = tiers.missing(page[0][0]) if tiers is not None and page and \
        tiers.required < tiers.counted else []
    suggestion = (did_you_mean(snap.speller(), searcher.reader(), text, langs)
                  if text and (total < SUGGEST_BELOW or dropped or expander.log.typos) else None)
    return SearchResult(total=total, page=req.page, per_page=req.per_page, hits=hits,
                        snapshot=snap.snapshot_id, facets=counts, suggestion=suggestion,
                        terms=terms, not_required=tuple(dropped),
                        ignored=tuple(dict.fromkeys(expander.log.ignored)),
                        typos={w: tuple(v) for w, v in expander.log.typos.items()}, folded=folded)


def _last_word(text: str) -> str | None:
    """Return the word being typed (the text ends in it), which also matches as a prefix."""
    found = words(text)
    return found[-1] if found and text[-1:].isalnum() else None


def recency_factor(days: np.ndarray, half_life: float) -> np.ndarray:
    """Return a decay per document by date (newest 1, halving every ``half_life`` days);
    undated documents get the median decay of the dated ones: neither favoured nor buried."""
    dated = days > 0
    factor = np.ones(len(days))
    if not dated.any():
        return factor
    d = days[dated]
    when = (d // 10000) * 365.25 + (d // 100 % 100) * 30.44 + d % 100  # days, roughly
    factor[dated] = np.exp(-(when.max() - when) / half_life * np.log(2))
    factor[~dated] = np.median(factor[dated])
    return factor


def page_of(day: np.ndarray, final: Hits, req: SearchRequest, ranked: bool,
            key: np.ndarray | None = None) -> list[tuple[int, float | None]]:
    """Return the (docnum, score) pairs of the requested page, in order: by ``key`` (the
    relevance tiers) when given, else by score; or by date."""
    ids, shown = final
    scores = shown if key is None else key
    start = (req.page - 1) * req.per_page
    if start >= len(ids):
        return []
    end = start + req.per_page
    days = day[ids]
    if req.sort == "relevance" and ranked:
        if end < len(ids):  # only the documents scoring at least the end-th best compete
            cut = np.partition(scores, len(ids) - end)[len(ids) - end]
            top = np.flatnonzero(scores >= cut)
            ids, scores, days, shown = ids[top], scores[top], days[top], shown[top]
        # Ties (same score) fall back to the newer document, then the lower docnum.
        order = np.lexsort((ids, -days, -scores))[start:end]
    else:
        # Dated documents by date (ties: lower docnum first), unknown dates last.
        undated = days == 0
        order = np.lexsort((ids, days if req.sort == "date" else -days, undated))[start:end]
    return [(int(ids[i]), round(float(shown[i]), 4) if ranked else None) for i in order]


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
