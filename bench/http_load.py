"""HTTP load (issue 4, "Measure"): gunicorn with 2 workers on the full FakeNewsNet index,
a fixed seeded set of plain-word queries replayed at 8 concurrent keep-alive connections.

    python -m bench.http_load            full corpus, 400 queries, 30 s per run
    python -m bench.http_load --quick    first 2,000 lines, 300 queries, 10 s per run

Two runs, each on a freshly started gunicorn after a short warm-up: SEARCH_CACHE_SIZE=0
(cold: every request is computed, facets and snippets included) and the default per-worker
response cache (1024). The load generator is ``wrk`` (C, so it takes little CPU from the
server) with a Lua script that cycles through the query URLs; without ``wrk`` a Python
client (http.client, 8 threads, keep-alive) is used instead and the tables say so.
Reported: requests/s, p50/p99 latency, errors (non-2xx and socket errors), and VmRSS of each
gunicorn worker at the end. Targets: >= 300 req/s, p99 <= 100 ms, no errors, <= 150 MB/worker.
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
from typing import Any

from .loadgen import (PyLoad, Server, Skip, build_index, fakenews, percentile, sample_queries,
                      save, search_path, show, title_words, verdict, write_lines)

CONNECTIONS = 8
TARGET_RPS = 300.0
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 150.0
QUICK_LINES = 2000

LUA = r"""
local paths = {%(paths)s}
local counter = 0
setup = function(thread)
  thread:set("offset", counter * 97)
  counter = counter + 1
end
local i = 0
init = function(args)
  i = tonumber(offset) or 0
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "bytes": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "mean_us": %%f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def _lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(wrk: str, url: str, script: Path, seconds: float) -> dict[str, Any]:
    """One bounded wrk run (2 threads, 8 connections); return its figures."""
    cmd = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{int(seconds)}s", "--timeout", "5s",
           "-s", str(script), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr}\n{out.stdout}")
    raw = json.loads(line[len("WRKJSON "):])
    seconds_run = raw["duration_us"] / 1e6
    return {"tool": "wrk", "seconds": seconds_run, "requests": raw["requests"],
            "rps": raw["requests"] / seconds_run, "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "mean_ms": raw["mean_us"] / 1000,
            "non_2xx": raw["status"],
            "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
            "socket_detail": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
            "wrk_stdout": out.stdout}


def run_python(server: Server, paths: list[tuple[str, str]], seconds: float) -> dict[str, Any]:
    """The fallback: 8 threads, one keep-alive http.client connection each."""
    load = PyLoad(server.host, server.port, paths, threads=CONNECTIONS, duration=seconds,
                  max_requests=2_000_000, timeout=10).start()
    started = time.monotonic()
    samples = load.join()
    took = time.monotonic() - started
    ok = [s.seconds * 1000 for s in samples if s.status]
    return {"tool": "python", "seconds": took, "requests": len(samples),
            "rps": len(samples) / took, "p50_ms": percentile(ok, 50),
            "p90_ms": percentile(ok, 90), "p99_ms": percentile(ok, 99),
            "max_ms": max(ok, default=float("nan")), "mean_ms": sum(ok) / max(len(ok), 1),
            "non_2xx": sum(1 for s in samples if s.status and not 200 <= s.status < 300),
            "socket_errors": sum(1 for s in samples if not s.status)}


