"""``--only relevance --tune``: grid-search BM25 b, k1 and the title boost on SciFact TRAIN.

Every setting is scored on the train split only (queries.jsonl split "train", qrels/train.tsv);
the best by train nDCG@10 is then run once on the test split. Test figures are printed for
the chosen setting only, so the test split never steers the choice. b and k1 are searcher
parameters and boosts are query weights, so one index serves the whole grid; two processes
(forked) share the work.
"""
from __future__ import annotations

import itertools
import multiprocessing
from functools import partial

from index import SearchIndex

from .common import SCIFACT, Timer, need, verdict, write_result
from .relevance import TARGET_NDCG, evaluate, load_qrels, load_queries, ours_run, prepare
from .table import show

GRID_B = (0.3, 0.5, 0.75, 0.9)
GRID_K1 = (0.9, 1.2, 1.5)
GRID_TITLE = (1.0, 2.0, 3.0)
DEFAULT = (0.75, 1.2, 3.0)
SHOWN = 10


def _score(setting: tuple[float, float, float], index_dir: str, queries: dict, qrels: dict):
    b, k1, title = setting
    ix = SearchIndex(index_dir, boosts={"title": title}, bm25_b=b, bm25_k1=k1, cache_size=0)
    run, stats = ours_run(ix, queries)
    return setting, {**evaluate(qrels, run), **stats}


def run(ctx) -> dict:
    folder = need(SCIFACT)
    index_dir = str(prepare(ctx))
    train_q, train_qrels = load_queries(folder, "train"), load_qrels(folder, "train")
    if ctx.quick:
        train_q = dict(list(train_q.items())[:100])
        train_qrels = {q: train_qrels[q] for q in train_q if q in train_qrels}
    grid = list(itertools.product(GRID_B, GRID_K1, GRID_TITLE))
    work = partial(_score, index_dir=index_dir, queries=train_q, qrels=train_qrels)
    with Timer() as t, multiprocessing.get_context("fork").Pool(2) as pool:
        scored = dict(pool.map(work, grid))
    ranked = sorted(grid, key=lambda s: (-scored[s]["nDCG@10"], -scored[s]["R@100"]))
    best = ranked[0]
    rows = [[f"b={b:g} k1={k1:g} title={ti:g}", scored[(b, k1, ti)]["nDCG@10"],
             scored[(b, k1, ti)]["R@100"], "best" if (b, k1, ti) == best else
             ("default" if (b, k1, ti) == DEFAULT else "")] for b, k1, ti in ranked[:SHOWN]]
    if DEFAULT not in ranked[:SHOWN]:
        place = ranked.index(DEFAULT) + 1
        rows.append([f"b=0.75 k1=1.2 title=3 (rank {place} of {len(grid)})",
                     scored[DEFAULT]["nDCG@10"], scored[DEFAULT]["R@100"], "default"])
    show(f"relevance --tune: {len(grid)} settings on {len(train_q)} TRAIN queries "
         f"({t.seconds:.0f} s), top {SHOWN} by nDCG@10",
         ["setting (other boosts default)", "train nDCG@10", "train R@100", ""], rows,
         digits=[0, 4, 4, 0])
    test_q, test_qrels = load_queries(folder, "test"), load_qrels(folder, "test")
    if ctx.quick:
        test_q = dict(list(test_q.items())[:60])
        test_qrels = {q: test_qrels[q] for q in test_q if q in test_qrels}
    _, test = _score(best, index_dir, test_q, test_qrels)
    b, k1, title = best
    result = "n/a (quick)" if ctx.quick else verdict(test["nDCG@10"] >= TARGET_NDCG)
    show("relevance --tune: chosen on train, scored once on test",
         ["setting", "train nDCG@10", "test nDCG@10", "test R@100", "target", "result"],
         [[f"b={b:g} k1={k1:g} title={title:g}", scored[best]["nDCG@10"], test["nDCG@10"],
           test["R@100"], f">= {TARGET_NDCG}", result]], digits=[0, 4, 4, 4, 0, 0])
    data = {"train_queries": len(train_q), "test_queries": len(test_q), "seconds": t.seconds,
            "grid": [{"b": s[0], "k1": s[1], "title": s[2], **scored[s]} for s in ranked],
            "best": {"b": b, "k1": k1, "title": title}, "best_train": scored[best],
            "best_test": test, "target": TARGET_NDCG, "result": result}
    write_result("relevance-tune", data, ctx.quick)
    return data

