"""The coordinator of a sharded search: the same answer as one index, from N shards.

It reads the whole corpus's words and statistics from the snapshot's ``head.Head`` and
leaves the postings to the shards (``shard_server.ShardServer``), wherever they run
(``fanout``).

One search (``search``), as Elasticsearch's ``dfs_query_then_fetch``:

    plan      parse and expand the query on the head (``search.plan``)
    prepare   every shard evaluates it with its own statistics and reports the document
              frequencies it used and each relaxed node's evidence; the head adds them up
              and decides, for the whole corpus, which words are common and how many of the
              rest a document needs (``matching.decide``)
    query     every shard evaluates it again with those sums (so each document gets the
              score one index would give it), filters and folds, and returns its best rows
              for the page, its total and raw facet counts (codes, ``facet_codes``); the
              head merges the rows in the one result order (``order``) and adds totals and
              counts up
    page      the head reads the page's stored fields and makes its snippets itself, from
              the shard directories it has open (``pages``): no third round; unless this
              process answers some shards itself and replicas the rest (shard 0 in each
              worker, the default on Ray): then each shard makes its own rows' hits in a
              fetch round, the replicas' side by side with this process's

The head counts the prepare round itself when the request has no filters: it maps every
shard's posting arrays (``head_counting``), so each shard gets one call, the query round,
and the shards answer it side by side. With filters (the head has no facet columns), two
rounds; one when the prepared statistics of the same words and filters are kept (a next
page, another order, a facet click), or when one process holds every shard (the default on
Ray, ``ray_replica.layout``): it runs both rounds in one call (``rounds``).

A shard that cannot answer makes the whole search fail with ``IndexUnavailable`` (a 503):
never a page that silently lacks a shard's documents.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from whoosh import query as Q

from index.cluster import facet_codes, pages
from index.cluster.fanout import Shards
from index.cluster.head import Head
from index.cluster.head_counting import countable, counted
from index.cluster.rounds import ROUNDS, completed
from index.errors import Deadline
from index.read import exactness
from index.read import related as related_op
from index.read.order import in_order
from index.read.pinning import is_pinned
from index.read.search import Ranking, plan, result
from index.read.stats import CorpusStats
from index.read.synonyms import Synonyms
from index.request import RelatedRequest, SearchRequest
from index.results import Hit, RelatedResult, SearchResult


def search(head: Head, shards: Shards, req: SearchRequest, ranking: Ranking,
           deadline: Deadline, synonyms: Synonyms | None = None) -> SearchResult:
    """Run ``req`` over every shard of ``head``'s snapshot; the same result as one index."""
    p = plan(head, req, ranking, deadline, synonyms)
    ranked = bool(p.text)
    answers, _ = _pages(head, shards, req, p.query, ranked, ranking, deadline)
    rows = _Rows(answers, days=True)
    start = (req.page - 1) * req.per_page
    at = in_order(rows.tier, rows.score, rows.day, rows.seq, req.sort, ranked,
                  start + req.per_page)[start:]
    fetched = pages.page_hits(head, shards, head.page_facts(shards, deadline),
                              rows.per_shard(at, ranked), [a.groups for a in answers],
                              p.terms, req.snippets, deadline)
    counts = (facet_codes.merged(head.facet_table(shards, deadline), [a.facets for a in answers],
                                 req.date_by_month, req.authors, req.speakers)
              if req.facets else None)
    hits = rows.hits(at, fetched)
    if ranked and req.sort == "relevance" and hits:  # words held as typed first (exactness)
        hits, order = exactness.rerank(hits, rows.tier[at].tolist(), start, p.query,
                                       answers[0].common, p.event)
        at = at[order]
    return result(head, req, p, hits, sum(a.total for a in answers), counts,
                  _dropped(answers, rows.shard, rows.tier, at), sum(a.folded for a in answers))


def count(head: Head, shards: Shards, req: SearchRequest, ranking: Ranking,
          deadline: Deadline, synonyms: Synonyms | None = None) -> int:
    """Return ``search``'s ``total`` for ``req`` (no stored fields, snippets, did-you-mean)."""
    p = plan(head, req, ranking, deadline, synonyms)
    pages, _ = _pages(head, shards, req, p.query, bool(p.text), ranking, deadline)
    return sum(pg.total for pg in pages)


def _pages(head: Head, shards: Shards, req: SearchRequest, query, ranked: bool,
           ranking: Ranking, deadline: Deadline) -> tuple[list, CorpusStats]:
    """Return each shard's page of ``query`` under the whole corpus's statistics, and those."""
    corpus = head.corpus(shards, deadline)
    if query is not None:
        key = _matching(req)
        if countable(req) and head.counts:
            # the head counts the prepare round itself: one call a shard (``head_counting``)
            corpus = head.prepared(key, lambda: counted(head, query, corpus, deadline))
        elif shards.one_call and not head.has_prepared(key):
            # one process holds every shard: it runs both rounds in one call (``rounds``)
            answers = shards.map(head.snapshot_id, ROUNDS, [(req, query, ranked, ranking, corpus,
                                                             deadline.left())] * head.shards,
                                 deadline)
            return [page for page, _ in answers], head.prepared(key, lambda: answers[0][1])
        else:
            corpus = head.prepared(key, lambda: _prepare(head, shards, req, query,
                                                         ranking, corpus, deadline))
    return shards.map(head.snapshot_id, "query", [(req, query, ranked, ranking, corpus,
                                                   deadline.left())] * head.shards, deadline), corpus