def one_run(label: str, cache_size: int, index_dir: Path, tmp: Path, wrk: str | None,
            script: Path, paths: list[tuple[str, str]], seconds: float, warmup: float) -> dict:
    server = Server({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CACHE_SIZE": str(cache_size)},
                    tmp / f"gunicorn-{label}.log", workers=2)
    try:
        server.wait()
        pids_before = sorted(server.worker_pids())
        if wrk:
            run_wrk(wrk, server.url, script, warmup)
            result = run_wrk(wrk, server.url, script, seconds)
        else:
            run_python(server, paths, warmup)
            result = run_python(server, paths, seconds)
        result["workers"] = server.memory()
        result["recycled"] = sorted(server.worker_pids()) != pids_before
        log = server.log_tail(400)
        result["log_errors"] = sum(1 for ln in log.splitlines()
                                   if "Traceback" in ln or "[ERROR]" in ln or "[CRITICAL]" in ln)
    finally:
        server.stop()
    result["label"] = label
    result["cache_size"] = cache_size
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 articles, 10 s runs")
    parser.add_argument("--seconds", type=float, default=None, help="length of each run")
    parser.add_argument("--python", action="store_true", help="use the Python client even if wrk is there")
    args = parser.parse_args(argv)
    seconds = min(args.seconds or (10.0 if args.quick else 30.0), 120.0)  # bounded
    warmup = 2.0 if args.quick else 3.0
    n_queries = 300 if args.quick else 400
    wrk = None if args.python else shutil.which("wrk")
    tmp = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"http_load: skipped: {exc}")
            return 0
        corpus = write_lines(source, tmp / "head.jsonl", 0, QUICK_LINES) if args.quick else source
        label = f"FakeNewsNet, first {QUICK_LINES:,} lines (quick)" if args.quick \
            else "FakeNewsNet, all 17,334 lines"
        print(f"http_load {time.strftime('%Y-%m-%d %H:%M')}: {label}; building the index ...",
              flush=True)
        index_dir = tmp / "index"
        built = build_index(index_dir, corpus)
        print(f"  built in {built['seconds']:.1f} s: {built['counts']}", flush=True)
        queries = sample_queries(title_words(corpus), n_queries)
        paths = [(q, search_path(q)) for q in queries]
        script = tmp / "queries.lua"
        script.write_text(LUA % {"paths": ",\n".join(_lua_string(p) for _, p in paths)},
                          encoding="utf-8")
        tool = "wrk (C, 2 threads)" if wrk else "Python http.client, 8 threads"
        print(f"  {len(queries)} queries (seed-fixed title words), {CONNECTIONS} connections, "
              f"{seconds:.0f} s per run after {warmup:.0f} s warm-up, load generator: {tool}",
              flush=True)
        runs = [one_run(name, size, index_dir, tmp, wrk, script, paths, seconds, warmup)
                for name, size in (("cold (cache 0)", 0), ("cached (cache 1024)", 1024))]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    rows = []
    for r in runs:
        rss = [w["rss_mb"] for w in r["workers"]]
        r["max_worker_rss_mb"] = max(rss, default=float("nan"))
        r["errors"] = r["non_2xx"] + r["socket_errors"]
        r["targets"] = {"rps": r["rps"] >= TARGET_RPS, "p99": r["p99_ms"] <= TARGET_P99_MS,
                        "errors": r["errors"] == 0, "rss": r["max_worker_rss_mb"] <= TARGET_RSS_MB}
        rows.append([r["label"], r["requests"], r["rps"], r["p50_ms"], r["p99_ms"], r["max_ms"],
                     r["non_2xx"], r["socket_errors"], " / ".join(f"{x:.0f}" for x in rss),
                     " / ".join(f"{w['anon_mb']:.0f}" for w in r["workers"]),
                     " / ".join(f"{w['pss_mb']:.0f}" for w in r["workers"]),
                     " ".join(f"{k}:{verdict(v)}" for k, v in r["targets"].items())])
    show(f"HTTP load: {label}, gunicorn 2 workers (gthread), {CONNECTIONS} connections, "
         f"{seconds:.0f} s, load generator {tool}",
         ["run", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx", "sock err",
          "VmRSS MB", "anon MB", "PSS MB", "targets"], rows, digits=1,
         note=f"targets: >= {TARGET_RPS:.0f} req/s, p99 <= {TARGET_P99_MS:.0f} ms, no errors, "
              f"<= {TARGET_RSS_MB:.0f} MB per worker (VmRSS at the end of the run, "
              "per worker; anon = RssAnon, PSS = proportional set size: VmRSS counts each "
              "searcher's mmap of the index files again). "
              "Shared 2-core machine: the server, the load generator and anything else running "
              "compete for the same cores; figures are noisy.")
    for r in runs:
        if r["recycled"] or r["log_errors"]:
            print(f"  note: {r['label']}: workers recycled={r['recycled']}, "
                  f"error lines in gunicorn log={r['log_errors']}")
        r.pop("wrk_stdout", None)
    path = save("http_load", {"corpus": label, "built": built, "queries": len(queries),
                              "connections": CONNECTIONS, "seconds": seconds, "tool": tool,
                              "runs": runs}, args.quick)
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
