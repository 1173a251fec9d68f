"""Scale (issue 21): our engine against SQLite FTS5 and tantivy at 1x, 4x and 8x FakeNewsNet,
in the same run, with one table at the end.

    python -m bench.scale                    1x, 4x, 8x (8x: ~135k articles; an hour or more)
    python -m bench.scale --factors 1 4      the sizes given (16 if time allows)
    python -m bench.scale --quick            the first 10 % of FakeNewsNet at 1x and 2x

The corpora (``scale_corpus``): FakeNewsNet, and k times its size in new articles that mix
the paragraphs and titles of two real ones, so that nothing folds. 300 seeded queries of
1-3 title words of FakeNewsNet (``loadgen.sample_queries``), the same for every engine.

- **us**: ``index.rebuild`` with 2 processes in a fresh process (the whole build from the raw
  file: extraction, language detection, quotes, near-duplicates); then a real gunicorn with
  2 workers on it, the whole ``/search`` (snippets and facets, response cache off) timed
  from one client thread over HTTP, memory per worker (USS and PSS), and push to searchable
  (``scale_serve``).
- **FTS5** and **tantivy** (``scale_peers``): title and body indexed, author kept; per query
  the top 10 by BM25 with a snippet each and the author counts of all matches. Each build and
  each query run in a fresh process; memory is that process's USS and PSS.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import scale_corpus, scale_serve
from .loadgen import (ROOT, Skip, build_index, dir_size, fakenews, percentile, sample_queries,
                      save, show, title_words, write_lines)

N_QUERIES = 300
FULL, QUICK = (1, 4, 8), (1, 2)
PEERS = ("FTS5", "tantivy")


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _latency(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "p99": percentile(ms, 99),
            "mean": sum(ms) / len(ms)}


def _peer(engine: str, work: Path, corpus: Path, queries: Path, step: str) -> dict:
    out = subprocess.run([sys.executable, "-c", "from bench.scale_peers import child; child()",
                          engine, str(work), str(corpus), str(queries), step], cwd=ROOT,
                         capture_output=True, text=True, timeout=7200)
    if out.returncode != 0:
        raise RuntimeError(f"{engine} {step} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours(corpus: Path, tmp: Path, queries: list[str], pushes: bool) -> dict:
    index_dir = tmp / "index"
    built = build_index(index_dir, corpus)
    _settle()
    size = dir_size(index_dir / "snapshots" / built["snapshot"])
    served = scale_serve.run(index_dir, queries, tmp / "gunicorn.log", pushes)
    workers = served.pop("workers")
    shutil.rmtree(index_dir, ignore_errors=True)
    return {"engine": "us", "build_s": built["seconds"], "index_mb": size / 2**20,
            "counts": built["counts"], "folded": built["duplicates"],
            **_latency(served.pop("latencies")), "zero_hits": served.pop("totals").count(0),
            "uss_mb": max(w["uss"] for w in workers) / 1024,
            "pss_mb": max(w["pss"] for w in workers) / 1024,
            "rss_mb": max(w["rss"] for w in workers) / 1024, **served}


def peer(engine: str, corpus: Path, tmp: Path, queries_file: Path) -> dict:
    work = tmp / engine
    work.mkdir()
    built = _peer(engine, work, corpus, queries_file, "build")
    _settle()
    searched = _peer(engine, work, corpus, queries_file, "search")
    shutil.rmtree(work, ignore_errors=True)
    return {"engine": engine, "build_s": built["seconds"], "index_mb": built["bytes"] / 2**20,
            **_latency(searched["latencies"]), "uss_mb": searched["uss"] / 1024,
            "pss_mb": searched["pss"] / 1024, "rss_mb": searched["rss"] / 1024}


def _settle() -> None:
    """Let a build's files reach the disk before the searches are timed: the kernel writing
    back 1.7 GB of a just-built 8x index is work beside them (every engine gets the same)."""
    os.sync()
    time.sleep(SETTLE_S)


SETTLE_S = 3


def table(rows: list[dict]) -> None:
    show(f"Scale: FakeNewsNet and mixed articles, {N_QUERIES} queries, whole /search",
         ["size", "engine", "build s", "index MB", "p50 ms", "p95 ms", "p99 ms",
          "USS MB/worker", "PSS MB/worker", "push to searchable s", "search after push ms",
          "load"],
         [[f"{r['factor']:g}x ({r['articles']:,})" if r["engine"] == "us" else "", r["engine"],
           r["build_s"], r["index_mb"], r["p50"], r["p95"], r["p99"], r["uss_mb"], r["pss_mb"],
           r.get("push_to_searchable_s"), r.get("after_push_ms"), r["load"]] for r in rows],
         digits=[0, 0, 1, 0, 1, 1, 1, 0, 0, 2, 1, 0],
         note="us: gunicorn 2 workers, HTTP, snippets and facets, no response cache; build from "
              "the raw file with 2 processes. Peers: top 10 + snippets + author counts, in "
              "process. Memory: the largest worker's (ours) or the query process's (peers). "
              "load: 1/5/15-min load average when the row was done.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="*", help="sizes (default 1 4 8)")
    parser.add_argument("--quick", action="store_true", help="10 %% of FakeNewsNet at 1x, 2x")
    parser.add_argument("--no-peers", action="store_true", help="our engine only")
    parser.add_argument("--no-push", action="store_true", help="no push-to-searchable")
    args = parser.parse_args(argv)
    factors = args.factors or (QUICK if args.quick else FULL)
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows: list[dict] = []
    started = time.perf_counter()
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"scale: skipped: {exc}")
            return 0
        if args.quick:
            source = write_lines(source, tmp / "source.jsonl", 0, 1700)
        queries = sample_queries(title_words(source), N_QUERIES)
        queries_file = tmp / "queries.json"
        queries_file.write_text(json.dumps(queries), encoding="utf-8")
        print(f"scale {time.strftime('%Y-%m-%d %H:%M')} UTC: {source.name} at "
              f"{', '.join(f'{f}x' for f in factors)}; load {_load()}", flush=True)
        for factor in factors:
            corpus = tmp / f"corpus-{factor}x.jsonl"
            articles = scale_corpus.write(source, corpus, factor)
            engines = [lambda: ours(corpus, tmp, queries, not args.no_push)]
            if not args.no_peers:
                engines += [lambda e=e: peer(e, corpus, tmp, queries_file) for e in PEERS]
            for run in engines:
                row = {"factor": factor, "articles": articles, **run(), "load": _load()}
                rows.append(row)
                print(f"  {factor}x {row['engine']}: build {row['build_s']:.0f} s, "
                      f"p95 {row['p95']:.1f} ms (load {row['load']})", flush=True)
            corpus.unlink()
            table(rows)  # each size as soon as it is done: the larger ones take long
            save("scale", {"factors": factors, "queries": N_QUERIES, "rows": rows,
                           "seconds": time.perf_counter() - started}, args.quick)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"scale done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