def related(head: Head, shards: Shards, req: RelatedRequest, ranking: Ranking,
            deadline: Deadline) -> RelatedResult | None:
    """Return the documents like ``req.doc_id`` over every shard (as ``related.related``)."""
    sid, n = head.snapshot_id, head.shards
    stored = next((d for d in shards.map(sid, "stored", [(req.doc_id,)] * n, deadline)
                   if d is not None), None)
    if stored is None:
        return None
    terms = related_op.distinctive_terms(head.vocabulary(), head.doc_count, stored,
                                         ranking.boosts)
    if not terms:
        return RelatedResult(req.doc_id, [], (), sid)
    words = related_op.query_of(terms, ranking.boosts)
    corpus = head.corpus(shards, deadline)
    corpus = (counted(head, Q.Or(words), corpus, deadline) if head.counts else
              _prepare(head, shards, SearchRequest(), Q.Or(words), ranking, corpus, deadline))
    found = shards.map(sid, "related", [(req, words, stored.get("lang", ""), ranking, corpus,
                                         deadline.left())] * n, deadline)
    rows = _Rows(found, days=False)
    at = in_order(rows.tier, rows.score, rows.day, rows.seq, "relevance", True, req.per_page)
    fetched = shards.map(sid, "fetch_plain", [(w,) for w in rows.per_shard(at, True)], deadline)
    return RelatedResult(req.doc_id, rows.hits(at, fetched), tuple(t for t, _ in terms), sid)


class _Rows:
    """The shards' rows as one table (``docnum``, ``seq``, ``tier``, ``score``, ``day``,
    ``copies``), with the shard each row came from."""

    def __init__(self, answers: list, days: bool) -> None:
        for name in ("docnum", "seq", "tier", "score", "copies") + (("day",) if days else ()):
            setattr(self, name, np.concatenate([getattr(a, name) for a in answers]))
        self.shard = np.concatenate([np.full(len(a.docnum), k) for k, a in enumerate(answers)])
        self.quotes = [q for a in answers  # per row, its folded quotes (none for related)
                       for q in (getattr(a, "quotes", ()) or ((),) * len(a.docnum))]
        if not days:  # the date never ranks these (related documents)
            self.day = np.zeros(len(self.shard), dtype=np.int64)
        self.shards = len(answers)

    def per_shard(self, at: np.ndarray, ranked: bool) -> list[list]:
        """Return, per shard, the rows (``page.Row``: docnum, score, copies, folded quotes)
        of ``at`` it must fetch."""
        wanted: list[list] = [[] for _ in range(self.shards)]
        for i in at:
            score = float(self.score[i]) if ranked else None
            wanted[self.shard[i]].append((int(self.docnum[i]), score, int(self.copies[i]),
                                          tuple(self.quotes[i])))
        return wanted

    def hits(self, at: np.ndarray, fetched: list[list[Hit]]) -> list[Hit]:
        """Return the fetched hits in the order of ``at``."""
        taken = [iter(f) for f in fetched]
        return [replace(next(taken[self.shard[i]]), pinned=True) if is_pinned(self.tier[i])
                else next(taken[self.shard[i]]) for i in at]


def _matching(req: SearchRequest) -> tuple:
    """Return what decides a request's statistics: its words and filters, not its page,
    order, snippets, facets, folding or recency."""
    return (req.q, req.langs, req.operator, req.typos, req.kinds, req.authors, req.speakers,
            req.day_from, req.day_to, req.sites, req.scope)


def _prepare(head: Head, shards: Shards, req: SearchRequest, query, ranking: Ranking,
             corpus: CorpusStats, deadline: Deadline) -> CorpusStats:
    """Return ``corpus`` completed with the shards' frequencies and decisions for ``query``."""
    return completed(corpus, shards.map(head.snapshot_id, "prepare",
                                        [(req, query, ranking, corpus, deadline.left())]
                                        * head.shards, deadline))



def _dropped(pages: list, shard: np.ndarray, tier: np.ndarray, at: np.ndarray) -> list[str]:
    """Return the words the page's first result lacks, when matching was relaxed."""
    organic = [i for i in at if not is_pinned(tier[i])]  # a pinned document is not "best"
    if not organic:
        return []
    first = int(organic[0])
    k = int(shard[first])
    page = pages[k]
    if page.held is None:
        return []
    row = first - sum(len(pg.docnum) for pg in pages[:k])
    bits = int(page.held[row])
    return [w for j, w in enumerate(page.words) if not bits >> j & 1]


