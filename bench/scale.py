"""Scale (issue 6, item 6): index build time, index size on disk, query latency and memory
at 1x, 2x and 4x the FakeNewsNet corpus.

    python -m bench.scale             1x, 2x, 4x (4x is ~69k articles; ~10-15 min in all)
    python -m bench.scale --quick     0.1x, 0.2x, 0.4x (the first 10/20/40 % of the lines)

Larger corpora are the same articles re-indexed under new ids: copy k (k >= 1) of every
record gets id "<id>-k<k>" and "?copy=k" appended to its url (the id comes from the url),
its text unchanged; copy 0 is the original. Each index is built by ``index.rebuild`` (2
worker processes) in a fresh process. Then a fresh process opens it with
``index.SearchIndex`` and runs a fixed, seeded set of 250 plain-word queries (1-3 title
words of the smallest corpus, so each has hits at every size) with snippets and facets,
10 per page, after a 10-query warm-up; its peak resident memory (VmHWM) is read at the end.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .loadgen import (ROOT, Skip, build_index, count_lines, dir_size, fakenews, percentile,
                      sample_queries, save, show, title_words, write_copies, write_lines)

N_QUERIES = 250
WARMUP = 10
FULL = (1, 2, 4)
QUICK = (0.1, 0.2, 0.4)


def query_child() -> None:
    """Run in a fresh process: argv = [index_dir, queries.json]; print JSON figures."""
    import os

    def status() -> dict[str, int]:
        out = {}
        for line in open(f"/proc/{os.getpid()}/status"):
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
        return out

    index_dir, queries_file = sys.argv[1], sys.argv[2]
    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    base = status()
    from index import SearchIndex, SearchRequest
    ix = SearchIndex(index_dir, cache_size=0)
    t = time.perf_counter()
    ix.search(SearchRequest(q=queries[0], per_page=10))
    first = time.perf_counter() - t
    for q in queries[:WARMUP]:
        ix.search(SearchRequest(q=q, per_page=10))
    latencies, totals = [], []
    for q in queries:
        t = time.perf_counter()
        res = ix.search(SearchRequest(q=q, per_page=10))
        latencies.append(time.perf_counter() - t)
        totals.append(res.total)
    end = status()
    print(json.dumps({"latencies": latencies, "totals": totals, "first_query_s": first,
                      "start_rss_kb": base.get("VmRSS"), "rss_kb": end.get("VmRSS"),
                      "hwm_kb": end.get("VmHWM"), "anon_kb": end.get("RssAnon"),
                      "file_kb": end.get("RssFile")}))


def run_queries(index_dir: Path, queries_file: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", "from bench.scale import query_child; query_child()",
                          str(index_dir), str(queries_file)], cwd=ROOT, capture_output=True,
                         text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"query process failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="0.1x, 0.2x, 0.4x")
    args = parser.parse_args(argv)
    factors = QUICK if args.quick else FULL
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    rows_data = []
    started = time.perf_counter()
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"scale: skipped: {exc}")
            return 0
        lines = count_lines(source)
        print(f"scale {time.strftime('%Y-%m-%d %H:%M')}: FakeNewsNet ({lines:,} lines) at "
              f"{', '.join(f'{f:g}x' for f in factors)}", flush=True)
        smallest = round(min(factors) * lines) if min(factors) < 1 else lines
        queries = sample_queries(title_words(source, 0, smallest), N_QUERIES)
        queries_file = tmp / "queries.json"
        queries_file.write_text(json.dumps(queries), encoding="utf-8")
        for factor in factors:
            corpus = tmp / f"corpus-{factor:g}x.jsonl"
            if factor < 1:
                write_lines(source, corpus, 0, round(factor * lines))
            else:
                write_copies(source, corpus, int(factor))
            index_dir = tmp / f"index-{factor:g}x"
            built = build_index(index_dir, corpus)
            snapshot = index_dir / "snapshots" / built["snapshot"]
            size = dir_size(snapshot)
            q = run_queries(index_dir, queries_file)
            ms = [s * 1000 for s in q["latencies"]]
            row = {"factor": factor, "lines": count_lines(corpus), "counts": built["counts"],
                   "duplicates": built["duplicates"], "build_s": built["seconds"],
                   "build_peak_rss_mb": built["peak_rss_mb"], "index_mb": size / 2**20,
                   "segments": len(list(snapshot.glob("*.seg"))),
                   "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
                   "p99_ms": percentile(ms, 99), "mean_ms": sum(ms) / len(ms),
                   "max_ms": max(ms), "first_query_s": q["first_query_s"],
                   "zero_hit_queries": sum(1 for t in q["totals"] if t == 0),
                   "mean_total": sum(q["totals"]) / len(q["totals"]),
                   "query_rss_mb": q["rss_kb"] / 1024, "query_hwm_mb": q["hwm_kb"] / 1024,
                   "query_anon_mb": q["anon_kb"] / 1024, "query_file_mb": q["file_kb"] / 1024}
            rows_data.append(row)
            print(f"  {factor:g}x: {row['counts'].get('article', 0):,} articles, built in "
                  f"{row['build_s']:.0f} s, {row['index_mb']:.0f} MB, p95 {row['p95_ms']:.1f} ms",
                  flush=True)
            shutil.rmtree(index_dir, ignore_errors=True)
            corpus.unlink()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    show(f"Scale: FakeNewsNet x{'/'.join(f'{f:g}' for f in factors)}, "
         f"{time.strftime('%Y-%m-%d')}, 2-core machine (shared, noisy)",
         ["size", "articles", "quotes", "bios", "build s", "index MB", "p50 ms", "p95 ms",
          "p99 ms", "query peak RSS MB", "build peak RSS MB"],
         [[f"{r['factor']:g}x", r["counts"].get("article", 0), r["counts"].get("quote", 0),
           r["counts"].get("bio", 0), r["build_s"], r["index_mb"], r["p50_ms"], r["p95_ms"],
           r["p99_ms"], r["query_hwm_mb"], r["build_peak_rss_mb"]] for r in rows_data],
         note=f"{N_QUERIES} queries, top 10 with snippets and facets, one process, one thread "
              "(index.SearchIndex, no response cache); query peak RSS = VmHWM of that process; "
              "build: index.rebuild with 2 worker processes (peak RSS of the parent only).")
    base = rows_data[0]

    def r(a: float, b: float) -> float:
        return a / b if b else float("nan")

    show("Growth relative to the smallest size",
         ["size", "docs x", "build time x", "index size x", "p50 x", "p95 x", "memory x",
          "build docs/s"],
         [[f"{x['factor']:g}x", r(sum(x["counts"].values()), sum(base["counts"].values())),
           r(x["build_s"], base["build_s"]), r(x["index_mb"], base["index_mb"]),
           r(x["p50_ms"], base["p50_ms"]), r(x["p95_ms"], base["p95_ms"]),
           r(x["query_hwm_mb"], base["query_hwm_mb"]),
           r(sum(x["counts"].values()), x["build_s"])] for x in rows_data],
         digits=2, note="docs = articles + quotes + bios in the index.")
    path = save("scale", {"factors": list(factors), "queries": N_QUERIES, "rows": rows_data,
                          "seconds": time.perf_counter() - started}, args.quick)
    print(f"scale done in {time.perf_counter() - started:.0f} s; "
          f"JSON: {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
