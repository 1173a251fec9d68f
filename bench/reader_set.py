"""Benchmark: the reader query set (bench/reader), judged blind, per kind of query.

Every query of ``bench/reader/queries.tsv`` runs on us and the peers (bench/reader_engines);
the judgments (``judgments.tsv``, how they were made: ``bench/reader/JUDGING.md``) score the
top 10. Per corpus and kind of query, for each engine: nDCG@10, success@1 (first result graded
2), the share of queries whose first result is irrelevant (graded 0, unjudged or none), and
the unjudged documents in the top 5 (when not 0, pool and judge again).

Targets (issue 22): our nDCG@10 ahead of every peer in every kind; the first result irrelevant
for at most 1 query in 30.

``--halves`` reports the set's two halves (odd and even query numbers of each kind) apart: a
rule tuned on one half is checked on the other.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

from .common import verdict, write_result
from .reader_engines import POOL_DEPTH, append_pool, load_judgments, load_queries, pool, runs
from .table import show

MAX_IRRELEVANT_FIRST = 1 / 30
COLUMNS = ["corpus", "kind", "queries", "engine", "nDCG@10", "success@1", "1st irrelevant",
           "unjudged top5", "ahead"]


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    """Return nDCG@k with gains 2^g - 1, the ideal from every judged document."""
    def dcg(gains: list[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(d, 0) for d in ranked]) / ideal if ideal else 0.0


def score(queries: list[dict], ranked: dict[str, dict[str, list[str]]],
          judged: dict[str, dict[str, int]]) -> dict[str, dict[str, dict[str, float]]]:
    """Return {group: {engine: measures}} for groups 'corpus/kind', 'corpus/all' and 'all'."""
    sums: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    for q in queries:
        grades = judged.get(q["id"], {})
        for engine, run in ranked.items():
            docs = run.get(q["id"], [])
            first = grades.get(docs[0], 0) if docs else 0
            row = {"queries": 1, "nDCG@10": ndcg(docs, grades), "success@1": first == 2,
                   "1st irrelevant": first == 0,
                   "unjudged top5": sum(d not in grades for d in docs[:POOL_DEPTH])}
            for group in (f"{q['corpus']}/{q['kind']}", f"{q['corpus']}/all", "all"):
                for name, value in row.items():
                    sums[group][engine][name] += value
    out: dict = {}
    for group, per_engine in sums.items():
        out[group] = {}
        for engine, s in per_engine.items():
            n = s["queries"]
            out[group][engine] = {"queries": n, "unjudged top5": s["unjudged top5"],
                                  **{m: s[m] / n for m in ("nDCG@10", "success@1",
                                                           "1st irrelevant")}}
    return out


def rows_of(figures: dict, label: str = "") -> list[list]:
    """Return table rows: each group, each engine, ours checked against the best peer."""
    rows = []
    for group in sorted(figures, key=lambda g: (g == "all", g.endswith("/all"), g)):
        per = figures[group]
        best_peer = max((m["nDCG@10"] for e, m in per.items() if e != "ours"), default=0.0)
        corpus, _, kind = group.partition("/")
        for engine, m in per.items():
            ahead = verdict(m["nDCG@10"] > best_peer) if engine == "ours" and len(per) > 1 else ""
            rows.append([corpus + label, kind or "all", m["queries"], engine, m["nDCG@10"],
                         m["success@1"], m["1st irrelevant"], m["unjudged top5"], ahead])
    return rows


def halves(queries: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split the queries in two: alternate queries of each corpus and kind."""
    seen: dict = defaultdict(int)
    a, b = [], []
    for q in queries:
        key = (q["corpus"], q["kind"])
        (a if seen[key] % 2 == 0 else b).append(q)
        seen[key] += 1
    return a, b


