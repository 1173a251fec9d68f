"""Hostile traffic and a hostile corpus (issues 15 and 26): do normal searches keep being
answered, does publishing go on, and what does each attack cost the machine?

    python -m bench.hostile            FakeNewsNet (17,334 lines) + 20 huge documents;
                                       20 s a phase; reindex corpus: 3,000 lines;
                                       3,000 pushes; a 63M-line .jsonl.gz of {}
    python -m bench.hostile --quick    first 2,000 lines; 8 s a phase; reindex: 1,000 lines;
                                       600 pushes; 6.3M lines of {}

gunicorn serves with 2 workers (``service/gunicorn_conf.py``, as ``make run``),
SEARCH_CACHE_SIZE=0 (every request is really searched), pushes on (an admin token),
analytics on with a cap of 0.25 MB (SEARCH_ANALYTICS_MAX_MB) and SEARCH_PROXY_HOPS=1 (so
the attacks can come from several client addresses). Normal searches (plain words from
FakeNewsNet titles) run at a steady 10 requests/s from 2 keep-alive connections
throughout, while, in turn:

- ``baseline``: nothing else;
- ``range-prefix``: 2 connections repeat ``body:[a TO z]``, ``body:[0 TO \\uffff]``,
  ``id:u*`` and ``title:[a TO zzzz]``;
- ``slow-clients``: 50 connections trickle a never-ending request head, one byte a second
  each, reconnecting when the server drops them;
- ``never-closing``: 10 connections a second ask for ``/health`` with ``Connection: close``
  and then neither read nor close;
- ``huge-snippets``: 2 connections repeat ``walrus`` (20 results), which matches 20
  documents with 2 MB bodies;
- ``slow-readers``: 8 connections ask for one of those 2 MB documents whole (``full=1``)
  and read it 256 bytes every 8 s (target: /health p99 < 100 ms);
- ``push-flood``: a CMS pushes FakeNewsNet articles (3,000; quick: 600) one a request from
  4 connections as fast as it is let, honouring 429 + Retry-After; every 250th holds
  U+2028, U+2029 and U+0085, and a corrupt batch file is dropped into the queue midway
  (targets: 0 pushes lost, only the corrupt batch quarantined, search p99 < 500 ms);
- ``analytics-attack``: 2 connections search with unique 500-character queries and 20
  ``author=`` values of 200 characters, one reports clicks for forged search ids, one client
  floods /events with real ones, while a reader clicks twice a second (targets: <= 300
  bytes a row, the database within its cap, no forged click stored, none of the reader's
  refused);
- ``reindex-hostile``: a full reindex (a separate process, into the live index folder) of a
  folder with the reindex corpus plus hostile files: a link to a file outside it, a FIFO, a
  line nested 1,000,000 deep, a gzip of 200 MB of zeros on one line, a truncated gzip, a
  binary file and a file that is not UTF-8;
- ``reindex-clean``: the same reindex without the hostile files;
- ``reindex-empty-lines``: a reindex (into a scratch folder) of a .jsonl.gz of 63 million
  lines of ``{}`` (183 kB; quick: 6.3 million) and one real article (target: < 400 MB).

One normal request in five is ``/health``, reported apart. Reported per phase: the normal
requests' count, failures (socket errors, timeouts after 30 s, non-2xx; target 0),
p50/p99/max; /health p99 and max; the peak resident memory of the server (master, workers
and push applier together); the bytes they wrote to disk and how much the index and
analytics folders grew; what the hostile requests got. Then the push flood, the analytics
database, and the peak RSS (VmHWM) of the reindex processes (hostile within 1.5x of clean).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from . import analytics_attack, attacks
from .hostile_corpus import HUGE_DOCS, reindex, write_empty_lines, write_hostile, write_huge
from .hostile_traffic import HEALTH, hammer, never_closing, phase, slow_clients
from .loadgen import (Server, Skip, build_index, fakenews, sample_queries, save, search_path,
                      show, title_words, verdict, write_lines)

RANGE_QUERIES = ["body:[a TO z]", "body:[0 TO \uffff]", "id:u*", "title:[a TO zzzz]"]
MEMORY_TARGET = 1.5
EMPTY_LINES_MB = 400  # a reindex of 63M lines of {} (issue 26: it went past 4 GB)
ANALYTICS_CAP_MB = 0.25  # small, so that the attack reaches it within a phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 lines, 8 s phases")
    parser.add_argument("--only", action="append", default=[], metavar="PHASE",
                        help="run only these phases (and baseline); repeatable")
    args = parser.parse_args(argv)
    seconds = 8.0 if args.quick else 20.0
    pushes = 600 if args.quick else 3000
    empty_lines = 6_300_000 if args.quick else 63_000_000
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    server = None
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"hostile: skipped: {exc}")
            return 0
        served = tmp / "served"
        served.mkdir()
        if args.quick:
            write_lines(source, served / "fakenews.jsonl", 0, 2000)
        else:
            shutil.copy(source, served / "fakenews.jsonl.gz")  # a link out would be skipped
        write_huge(served / "huge.jsonl")
        index_dir = tmp / "index"
        built = build_index(index_dir, served)
        print(f"served index: {built['counts']} in {built['seconds']:.0f} s", flush=True)
        clean, hostile_dir = tmp / "clean", tmp / "hostile"
        clean.mkdir()
        hostile_dir.mkdir()
        write_lines(source, clean / "reindex.jsonl", 0, 1000 if args.quick else 3000)
        os.link(clean / "reindex.jsonl", hostile_dir / "reindex.jsonl")
        write_hostile(hostile_dir, tmp / "private.txt")
        empty_dir = tmp / "empty-lines"
        empty_dir.mkdir()
        write_empty_lines(empty_dir / "empty.jsonl.gz", empty_lines)
        flood = attacks.flood_documents(source, pushes, skip=2000)
        analytics_dir = tmp / "analytics"
        analytics_dir.mkdir()
        db = analytics_dir / "analytics.db"

        server = Server({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CACHE_SIZE": "0",
                         "SEARCH_CORPUS_PATHS": str(served), "SEARCH_ADMIN_TOKEN": attacks.TOKEN,
                         "SEARCH_ANALYTICS_DB": str(db), "SEARCH_ANALYTICS_MAX_MB": str(ANALYTICS_CAP_MB),
                         "SEARCH_PROXY_HOPS": "1"}, tmp / "gunicorn.log", workers=2)
        server.wait()
        queries = sample_queries(title_words(served / "fakenews.jsonl.gz" if not args.quick
                                             else served / "fakenews.jsonl", 0, 2000), 40)
        paths = [(q, search_path(q)) for q in queries]
        paths = [p for i, p in enumerate(paths) for p in ([p, HEALTH] if i % 4 == 3 else [p])]
        folders = [index_dir, analytics_dir]
        phase(server, "warm-up", paths, 3.0)
        reindexes: list = []
        ranges = [search_path(q) for q in RANGE_QUERIES]
        huge = [search_path("walrus", per_page=20)]
        flooded: dict[str, Any] = {}
        analytics: dict[str, Any] = {}
        readers: list = []

        def analytics_action(stop, out):
            analytics["before"] = analytics_attack.analytics_figures(db)
            return analytics_attack.analytics_attack(server.port, stop, analytics)

        plan = [
            ("baseline", seconds, None),
            ("range-prefix", seconds, lambda stop, out: hammer(server.url, ranges, stop, out)),
            ("slow-clients", seconds, lambda stop, out: slow_clients(server.port, stop, out)),
            ("never-closing", seconds, lambda stop, out: never_closing(server.port, stop, out)),
            ("huge-snippets", seconds, lambda stop, out: hammer(server.url, huge, stop, out)),
            ("slow-readers", seconds, lambda stop, out: attacks.slow_readers(
                server.port, [f"huge-{n}" for n in range(HUGE_DOCS)], stop, readers)),
            ("push-flood", 0, lambda stop, out: attacks.push_flood(
                server.port, index_dir, flood, flooded)),
            ("analytics-attack", seconds, analytics_action),
            ("reindex-hostile", 0, lambda stop, out: reindex(index_dir, hostile_dir, reindexes) and None),
            ("reindex-clean", 0, lambda stop, out: reindex(index_dir, clean, reindexes) and None),
            ("reindex-empty-lines", 0, lambda stop, out: reindex(tmp / "scratch-index", empty_dir,
                                                                  reindexes) and None),
        ]
        rows = []
        for name, length, action in plan:
            if args.only and name not in args.only and name != "baseline":
                continue
            rows.append(phase(server, name, paths, length, action, folders))
            print(f"  {name}: search p99 {rows[-1]['p99_ms']:.0f} ms, /health p99 "
                  f"{rows[-1]['health_p99_ms']:.0f} ms, failed {rows[-1]['failed']}", flush=True)
        if analytics:
            analytics["after"] = analytics_attack.analytics_figures(db)
            analytics["tally"] = dict(analytics["tally"])
        show("Hostile traffic: normal requests at 10 req/s (searches, one in five /health) during "
             "each phase (2 gunicorn workers, no response cache); milliseconds; the server's "
             "peak memory (master, workers, push applier), what it wrote to disk and how much "
             "the index and analytics folders grew",
             ["phase", "s", "normal", "failed", "search p50", "search p99", "search max",
              "/health p99", "/health max", "peak MB", "written MB", "disk +MB",
              "hostile: status or event: n"],
             [[r["phase"], r["seconds"], r["normal"], r["failed"], r["p50_ms"], r["p99_ms"],
               r["max_ms"], r["health_p99_ms"], r["health_max_ms"], r["peak_mb"],
               r["written_mb"], r["disk_mb"], r["hostile"]] for r in rows], digits=0)
        by_name = {r["phase"]: r for r in rows}
        if "slow-readers" in by_name:
            r = by_name["slow-readers"]
            print(f"slow readers: {Counter(readers)}; /health p99 {r['health_p99_ms']:.0f} ms "
                  f"(target < 100): {verdict(r['health_p99_ms'] < 100)}")
        if flooded:
            r = by_name["push-flood"]
            ok = flooded["lost"] == 0 and flooded["quarantined"] == 1 and r["p99_ms"] < 500
            show("Push flood: one article a push, 4 connections, 429 honoured (Retry-After)",
                 ["pushes", "accepted", "lost", "answers", "429 waits s", "sending s",
                  "then applied in s", "snapshots", "quarantined", "failed applies",
                  "journal files", "journal MB", "search p99", "verdict"],
                 [[flooded["pushes"], flooded["accepted"], flooded["lost"],
                   ", ".join(f"{k}: {v}" for k, v in sorted(flooded["statuses"].items())),
                   flooded["retry_after_s"], flooded["send_seconds"], flooded["lag_seconds"],
                   flooded["snapshots"], flooded["quarantined"], flooded["failed_applies"],
                   flooded["journal_files"], flooded["journal_mb"], r["p99_ms"], verdict(ok)]],
                 digits=1, note=f"quarantine: {flooded['quarantine']}; targets: 0 lost, only "
                                "the corrupt batch quarantined, search p99 < 500 ms")
        if analytics:
            after, tally = analytics["after"], analytics["tally"]
            cap = ANALYTICS_CAP_MB * 1.048576  # MiB -> MB
            bounded = after["used_mb"] <= cap and after["files_mb"] <= cap + 4.3
            ok = after["bytes_per_row"] <= 300 and bounded and not tally.get("forged 204") \
                and set(k for k in tally if k.startswith("reader")) <= {"reader 204"}
            show(f"Analytics under attack (SEARCH_ANALYTICS_MAX_MB={ANALYTICS_CAP_MB}): the database "
                 "after the phase",
                 ["rows", "searches counted", "clicks", "bytes a row", "pages in use MB",
                  "files MB (with WAL)", "requests: status: n", "verdict"],
                 [[after["rows"], after["searches"], after["clicks"], after["bytes_per_row"],
                   after["used_mb"], after["files_mb"],
                   ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())), verdict(ok)]],
                 digits=2, note="targets: <= 300 bytes a search, the database within its cap "
                                "(plus a WAL of at most ~4 MB), no forged click stored, every "
                                "click of the reader counted")
        if len(reindexes) >= 2:
            hostile_mem = reindexes[0].get("peak_rss_mb", float("nan"))
            clean_mem = reindexes[1].get("peak_rss_mb", float("nan"))
            ratio = hostile_mem / clean_mem if clean_mem else float("nan")
            table = [["with hostile files", hostile_mem, reindexes[0].get("wall_s"),
                      reindexes[0].get("counts", {}).get("article"), reindexes[0].get("problems"),
                      verdict(ratio <= MEMORY_TARGET)],
                     ["clean", clean_mem, reindexes[1].get("wall_s"),
                      reindexes[1].get("counts", {}).get("article"), reindexes[1].get("problems"), ""]]
            if len(reindexes) >= 3:
                empty = reindexes[2]
                table.append([f"{empty_lines:,} lines of {{}}", empty.get("peak_rss_mb"),
                              empty.get("wall_s"), empty.get("counts", {}).get("article"),
                              empty.get("problems"),
                              verdict(empty.get("peak_rss_mb", 1e9) < EMPTY_LINES_MB)])
            show("Reindex peak memory (VmHWM of the reindex process, 1 worker)",
                 ["corpus", "peak MB", "seconds", "articles", "problems", "verdict"], table,
                 digits=0, note=f"hostile / clean = {ratio:.2f} (target <= {MEMORY_TARGET}); "
                                f"empty lines: target < {EMPTY_LINES_MB} MB")
        failed = sum(r["failed"] for r in rows)
        print(f"failed normal requests over all phases: {failed} (target 0)")
        save("hostile", {"phases": rows, "reindex": reindexes, "push_flood": flooded,
                         "analytics": analytics, "slow_readers": dict(Counter(readers)),
                         "failed_normal": failed}, args.quick)
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
