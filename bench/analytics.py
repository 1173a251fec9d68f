"""Search analytics (issue 14, part 3): does recording slow searches?

    python -m bench.analytics            FakeNewsNet (all 17,334 lines), 12 s per run
    python -m bench.analytics --quick    first 2,000 lines, 6 s per run

gunicorn with 2 workers, analytics off (no SEARCH_ANALYTICS_DB) and on, alternated
(off, on, off, on ...) on freshly started servers, with the default response cache (1024:
most answers are cache hits, so a fixed per-search cost shows most) and without (0: every
search computed). Load: seeded title-word queries at a fixed pace from 8 keep-alive Python
threads (latency, not saturation, is measured), plus click reports to POST /events from
another thread at a fifth of that pace, in both modes (a 404 when off). Reported per run:
requests, p50/p95/p99/max of /search, errors, the workers' CPU time per request (less
disturbed by other work on the machine than latency); per mode the median p99 over its runs
and the difference on minus off; and, for the "on" runs, whether the database holds exactly the
searches and clicks that were answered. Then, in this process, less exposed to the other
work on a shared machine: /search through the test client with the recorder taken out and
put back between blocks, as CPU time of the process (writer thread included); the cost of
one ``record_search`` call; the writer's rows per second; the report's time over a month.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from .loadgen import (PyLoad, Server, Skip, build_index, fakenews, sample_queries, save,
                      search_path, show, title_words, write_lines)
from .common import latency_summary

THREADS = 8
QUICK_LINES = 2000
TOKEN = "bench-admin-token-0123456789"


class Clicker:
    """POST click reports at ``rate`` a second from one keep-alive thread until stopped."""

    def __init__(self, host: str, port: int, rate: float) -> None:
        self.host, self.port, self.rate = host, port, rate
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        n, search_id = 0, secrets.token_hex(16)
        while not self._stop.wait(1 / self.rate):
            n += 1
            if n % 10 == 1:  # clicks are taken only for ids the service signed
                try:
                    conn.request("GET", "/search?q=click+bench&per_page=1")
                    search_id = json.loads(conn.getresponse().read()).get("search_id", search_id)
                except (OSError, http.client.HTTPException, ValueError):
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
            body = json.dumps({"search_id": search_id, "id": f"doc-{n}",
                               "position": 1 + n % 10})
            try:
                conn.request("POST", "/events", body, {"Content-Type": "text/plain"})
                res = conn.getresponse()
                res.read()
                self.statuses.append(res.status)
            except (OSError, http.client.HTTPException):
                self.statuses.append(0)
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        conn.close()

    def start(self) -> "Clicker":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) the processes ``pids`` have used so far: a
    figure that other work on the machine disturbs much less than latency."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def one_run(label: str, on: bool, cache: int, index_dir: Path, tmp: Path,
            paths: list[tuple[str, str]], seconds: float, rate: float) -> dict[str, Any]:
    db = tmp / f"{label}.db"
    settings = {"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CACHE_SIZE": str(cache),
                "SEARCH_ADMIN_TOKEN": TOKEN, "SEARCH_ANALYTICS_EVENTS_RATE": "100000",
                "SEARCH_ANALYTICS_CLIENT_RATE": "100000"}
    if on:
        settings["SEARCH_ANALYTICS_DB"] = str(db)
    server = Server(settings, tmp / f"gunicorn-{label}.log", workers=2)
    try:
        server.wait()
        warm = PyLoad(server.host, server.port, paths, threads=THREADS, duration=2.0,
                      rate=rate).start().join()  # warm-up: snapshot, caches, connections
        cpu_before = _cpu(server.worker_pids())
        clicker = Clicker(server.host, server.port, rate / 5).start()
        samples = PyLoad(server.host, server.port, paths, threads=THREADS, duration=seconds,
                         rate=rate).start().join()
        clicker.stop()
        cpu = _cpu(server.worker_pids()) - cpu_before
    finally:
        server.stop()  # graceful: each worker writes what it still holds
    ok = [s.seconds for s in samples if s.status == 200]
    result = {"label": label, "analytics": on, "cache": cache, "requests": len(samples),
              "errors": len(samples) - len(ok), "clicks": len(clicker.statuses),
              "click_errors": sum(1 for s in clicker.statuses if s not in (204, 404)),
              "cpu_ms_per_request": cpu * 1000 / max(len(samples) + len(clicker.statuses), 1),
              **latency_summary(ok)}
    if on:
        conn = sqlite3.connect(db)
        try:
            stored = conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0]
            stored_clicks = conn.execute("SELECT COUNT(*) FROM clicks").fetchone()[0]
        finally:
            conn.close()
        answered = len(ok) + sum(1 for s in warm if s.status == 200)  # warm-up ones too
        result["stored"], result["stored_clicks"] = stored, stored_clicks
        result["exact"] = (stored == answered and stored_clicks ==
                           sum(1 for s in clicker.statuses if s == 204))
    return result


def in_process(tmp: Path, index_dir: Path, queries: list[str], report_rows: int,
               n: int = 20000) -> dict:
    """Low-noise figures from this process: /search through the test client with analytics
    off and on, alternated in small blocks (machine load hits both alike), as CPU time; the
    cost of one record_search call; the writer's insert rate; the report's time."""
    from flask import Flask

    from index import SearchRequest, SearchResult
    from service import analytics_store as store
    from service import create_app
    from service.analytics import Recorder, record_search
    from service.analytics_ids import new_row_id

    # One app, its recorder taken out and put back between blocks: the two modes differ in
    # nothing else. CPU time of the whole process (the writer thread included) per search.
    app = create_app({"INDEX_DIR": str(index_dir), "ANALYTICS_DB": str(tmp / "ab.db")})
    recorder = app.extensions["analytics"]
    client = app.test_client()
    block = queries[:50]
    for q in block:  # warm: snapshot open, response cache filled
        client.get("/search", query_string={"q": q})
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    wall: dict[str, list[float]] = {"off": [], "on": []}
    for rnd in range(60):
        for name in (("off", "on") if rnd % 2 else ("on", "off")):
            if name == "on":
                app.extensions["analytics"] = recorder
            else:
                app.extensions.pop("analytics", None)
            t0, c0 = time.perf_counter(), time.process_time()
            for q in block:
                client.get("/search", query_string={"q": q})
            cpu[name].append((time.process_time() - c0) / len(block) * 1e6)
            wall[name].append((time.perf_counter() - t0) / len(block) * 1e6)
    app.extensions["analytics"] = recorder
    recorder.close()
    app.extensions["search_index"].close()
    ab = {k: {"cpu_us": statistics.median(cpu[k]), "wall_us": statistics.median(wall[k])}
          for k in cpu}

    app = Flask("bench")
    rec = app.extensions["analytics"] = Recorder(str(tmp / "inproc.db"), 90)
    req = SearchRequest(q="Wind Farm  jobs", kinds=("article",), day_from=20230101)
    results = [SearchResult(total=3, page=1, per_page=10, hits=[], snapshot="s")
               for _ in range(n + 1)]  # each its own answer (one seen again is a repeat)
    with app.app_context():
        record_search(req, results[n], 1.0)  # start the writer thread
        t0 = time.perf_counter()
        for result in results[:n]:
            record_search(req, result, 1.0)
        per_call_us = (time.perf_counter() - t0) / n * 1e6
    rec.close()
    # The writer's rate and the report's time over a month of searches: Zipf-like queries,
    # a quarter finding nothing, a click on every third search.
    rng = random.Random(14)
    rows, clicks = [], []
    for i in range(report_rows):
        sid = new_row_id(time.time() + i / 1000)
        rows.append((sid, int(time.time()), f"2026-01-{1 + i % 30:02d}",
                     f"q{int(rng.paretovariate(1.2)) % 20000}",
                     "k" if i % 5 == 0 else "", 1,
                     rng.choice((0, 3, 10, 40)), 2.0, None, None, "widget"))
        if i % 3 == 0:
            clicks.append((sid, rng.randint(1, 10), "doc", int(time.time())))
    conn = store.connect(str(tmp / "writer.db"))
    t0 = time.perf_counter()
    for i in range(0, report_rows, 250):  # batches of the size a busy worker writes
        store.write(conn, rows[i:i + 250], clicks[i // 3:(i + 250) // 3])
    rows_per_s = (len(rows) + len(clicks)) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    store.report(conn, "2026-01-01", "2026-01-30", 20)
    report_ms = (time.perf_counter() - t0) * 1000
    conn.close()
    return {"ab": ab, "record_search_us": per_call_us, "writer_rows_per_s": rows_per_s,
            "report_ms": report_ms, "report_searches": len(rows), "report_clicks": len(clicks)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 articles, 6 s runs")
    parser.add_argument("--rounds", type=int, default=3, help="off/on pairs per cache mode")
    parser.add_argument("--rate", type=float, default=100.0, help="searches a second")
    args = parser.parse_args(argv)
    seconds = 6.0 if args.quick else 12.0
    rounds = max(1, min(args.rounds, 5))  # bounded
    tmp = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"analytics: skipped: {exc}")
            return 0
        corpus = write_lines(source, tmp / "head.jsonl", 0, QUICK_LINES) if args.quick else source
        label = f"FakeNewsNet, first {QUICK_LINES:,} lines (quick)" if args.quick \
            else "FakeNewsNet, all 17,334 lines"
        print(f"analytics {time.strftime('%Y-%m-%d %H:%M')}: {label}; building the index ...",
              flush=True)
        index_dir = tmp / "index"
        build_index(index_dir, corpus)
        queries = sample_queries(title_words(corpus), 300)
        paths = [(q, search_path(q)) for q in queries]
        runs = []
        for cache in (1024, 0):
            for r in range(rounds):
                for on in (False, True):
                    name = f"cache{cache}-{'on' if on else 'off'}-{r + 1}"
                    runs.append(one_run(name, on, cache, index_dir, tmp, paths, seconds,
                                        args.rate))
                    print(f"  {name}: p99 {runs[-1]['p99']:.1f} ms", flush=True)
        costs = in_process(tmp, index_dir, queries, 30_000 if args.quick else 300_000)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = [[r["label"], r["requests"], r["errors"], r["clicks"], r["click_errors"], r["p50"],
             r["p95"], r["p99"], r["max"], r["cpu_ms_per_request"],
             "-" if not r["analytics"] else f"{r['stored']} / {r['stored_clicks']}"
             + (" exact" if r["exact"] else " MISMATCH")] for r in runs]
    show(f"Search analytics off vs on: {label}, gunicorn 2 workers, {THREADS} threads at "
         f"{args.rate:.0f} searches/s + {args.rate / 5:.0f} clicks/s, {seconds:.0f} s a run",
         ["run", "searches", "errors", "clicks", "click err", "p50 ms", "p95 ms", "p99 ms",
          "max ms", "worker CPU ms/req", "stored searches / clicks"], rows,
         digits=[1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1],
         note="stored searches include the 2 s warm-up; 'exact': the database holds "
              "every search answered 200 and every click answered 204, once. Shared 2-core machine: figures are noisy.")
    summary = []
    for cache in (1024, 0):
        off = [r["p99"] for r in runs if r["cache"] == cache and not r["analytics"]]
        on = [r["p99"] for r in runs if r["cache"] == cache and r["analytics"]]
        spread = max(off) - min(off) if len(off) > 1 else float("nan")
        cpu_off = [r["cpu_ms_per_request"] for r in runs if r["cache"] == cache and not r["analytics"]]
        cpu_on = [r["cpu_ms_per_request"] for r in runs if r["cache"] == cache and r["analytics"]]
        summary.append([f"cache {cache}", statistics.median(off), statistics.median(on),
                        statistics.median(on) - statistics.median(off), spread,
                        statistics.median(cpu_off), statistics.median(cpu_on)])
    show("p99 of /search and worker CPU per request, median over runs",
         ["mode", "p99 off ms", "p99 on ms", "on - off ms", "off run-to-run spread ms",
          "CPU off ms/req", "CPU on ms/req"], summary, digits=[1, 1, 1, 1, 1, 2, 2])
    ab = costs["ab"]
    show("/search through the Flask test client (response cache on), one app with its "
         "recorder taken out and put back, 60 alternating blocks of 50 searches each",
         ["analytics", "CPU us/search (process, writer included)", "wall us/search"],
         [[k, v["cpu_us"], v["wall_us"]] for k, v in ab.items()], digits=0,
         note=f"medians over blocks; on - off: CPU {ab['on']['cpu_us'] - ab['off']['cpu_us']:.0f}"
              f" us, wall {ab['on']['wall_us'] - ab['off']['wall_us']:.0f} us a search")
    show("In-process costs", ["record_search per call (request thread)", "writer rows/s",
                              f"report over {costs['report_searches']:,} searches and "
                              f"{costs['report_clicks']:,} clicks (30 days)"],
         [[f"{costs['record_search_us']:.1f} us", f"{costs['writer_rows_per_s']:,.0f}",
           f"{costs['report_ms']:,.0f} ms"]])
    path = save("analytics", {"corpus": label, "rate": args.rate, "seconds": seconds,
                              "runs": runs, "summary": summary, "in_process": costs}, args.quick)
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
