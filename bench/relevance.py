"""Benchmark 4: ranking quality on BEIR SciFact (nDCG@10, R@100 with ir_measures).

The corpus goes through ``index.rebuild`` (the analysis and boosts the service uses). Each
test claim is searched as written with the service defaults (relaxed matching, typos; the
target row), and, as before relaxed matching, as plain words (``common.plain_query``: Whoosh
syntax characters and the upper-case operators dropped) with operator="or"; per_page=100, no
snippets or facets. FTS5 (porter) and tantivy (en_stem) index title and body of the same
corpus and get the same words, OR-ed. Runs are scored by rank (100, 99, ...) so the
evaluator sees each engine's own order; ir_measures (pytrec_eval) computes the measures and
a query with no results counts as 0.
"""
from __future__ import annotations

import csv
import time
from pathlib import Path

import ir_measures
from ir_measures import R, nDCG

import index
from corpus import Summary
from index import QueryError, QueryTimeout, SearchIndex, SearchRequest

from .common import SCIFACT, Timer, need, plain_query, read_jsonl, verdict, write_result
from .peers import Fts5, Tantivy
from .table import show

TARGET_NDCG = 0.69
DEPTH = 100
MEASURES = (nDCG @ 10, R @ 100)
PUBLISHED = (("BM25, BEIR paper (Elasticsearch, multifield)", 0.665, None,
              "Thakur et al. 2021"),
             ("Anserini BM25 flat (k1=0.9, b=0.4)", 0.6789, 0.9253, "Anserini regressions"),
             ("Anserini BM25 multifield (k1=0.9, b=0.4)", 0.6647, 0.9076, "Anserini regressions"))


def load_queries(folder: Path, split: str) -> dict[str, str]:
    """Return {query id: text} of one split, in file order."""
    return {str(q["_id"]): q["text"] for q in read_jsonl(folder / "queries.jsonl")
            if (q.get("metadata") or {}).get("split") == split}


def load_qrels(folder: Path, split: str) -> dict[str, dict[str, int]]:
    """Return {query id: {doc id: relevance}} from qrels/<split>.tsv (with its header)."""
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels" / f"{split}.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query_id"], {})[row["doc_id"]] = int(row["relevance"])
    return qrels


def evaluate(qrels: dict, run: dict[str, dict[str, float]]) -> dict[str, float]:
    """Return mean nDCG@10 and R@100 over every judged query (missing runs count 0)."""
    per: dict[str, dict[str, float]] = {qid: {} for qid in qrels}
    judged_run = {qid: docs for qid, docs in run.items() if qid in qrels and docs}
    for metric in ir_measures.iter_calc(MEASURES, qrels, judged_run):
        per[metric.query_id][str(metric.measure)] = metric.value
    return {str(m): sum(p.get(str(m), 0.0) for p in per.values()) / max(len(per), 1)
            for m in MEASURES}


def ours_run(ix: SearchIndex, queries: dict[str, str], defaults: bool = True
             ) -> tuple[dict, dict]:
    """Run ``queries`` through ``ix`` (the service defaults, or plain words OR-ed); return
    (run, stats)."""
    run: dict[str, dict[str, float]] = {}
    errors, other_kinds = 0, 0
    start = time.perf_counter()
    for qid, text in queries.items():
        req = SearchRequest(q=text, per_page=DEPTH, snippets=False, facets=False) if defaults \
            else SearchRequest(q=plain_query(text), operator="or", per_page=DEPTH,
                               snippets=False, facets=False)
        try:
            results = ix.search(req).hits
        except (QueryError, QueryTimeout):
            errors += 1
            results = []
        other_kinds += sum(r.document.kind != "article" for r in results)
        run[qid] = {r.document.id: float(DEPTH - i) for i, r in enumerate(results)}
    ms = (time.perf_counter() - start) * 1000 / max(len(queries), 1)
    return run, {"errors": errors, "non_article_results": other_kinds, "ms_per_query": ms}


