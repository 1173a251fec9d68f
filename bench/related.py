"""Benchmark: related documents and near-duplicate folding (issue 14, parts 1 and 2).

    related latency    p50/p95 of ``SearchIndex.related`` for 300 seeded FakeNewsNet
                       articles, cold (no response cache); target p95 <= 30 ms
    related topicality free-news-demo, Global Voices posts with categories: the share of the
                       top-5 related sharing a category or tag with the source, against 5
                       random articles of the same language; also without the tags field
    folding            FakeNewsNet, the query bench's seeded queries (articles only): top-10
                       pages holding two or more near-duplicates (exact 5-word-shingle
                       Jaccard >= 0.8 of the bodies) with collapse=0 and with folding; the
                       number of groups; /search p95 with and without folding
    build cost         the grouping (shingles, MinHash, LSH) of every FakeNewsNet article
                       timed alone, beside the whole build's time

    python -m bench --only related           (builds the FakeNewsNet index it needs)
    python -m bench.related --index DIR      on an existing full FakeNewsNet index
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus import Article, Summary, extract
from index import RelatedRequest, SearchIndex, SearchRequest, rebuild
from index.write.neardup import Grouper, jaccard

from .common import latency_summary, need, read_jsonl, verdict, write_result
from .query import sample_queries
from .table import show

SEED = 20261201
TARGET_P95_MS = 30.0
FREENEWS = "free-news-demo/articles.jsonl.gz"


def related_latency(ix: SearchIndex, n: int) -> dict:
    snap = ix.live.current()
    article = snap.columns.values["kind"].index("article")
    docs = np.flatnonzero(snap.columns.codes["kind"] == article)
    chosen = np.random.default_rng(SEED).choice(docs, n, replace=False)
    ids = [snap.searcher().stored_fields(int(d))["id"] for d in chosen]
    for doc_id in ids[:5]:
        ix.related(RelatedRequest(doc_id))
    lat, base, empty = [], [], 0
    for doc_id, docnum in zip(ids, chosen):
        start = time.perf_counter()
        result = ix.related(RelatedRequest(doc_id))
        lat.append(time.perf_counter() - start)
        empty += not result.hits
        # the same-run baseline: a /search of the source's title (snippets, facets)
        title = snap.searcher().stored_fields(int(docnum)).get("title", "")
        start = time.perf_counter()
        ix.search(SearchRequest(q=title[:200]))
        base.append(time.perf_counter() - start)
    return {**latency_summary(lat), "empty": empty, "n": n, "baseline": latency_summary(base)}


def topicality(tmp: Path, sources: int) -> dict:
    """Share of top-5 related (and of 5 random same-language articles) sharing a topic."""
    path = need(FREENEWS)
    records = list(read_jsonl(path))
    topics = lambda r: {c for c in r.get("categories", []) + r.get("tags", [])  # noqa: E731
                        if c != "English"}
    by_url = {r["url"]: r for r in records if r.get("url")}
    index_dir = tmp / "free-news"
    rebuild(str(index_dir), [str(path)])
    out = {}
    for label, boosts in (("with tags", None), ("without the tags field", {"tags": 0.0})):
        ix = SearchIndex(str(index_dir), cache_size=0, boosts=boosts)
        rng = np.random.default_rng(SEED)
        posts = [r for r in records if r["collection"] == "globalvoices-en" and topics(r)]
        same_lang = [r for r in records if r["lang"] == "en"]
        hits = n = rand_hits = rand_n = 0
        for i in rng.choice(len(posts), min(sources, len(posts)), replace=False):
            record = posts[int(i)]
            found = ix.search(SearchRequest(q=f'"{record["title"]}"', kinds=("article",),
                                            per_page=1)).hits
            if not found or found[0].document.url != record["url"]:
                continue
            for hit in ix.related(RelatedRequest(found[0].document.id, per_page=5)).hits:
                other = by_url.get(hit.document.url)
                n += 1
                hits += bool(other and topics(other) & topics(record))
            for j in rng.choice(len(same_lang), 5, replace=False):
                rand_n += 1
                rand_hits += bool(topics(same_lang[int(j)]) & topics(record))
        out[label] = {"related": hits / max(n, 1), "random": rand_hits / max(rand_n, 1),
                      "pairs": n}
        ix.close()
    return out


def folding(ix: SearchIndex, fakenews: Path, n: int) -> dict:
    queries = [q for _, q in sample_queries(fakenews, n, SEED)]
    pages = {False: 0, True: 0}
    lat = {False: [], True: []}
    for q in queries:
        ix.search(SearchRequest(q=q, kinds=("article",), per_page=11))  # warm: neither is cold
        for collapse in (False, True):
            req = SearchRequest(q=q, kinds=("article",), collapse=collapse)
            start = time.perf_counter()
            result = ix.search(req)
            lat[collapse].append(time.perf_counter() - start)
            bodies = [h.document.text for h in result.hits if h.document.text.strip()]
            pages[collapse] += any(jaccard(a, b) >= 0.8 for i, a in enumerate(bodies)
                                   for b in bodies[i + 1:])
    groups = ix.live.current().groups
    return {"queries": len(queries), "pages_before": pages[False], "pages_after": pages[True],
            "groups": groups.count, "groups_with_copies": groups.with_copies,
            "articles_in_groups_with_copies": int(groups.multi.sum()),
            "search_off": latency_summary(lat[False]), "search_on": latency_summary(lat[True])}


def grouping_cost(fakenews: Path) -> dict:
    articles = [r for r in extract([str(fakenews)], Summary()) if isinstance(r, Article)]
    grouper = Grouper()
    start = time.perf_counter()
    for record in articles:
        grouper.add(record.id, record.body)
    return {"articles": len(articles), "seconds": time.perf_counter() - start}


def report(index_dir: Path, fakenews: Path, tmp: Path, quick: bool,
           build_seconds: float | None) -> dict:
    ix = SearchIndex(str(index_dir), cache_size=0)
    ix.warm()
    lat = related_latency(ix, 60 if quick else 300)
    fold = folding(ix, fakenews, 60 if quick else 300)
    ix.close()
    topical = topicality(tmp, 20 if quick else 100)
    cost = grouping_cost(fakenews)
    show("related: latency of GET /documents/<id>/related (engine), ms, no response cache",
         ["request", "documents", "p50", "p95", "p99", "max", "no results"],
         [["related", lat["n"], lat["p50"], lat["p95"], lat["p99"], lat["max"], lat["empty"]],
          ["baseline: /search of its title", lat["n"], lat["baseline"]["p50"],
           lat["baseline"]["p95"], lat["baseline"]["p99"], lat["baseline"]["max"], ""]],
         digits=[0, 0, 1, 1, 1, 1, 0],
         note="the baseline runs interleaved in the same run: on a loaded machine both slow down")
    show("related: top-5 sharing a category or tag with the source (free-news-demo, "
         "Global Voices)", ["query terms", "related", "5 random (en)", "pairs"],
         [[k, f"{v['related']:.0%}", f"{v['random']:.0%}", v["pairs"]]
          for k, v in topical.items()])
    show(f"folding: {fold['queries']} seeded queries, articles, top-10 pages",
         ["measure", "value"],
         [["pages with a near-duplicate pair, collapse=0", fold["pages_before"]],
          ["pages with a near-duplicate pair, folded", fold["pages_after"]],
          ["groups (articles)", fold["groups"]],
          ["groups with 2+ articles", fold["groups_with_copies"]],
          ["articles in them", fold["articles_in_groups_with_copies"]],
          ["/search p95 ms, collapse=0", round(fold["search_off"]["p95"], 1)],
          ["/search p95 ms, folded", round(fold["search_on"]["p95"], 1)],
          ["grouping alone, s (all articles)", round(cost["seconds"], 1)],
          ["whole build, s", round(build_seconds, 1) if build_seconds else "n/a"]])
    checks = [["related p95", f"<= {TARGET_P95_MS:g} ms", f"{lat['p95']:.1f} ms",
               verdict(lat["p95"] <= TARGET_P95_MS)],
              ["folded pages with a near-duplicate pair", "0", str(fold["pages_after"]),
               verdict(fold["pages_after"] == 0)]]
    show("related: targets", ["check", "target", "measured", "result"], checks)
    data = {"latency": lat, "topicality": topical, "folding": fold, "grouping": cost,
            "build_seconds": build_seconds, "checks": checks}
    write_result("related", data, quick)
    return data


def run(ctx) -> dict:
    from . import build

    if "fakenews_index" not in ctx.state:
        build.run(ctx)
    return report(Path(ctx.state["fakenews_index"]), ctx.fakenews(), ctx.tmp, ctx.quick,
                  ctx.state.get("fakenews_build_seconds"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.related", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="a full FakeNewsNet index directory")
    parser.add_argument("--build-seconds", type=float, default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-related-") as tmp:
        report(Path(args.index), need("fakenewsnet-articles/articles.jsonl.gz"), Path(tmp),
               args.quick, args.build_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
