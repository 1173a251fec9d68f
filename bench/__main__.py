"""``python -m bench``: run the benchmarks and print their tables.

    python -m bench                         all of them: extract, quotes, html (web pages), build,
                                            query, relevance, known (known-item searches as
                                            readers type them), reader (the judged reader
                                            query set against the peers), related (related documents,
                                            near-duplicate folding), then the heavy ones: http (gunicorn under wrk),
                                            reindex (reindex and rollback under load),
                                            scale (1x, 2x, 4x FakeNewsNet), analytics
                                            (search p99 with analytics off vs on), hostile
                                            (normal searches under hostile traffic), cluster
                                            (shards and Ray Serve: builds, latency, memory),
                                            phases (a build's extraction, index writing and
                                            whole build against FTS5 and tantivy);
                                            ~80 min
    python -m bench --only query            one of them (query builds what it needs)
    python -m bench --quick                 smoke run: the first 2,000 FakeNewsNet lines,
                                            60 queries, 60 SciFact test queries; targets
                                            that need the full data are shown as n/a
    python -m bench --only relevance --tune also grid-search b, k1 and the title boost
                                            on the SciFact train split

Indexes are built in a temp dir that is removed at the end. Results are also written as
JSON to bench/results/<name>.json. Shared data: ../shared/data, or $SEARCH_SHARED_DATA.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from . import (analytics, build, build_phases, cluster, extract, hostile, html_extract, http_load,
               known_item, query, quotes, reader_set, reindex_load, related, relevance, scale, steering,
               tune)
from .common import FAKENEWS, Skip, head_file, need


def _standalone(module):
    """Run a heavy benchmark (its own module with ``main(argv)``) as a step of this run."""
    def run(ctx) -> None:
        if module.main(["--quick"] if ctx.quick else []) != 0:
            raise RuntimeError(f"{module.__name__} failed")
    return run


BENCHMARKS = {"extract": extract.run, "quotes": quotes.run, "html": html_extract.run,
              "build": build.run, "phases": _standalone(build_phases),
              "query": query.run, "relevance": relevance.run, "known": known_item.run,
              "reader": reader_set.run,
              "related": related.run,
              "http": _standalone(http_load),
              "reindex": _standalone(reindex_load), "scale": _standalone(scale),
              "analytics": _standalone(analytics), "hostile": _standalone(hostile),
              "cluster": _standalone(cluster), "steering": _standalone(steering)}
QUICK_ARTICLES = 2000


class Context:
    """What the benchmarks of one run share: options, the temp dir, built indexes."""

    def __init__(self, quick: bool, tmp: Path) -> None:
        self.quick = quick
        self.tmp = tmp
        self.state: dict = {}
        self._fakenews: Path | None = None

    def fakenews(self) -> Path:
        """Return the FakeNewsNet input: the full file, or its head in a quick run."""
        if self._fakenews is None:
            full = need(FAKENEWS)
            self._fakenews = head_file(full, self.tmp / "fakenews-head.jsonl", QUICK_ARTICLES) \
                if self.quick else full
        return self._fakenews

    def fakenews_label(self) -> str:
        if self.quick:
            return f"FakeNewsNet, first {QUICK_ARTICLES:,} lines (quick)"
        return "FakeNewsNet, 17,334 lines"

    def close(self) -> None:
        for value in self.state.values():
            if hasattr(value, "close"):
                value.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=list(BENCHMARKS), action="append",
                        help="run only this benchmark (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes for a smoke run (2,000 articles, 60 queries)")
    parser.add_argument("--tune", action="store_true",
                        help="with relevance: grid-search b, k1, title boost on the train split")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    if args.tune and "relevance" not in names:
        parser.error("--tune goes with the relevance benchmark")
    started = time.perf_counter()
    print(f"bench {time.strftime('%Y-%m-%d %H:%M')}{' (quick)' if args.quick else ''}: "
          f"{', '.join(names)}{' + tune' if args.tune else ''}; {os.cpu_count()} cpus, "
          f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews timings)\n",
          flush=True)
    failed = 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    ctx = Context(args.quick, tmp)
    try:
        steps = [(name, BENCHMARKS[name]) for name in names]
        if args.tune:
            steps.append(("tune", tune.run))
        for name, step in steps:
            try:
                step(ctx)
            except Skip as exc:
                print(f"{name}: skipped: {exc}\n", flush=True)
            except Exception:  # one benchmark failing should not hide the others
                failed += 1
                print(f"{name}: FAILED\n{traceback.format_exc()}", file=sys.stderr, flush=True)
    finally:
        ctx.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"bench done in {time.perf_counter() - started:.0f} s (load average now "
          f"{os.getloadavg()[0]:.2f}); JSON in bench/results/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