def peer_run(peer, queries: dict[str, str]) -> tuple[dict, dict]:
    start = time.perf_counter()
    run = {qid: {doc: float(DEPTH - i) for i, (doc, *_) in
                 enumerate(peer.search(plain_query(text), DEPTH, "or"))}
           for qid, text in queries.items()}
    ms = (time.perf_counter() - start) * 1000 / max(len(queries), 1)
    return run, {"errors": 0, "non_article_results": 0, "ms_per_query": ms}


def scifact_docs(folder: Path):
    for doc in read_jsonl(folder / "corpus.jsonl"):
        yield str(doc["_id"]), str(doc.get("title") or ""), str(doc.get("text") or "")


def prepare(ctx) -> Path:
    """Build our SciFact index once per run (shared with --tune); return its directory."""
    folder = need(SCIFACT)
    if "scifact_index" not in ctx.state:
        index_dir = ctx.tmp / "ours-scifact"
        summary = Summary()
        with Timer() as t:
            result = index.rebuild(str(index_dir), [str(folder / "corpus.jsonl")], summary,
                                   workers=2)
        ctx.state["scifact_index"] = index_dir
        ctx.state["scifact_build"] = {"seconds": t.seconds, "counts": result.counts,
                                      "summary": summary.as_dict()}
    return ctx.state["scifact_index"]


def run(ctx) -> dict:
    folder = need(SCIFACT)
    index_dir = prepare(ctx)
    queries = load_queries(folder, "test")
    qrels = load_qrels(folder, "test")
    if ctx.quick:
        queries = dict(list(queries.items())[:60])
        qrels = {q: qrels[q] for q in queries if q in qrels}
    systems = {}
    ix = SearchIndex(str(index_dir), cache_size=0)
    systems["ours, service defaults (the claim as typed)"] = ours_run(ix, queries)
    systems["ours, op=or, plain words"] = ours_run(ix, queries, defaults=False)
    for name, cls in (("SQLite FTS5 (porter unicode61)", Fts5), ("tantivy (en_stem)", Tantivy)):
        peer = cls(ctx.tmp / f"{cls.__name__.lower()}-scifact")
        peer.build(scifact_docs(folder))
        systems[name] = peer_run(peer, queries)
        if hasattr(peer, "close"):
            peer.close()
    scores = {name: {**evaluate(qrels, r), **stats} for name, (r, stats) in systems.items()}
    rows = [[name, s["nDCG@10"], s["R@100"], s["ms_per_query"], "measured here"]
            for name, s in scores.items()]
    rows += [[name, ndcg, r100, None, source] for name, ndcg, r100, source in PUBLISHED]
    ours = next(iter(scores.values()))
    quotes = ours["non_article_results"]
    note = ("queries as plain words: Whoosh syntax characters (with + and -) and upper-case "
            "AND/OR/NOT dropped;\nevaluated with ir_measures (pytrec_eval) on each engine's "
            f"own order; ours returned {quotes} quote results in all, counted as not relevant")
    label = f"{len(queries)} test queries" + (" (quick: not comparable)" if ctx.quick else "")
    show(f"relevance: BEIR SciFact, {label}, top {DEPTH} (peers: plain words, OR)",
         ["system", "nDCG@10", "R@100", "ms/query", "source"], rows, digits=[0, 4, 4, 1, 0],
         note=note)
    result = "n/a (quick run: 60 of 300 queries)" if ctx.quick \
        else verdict(ours["nDCG@10"] >= TARGET_NDCG)
    show("relevance: target", ["check", "target", "measured", "result"],
         [["ours nDCG@10 (test)", f">= {TARGET_NDCG}", f"{ours['nDCG@10']:.4f}", result]])
    data = {"queries": len(queries), "build": ctx.state["scifact_build"], "systems": scores,
            "published": [dict(zip(("system", "ndcg@10", "r@100", "source"), p))
                          for p in PUBLISHED], "target": TARGET_NDCG, "result": result}
    write_result("relevance", data, ctx.quick)
    return data

