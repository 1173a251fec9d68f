"""Reindex under load (issue 6, item 1): searches keep being answered, without errors and
each wholly from one snapshot, while a full reindex runs and switches, then while a rollback
runs.

    python -m bench.reindex_load            old index: first 15,000 FakeNewsNet lines;
                                            the reindex reads all 17,334
    python -m bench.reindex_load --quick    old: first 1,500 lines; reindex: first 2,000

gunicorn serves with 2 workers, the admin token set and SEARCH_CACHE_SIZE=0 (every request
is really searched against the live snapshot, none comes from the response cache). A Python
load generator (3 threads, one keep-alive connection each, bounded in time and count,
paced at 40 requests/s by default - unpaced, it takes both cores and a reindex that needs
~70 s alone runs several times longer) replays a fixed set of queries - half drawn from titles that only the new corpus has, so
their totals differ between the snapshots - and records for every response its status, its
``X-Index-Snapshot`` header and its body. The reindex and the rollback go through
``POST /admin/reindex``; ``GET /admin/status`` is polled until each has finished.

Checks, for every response: 2xx (no socket error, no 5xx); the snapshot it names is the old
or the new one; its ``total`` equals the total that snapshot gives for the query (computed
in-process with ``index.SearchIndex`` on the same snapshot); and its total, result ids and
facets are identical to every other response from the same snapshot for the same query.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .loadgen import (PyLoad, Sample, Server, Skip, build_index, count_lines, fakenews,
                      http_json, percentile, sample_queries, save, search_path, show,
                      title_words, verdict, write_lines)

THREADS = 3
RATE = 40.0           # requests/s offered by the client (0: as fast as the threads can go)
SETTLE = 5.0          # seconds of load before the reindex and after each switch
OLD_LINES, QUICK_OLD, QUICK_NEW = 15_000, 1_500, 2_000
N_QUERIES = 12


def expected_totals(index_dir: Path, queries: list[str]) -> tuple[str, dict[str, int]]:
    """(live snapshot id, {query: total}) computed in-process on the live snapshot."""
    from index import SearchIndex, SearchRequest
    ix = SearchIndex(str(index_dir), cache_size=0)
    totals = {}
    snapshot = None
    for q in queries:
        res = ix.search(SearchRequest(q=q, per_page=10))
        totals[q] = res.total
        snapshot = res.snapshot
    return snapshot, totals


def fingerprint(body: dict) -> str:
    key = [body.get("total"), [r.get("id") for r in body.get("results", [])], body.get("facets")]
    return hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()


def wait_job(server: Server, token: str, want_current: str, deadline: float) -> dict:
    """Poll /admin/status until the job is no longer running and CURRENT is ``want_current``
    (or it failed, or the deadline passed); return the last status plus 'observed_done'."""
    headers = {"Authorization": f"Bearer {token}"}
    status: dict = {}
    while time.monotonic() < deadline:
        code, status = http_json(server.url + "/admin/status", headers=headers, timeout=10)
        if code == 200 and not status.get("running"):
            if status.get("state") == "failed":
                break
            if status.get("state") == "succeeded" and status.get("current") == want_current:
                break
            if status.get("state") == "succeeded" and want_current == "*new*" \
                    and status.get("current") and status.get("current") != status.get("previous") \
                    and status.get("mode") == "full":
                break
        time.sleep(0.25)
    status["observed_done"] = time.monotonic()
    return status


def trigger(server: Server, token: str, mode: str) -> tuple[int, Any, float]:
    t = time.monotonic()
    code, body = http_json(server.url + "/admin/reindex", "POST", {"mode": mode},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return code, body, t


def phase_stats(samples: list[Sample], old: str, new: str | None,
                expected: dict[str, dict[str, int]], first_seen: dict) -> dict[str, Any]:
    ok = [s for s in samples if s.status and 200 <= s.status < 300]
    per_snap: dict[str, int] = {}
    wrong_total = inconsistent = unknown = 0
    for s in ok:
        snap = s.snapshot or "(none)"
        name = "old" if snap == old else "new" if new and snap == new else f"other:{snap}"
        per_snap[name] = per_snap.get(name, 0) + 1
        if name.startswith("other"):
            unknown += 1
            continue
        body = s.body or {}
        want = expected.get(snap, {}).get(s.query)
        if want is not None and body.get("total") != want:
            wrong_total += 1
        fp = fingerprint(body)
        if first_seen.setdefault((snap, s.query), fp) != fp:
            inconsistent += 1
    lat = [s.seconds * 1000 for s in ok]
    return {"requests": len(samples),
            "socket_errors": sum(1 for s in samples if not s.status),
            "http_5xx": sum(1 for s in samples if s.status >= 500),
            "other_non_2xx": sum(1 for s in samples if s.status and not 200 <= s.status < 300
                                 and s.status < 500),
            "per_snapshot": per_snap, "unknown_snapshot": unknown,
            "wrong_total": wrong_total, "inconsistent": inconsistent,
            "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
            "max_ms": max(lat, default=float("nan")),
            "error_samples": sorted({f"{s.status} {s.error or ''}".strip()
                                     for s in samples if not s.status or s.status >= 300})[:10]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reindex_load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,500 -> 2,000 articles")
    parser.add_argument("--rate", type=float, default=RATE,
                        help=f"requests/s offered by the client (default {RATE:.0f}; 0: unpaced, "
                             "which starves the reindex of CPU on 2 cores)")
    args = parser.parse_args(argv)
    job_timeout = 240.0 if args.quick else 480.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-reindex-"))
    server = None
    load = None
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"reindex_load: skipped: {exc}")
            return 0
        old_lines, new_lines = (QUICK_OLD, QUICK_NEW) if args.quick \
            else (OLD_LINES, count_lines(source))
        old_corpus = write_lines(source, tmp / "old.jsonl", 0, old_lines)
        new_corpus = write_lines(source, tmp / "new.jsonl", 0, QUICK_NEW) if args.quick \
            else source
        label = (f"FakeNewsNet: old snapshot from the first {old_lines:,} lines, "
                 f"reindex from {new_lines:,} lines{' (quick)' if args.quick else ''}")
        print(f"reindex_load {time.strftime('%Y-%m-%d %H:%M')}: {label}", flush=True)
        index_dir = tmp / "index"
        built = build_index(index_dir, old_corpus)
        print(f"  old snapshot built in {built['seconds']:.1f} s: {built['counts']}", flush=True)
        queries = (sample_queries(title_words(source, old_lines, new_lines), N_QUERIES // 2, 11)
                   + sample_queries(title_words(source, 0, old_lines), N_QUERIES // 2, 12))
        old_id, old_totals = expected_totals(index_dir, queries)
        expected = {old_id: old_totals}
        paths = [(q, search_path(q)) for q in queries]

        token = secrets.token_urlsafe(24)
        server = Server({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_ADMIN_TOKEN": token,
                         "SEARCH_CORPUS_PATHS": str(new_corpus), "SEARCH_CACHE_SIZE": "0"},
                        tmp / "gunicorn.log", workers=2)
        server.wait()
        for _, path in paths[:4]:  # open the snapshot in both workers before measuring
            http_json(server.url + path)
        cap = SETTLE * 4 + 2 * job_timeout + 60
        load = PyLoad(server.host, server.port, paths, threads=THREADS, duration=cap,
                      max_requests=400_000, timeout=30, parse=True, rate=args.rate).start()
        t_start = time.monotonic()
        time.sleep(SETTLE)

        code, body, t_re = trigger(server, token, "full")
        if code != 202:
            raise RuntimeError(f"POST /admin/reindex full answered {code}: {body}")
        st_re = wait_job(server, token, "*new*", time.monotonic() + job_timeout)
        new_id = st_re.get("current")
        t_re_done = st_re["observed_done"]
        print(f"  reindex: {st_re.get('state')} -> snapshot {new_id}", flush=True)
        time.sleep(SETTLE)
        if st_re.get("state") == "succeeded" and new_id and new_id != old_id:
            got_id, new_totals = expected_totals(index_dir, queries)
            if got_id == new_id:
                expected[new_id] = new_totals

        code, body, t_rb = trigger(server, token, "rollback")
        if code != 202:
            raise RuntimeError(f"POST /admin/reindex rollback answered {code}: {body}")
        st_rb = wait_job(server, token, old_id, time.monotonic() + job_timeout)
        t_rb_done = st_rb["observed_done"]
        print(f"  rollback: {st_rb.get('state')} -> snapshot {st_rb.get('current')}", flush=True)
        time.sleep(SETTLE)
        load.stop()
        samples = load.join()
        t_end = time.monotonic()
        memory = server.memory()
    finally:
        if load is not None:
            load.stop()
        if server is not None:
            server.stop()
            log_tail = server.log_tail(60)
        shutil.rmtree(tmp, ignore_errors=True)

    windows = [("before (steady)", t_start, t_re), ("during reindex", t_re, t_re_done),
               ("after switch", t_re_done, t_rb), ("during rollback", t_rb, t_rb_done),
               ("after rollback", t_rb_done, t_end + 1)]
    first_seen: dict = {}
    stats = {}
    for name, a, b in windows:
        stats[name] = phase_stats([s for s in samples if a <= s.start < b], old_id, new_id,
                                  expected, first_seen)
        stats[name]["seconds"] = b - a if name != "after rollback" else t_end - a
    total = phase_stats(samples, old_id, new_id, expected, {})

    def job_seconds(st: dict) -> float:
        if st.get("started_at") and st.get("finished_at"):
            return float(st["finished_at"]) - float(st["started_at"])
        return float("nan")

    rows = []
    for name, _, _ in windows:
        s = stats[name]
        failed = s["socket_errors"] + s["http_5xx"] + s["other_non_2xx"]
        rows.append([name, s["seconds"], s["requests"], failed, s["per_snapshot"].get("old", 0),
                     s["per_snapshot"].get("new", 0), s["unknown_snapshot"], s["wrong_total"],
                     s["inconsistent"], s["p50_ms"], s["p99_ms"], s["max_ms"]])
    show(f"Reindex under load: {label}; gunicorn 2 workers, {THREADS} client threads, "
         f"{len(queries)} queries, "
         f"{'unpaced' if not args.rate else f'{args.rate:.0f} req/s offered'}, cache off",
         ["window", "s", "requests", "failed", "old snap", "new snap", "other snap",
          "wrong total", "inconsistent", "p50 ms", "p99 ms", "max ms"], rows, digits=1,
         note="failed = socket errors + 5xx + other non-2xx; wrong total = total differs from "
              "the named snapshot's total for that query; inconsistent = total, result ids or "
              "facets differ from another response of the same snapshot and query.\n"
              "Shared 2-core machine: the reindex, both workers and the client compete for "
              "the cores, so latency during the reindex is high and noisy.")
    differing = sum(1 for q in queries
                    if new_id in expected and expected[old_id][q] != expected[new_id].get(q))
    stale_after_switch = sum(1 for s in samples if t_re_done <= s.start < t_rb
                             and s.snapshot == old_id)
    stale_after_rollback = sum(1 for s in samples if s.start >= t_rb_done
                               and s.snapshot == new_id)
    failed_total = total["socket_errors"] + total["http_5xx"] + total["other_non_2xx"]
    ok = (failed_total == 0 and total["unknown_snapshot"] == 0 and total["wrong_total"] == 0
          and total["inconsistent"] == 0 and st_re.get("state") == "succeeded"
          and st_rb.get("state") == "succeeded" and st_rb.get("current") == old_id
          and stale_after_switch == 0 and stale_after_rollback == 0)
    show("Reindex and rollback jobs", ["job", "state", "snapshot", "job s", "observed s",
                                       "requests in window", "failed"],
         [["full reindex", st_re.get("state"), new_id, job_seconds(st_re), t_re_done - t_re,
           stats["during reindex"]["requests"],
           stats["during reindex"]["socket_errors"] + stats["during reindex"]["http_5xx"]
           + stats["during reindex"]["other_non_2xx"]],
          ["rollback", st_rb.get("state"), st_rb.get("current"), job_seconds(st_rb),
           t_rb_done - t_rb, stats["during rollback"]["requests"],
           stats["during rollback"]["socket_errors"] + stats["during rollback"]["http_5xx"]
           + stats["during rollback"]["other_non_2xx"]]],
         note=f"old snapshot {old_id}; job s = the job's own started/finished times (includes "
              "the CLI start-up); observed s = from the POST to /admin/status saying done.\n"
              f"queries whose total differs between the snapshots: {differing} of "
              f"{len(queries)}; old-snapshot answers after the switch: {stale_after_switch}; "
              f"new-snapshot answers after the rollback: {stale_after_rollback}.\n"
              f"all requests: {total['requests']:,}, failed {failed_total}; "
              f"verdict: {verdict(ok)}")
    for name in stats:
        if stats[name]["error_samples"]:
            print(f"  {name}: errors seen: {stats[name]['error_samples']}")
    if not ok:
        print("gunicorn log tail:\n" + log_tail)
    path = save("reindex_load", {
        "corpus": label, "old_built": built, "queries": queries, "expected_totals": expected,
        "old_snapshot": old_id, "new_snapshot": new_id, "reindex_status": st_re,
        "rollback_status": st_rb, "windows": stats, "all": total,
        "queries_differing": differing, "stale_after_switch": stale_after_switch,
        "stale_after_rollback": stale_after_rollback, "worker_memory_end": memory,
        "verdict": "pass" if ok else "fail"}, args.quick)
    print(f"JSON: {path.relative_to(path.parents[2])}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