def first_irrelevant(queries: list[dict], ranked: dict, judged: dict) -> str:
    """Return the share of ``queries`` whose first result is irrelevant, against the target:
    over all of them, over those a judged document answers, and per engine over those a
    document graded 2 answers in full."""
    ours = score(queries, ranked, judged)["all"]["ours"]
    # queries no judged document answers (the corpus holds none: bench/reader/JUDGING.md)
    answerable = [q for q in queries if max(judged.get(q["id"], {}).values(), default=0) > 0]
    apart = score(answerable, {"ours": ranked["ours"]}, judged)["all"]["ours"] \
        if answerable and "ours" in ranked else ours
    # and those the corpus answers in full (a document graded 2, not only partly relevant ones)
    answered = [q for q in answerable if 2 in judged[q["id"]].values()]
    firsts = score(answered, ranked, judged)["all"] if answered else {}
    return (f"first result irrelevant for {ours['1st irrelevant']:.1%} of queries (target <= 1 "
            f"in 30: {verdict(ours['1st irrelevant'] <= MAX_IRRELEVANT_FIRST)}); "
            f"{len(queries) - len(answerable)} queries have no relevant document judged (the "
            f"corpus holds none), over the other {len(answerable)}: {apart['1st irrelevant']:.1%}; "
            f"over the {len(answered)} with a document graded 2: "
            + ", ".join(f"{e} {m['1st irrelevant']:.1%}" for e, m in firsts.items()))


def report(queries: list[dict], ranked: dict, quick: bool, split: bool = False) -> dict:
    """Print the tables and write bench/results/reader.json; return the figures."""
    judged = load_judgments()
    figures = score(queries, ranked, judged)
    note = (f"judged: {sum(len(v) for v in judged.values())} documents; "
            + first_irrelevant(queries, ranked, judged))
    show("reader query set (bench/reader): per corpus and kind, service defaults vs peers",
         COLUMNS, rows_of(figures), digits=[0, 0, 0, 0, 3, 2, 2, 0, 0], note=note)
    data = {"figures": figures}
    batches = list(dict.fromkeys(q["batch"] for q in queries))
    for name in batches if len(batches) > 1 else ():
        batch = [q for q in queries if q["batch"] == name]
        part = score(batch, ranked, judged)
        data[f"batch {name}"] = part
        show(f"reader query set, {name} batch ({len(batch)} queries; bench/reader/JUDGING.md)",
             COLUMNS, [r for r in rows_of(part, f" {name}") if r[1] == "all"],
             digits=[0, 0, 0, 0, 3, 2, 2, 0, 0], note=first_irrelevant(batch, ranked, judged))
    if split:
        for name, half in zip(("A", "B"), halves(queries)):
            part = score(half, ranked, judged)
            data[f"half {name}"] = part
            show(f"reader query set, half {name} ({len(half)} queries)", COLUMNS,
                 [r for r in rows_of(part, f" {name}") if r[1] == "all"],
                 digits=[0, 0, 0, 0, 3, 2, 2, 0, 0])
    write_result("reader", data, quick)
    return data


def run(ctx) -> dict:
    """The ``python -m bench`` step: our engine on fresh builds, and the peers."""
    queries = load_queries()
    return report(queries, runs(queries, {}), ctx.quick, split=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.reader_set [--fakenews DIR] [--freenews DIR] [--peers-from F | --runs F]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.reader_set", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fakenews", help="an existing FakeNewsNet index directory")
    parser.add_argument("--freenews", help="an existing free-news-demo index directory")
    parser.add_argument("--peers-from", help="the peers' rankings from this JSON file "
                        "(written by reader_engines pool --save); only ours is run")
    parser.add_argument("--runs", help="score the rankings of this JSON file; run nothing")
    parser.add_argument("--halves", action="store_true", help="also each half of the set")
    parser.add_argument("--save", help="write every engine's rankings to this JSON file")
    parser.add_argument("--pool", action="store_true",
                        help="append the top 5 pairs not judged yet to bench/reader/pool.tsv")
    args = parser.parse_args(argv)
    queries = load_queries()
    if args.runs:
        ranked = json.loads(Path(args.runs).read_text(encoding="utf-8"))
    else:
        ranked = runs(queries, {"fakenews": args.fakenews, "freenews": args.freenews},
                      peers=not args.peers_from)
    if args.peers_from:
        saved = json.loads(Path(args.peers_from).read_text(encoding="utf-8"))
        ranked.update({name: run for name, run in saved.items() if name != "ours"})
    if args.save:
        Path(args.save).write_text(json.dumps(ranked, indent=0), encoding="utf-8")
    if args.pool:
        append_pool(pool(queries, ranked))
    report(queries, ranked, quick=False, split=args.halves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
