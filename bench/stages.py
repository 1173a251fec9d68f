"""Where a search's CPU goes, stage by stage, on indexes of several sizes (issue 21, part 2).

    python -m bench.stages [--first] INDEX_DIR [INDEX_DIR ...]

Each index is searched in this process with the 300 seeded FakeNewsNet title-word queries of
``bench.scale`` (snippets and facets on, no response cache), each query twice; the second
pass (``--first``: the first, each query new to the process as over HTTP) is timed with ``time.thread_time`` per stage: parsing and expansion (plan), evaluation,
filters, tiers and folding (match), picking the page (page), stored fields and snippets
(fetch), facet counts (facets), did-you-mean and the result (result). CPU time, not wall
time: on a shared machine wall times measure the neighbours. Build the indexes first, e.g.
with ``bench.scale_corpus.write`` and ``index.rebuild`` (1x and 4x FakeNewsNet).
"""
from __future__ import annotations

import argparse
import os
import time

from index import SearchIndex, SearchRequest
from index.errors import Deadline
from index.read import facets
from index.read import search as search_op

from .loadgen import Skip, fakenews, sample_queries, show, title_words
from .scale import N_QUERIES

STAGES = ("plan", "match", "page", "fetch", "facets", "result", "total")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def measure(index_dir: str, queries: list[str], first: bool = False) -> dict[str, list[float]]:
    """Return each stage's CPU milliseconds per query on ``index_dir``: of the second pass,
    or with ``first`` of the first (each query new to the process, as most queries over
    HTTP are: parsing, the query's language and decoded postings are kept per query)."""
    ix = SearchIndex(index_dir, cache_size=0)
    ix.warm()  # what a worker builds before its first request (speller, vocabularies, stories)
    snap = ix.live.current()
    taken: dict[str, list[float]] = {name: [] for name in STAGES}
    for timed in (False, True):
        for q in queries:
            req, deadline = SearchRequest(q=q), Deadline(60)
            marks = [time.thread_time()]
            p = search_op.plan(snap, req, ix.ranking, deadline)
            marks.append(time.thread_time())
            m = search_op.match(snap, req, p.query, bool(p.text), ix.ranking, deadline,
                                snap.corpus)
            marks.append(time.thread_time())
            rows = search_op.page_of(m, req, ranked=bool(p.text))
            marks.append(time.thread_time())
            hits = search_op.fetch(snap, rows, p.terms, req.snippets, deadline)
            hits, rows = search_op.exact_first(m, p, req, rows, hits)
            marks.append(time.thread_time())
            counts = facets.count(snap.columns, m.matched, m.filters, req.date_by_month,
                                  req.authors, req.speakers)
            marks.append(time.thread_time())
            search_op.result(snap, req, p, hits, m.listing.total, counts, [], m.listing.folded)
            marks.append(time.thread_time())
            if timed != first:
                for name, start, end in zip(STAGES, marks, marks[1:]):
                    taken[name].append((end - start) * 1000)
                taken["total"].append((marks[-1] - marks[0]) * 1000)
    return taken


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dirs", nargs="+")
    parser.add_argument("--first", action="store_true",
                        help="time the first pass (queries new to the process), not the second")
    args = parser.parse_args(argv)
    try:
        queries = sample_queries(title_words(fakenews()), N_QUERIES)
    except Skip as exc:
        print(f"stages: skipped: {exc}")
        return 0
    rows = []
    for index_dir in args.index_dirs:
        taken = measure(index_dir, queries, args.first)
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        for name in STAGES:
            values = taken[name]
            rows.append([index_dir if name == "plan" else "", name, sum(values) / len(values),
                         _percentile(values, 50), _percentile(values, 95),
                         _percentile(values, 99), load if name == "total" else ""])
    show(f"CPU per search by stage, {N_QUERIES} FakeNewsNet title-word queries (ms)",
         ["index", "stage", "mean", "p50", "p95", "p99", "load"], rows, digits=2,
         note=f"time.thread_time per stage, {'first' if args.first else 'second'} pass; snippets and facets on, no cache")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
