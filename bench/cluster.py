"""Cluster (issue 16): what shards and a Ray cluster cost and buy, on FakeNewsNet at 1x and 4x.

    python -m bench.cluster             1x and 4x (~69k articles; ~30 min on 2 cores)
    python -m bench.cluster --quick     the first 10 % of the lines only (~3 min)
    python -m bench.cluster --fanout --factors 1 4   one index against 2 shards, in process
                                        and on Ray: what the fan-out costs
    python -m bench.cluster --fanout --factors 4 --corpus /work/prof/corpus-4x.jsonl \
        --indexes /tmp/cluster-4x       the 4x corpus ``bench.scale_corpus`` wrote (new
                                        articles, nothing folds), its indexes built once and
                                        kept in (read from, when there) that folder
    python -m bench.cluster --fanout --alternate 10 ...   one index, 2 shards in process and
                                        on Ray (shard 0 in the searching process, the
                                        default) side by side: each process opened and warm,
                                        then asked for 10 queries in turn, so that the
                                        machine's speed of the minute falls on all alike

Corpora as in ``bench.scale`` (copy k of every record under id "<id>-k<k>"), written as 8
files so that a cluster build has chunks to spread. Every step runs in a fresh process:

- builds: one index; 2 and 4 shards in one process (``index.rebuild(shards=N)``); 2 shards
  on a local Ray instance with 1 and then 2 CPUs (``index.rebuild(cluster=...)``: reading in
  Ray tasks, one writer actor per shard; the Ray start is timed apart);
- searches: 250 seeded plain-word queries (``bench.loadgen.sample_queries``) after 10 to
  warm up (then ``gc.freeze``, as a worker does), top 10 with snippets and facets, no response
  cache, one thread, through ``index.SearchIndex`` (``/search``; HTTP adds ~1-2 ms): one index; 2 and 4
  shards in process (``LocalShards``); 2 and 4 shards as Ray actor replicas (2 of each
  process, a process holding all the shards; for 2 shards also a process a shard, and
  both with the shards preparing, as before the coordinator counted: ``head_counting``;
  and through Ray calls alone, not the replicas' direct lines: ``..., no lines``);
  CPU per search counts the searching process and, with Ray, its replicas too;
- memory: RSS of the searching process and of each replica after the queries.
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .cluster_steps import install, show_steps
from .loadgen import (ROOT, Skip, count_lines, dir_size, fakenews, percentile, sample_queries,
                      save, show, title_words, write_copies, write_lines)

N_QUERIES, WARMUP, PARTS = 250, 10, 8
FULL, QUICK = (1, 4), (0.1,)  # 4x: ~1 h on this shared 2-core machine; --factors 1 for less
BUILDS = [("one index", 0, "", 2), ("2 shards", 2, "", 2), ("4 shards", 4, "", 2),
          ("2 shards, Ray 1 CPU", 2, "ray", 1), ("2 shards, Ray 2 CPUs", 2, "ray", 2)]
SEARCHES = [("one index", "one index", ""), ("2 shards, in process", "2 shards", ""),
            ("4 shards, in process", "4 shards", ""), ("2 shards, Ray", "2 shards", "ray"),
            ("2 shards, Ray, a process a shard", "2 shards", "ray1"),
            ("2 shards, Ray, one held by the coordinator", "2 shards", "rayL"),
            ("2 shards, Ray, no lines", "2 shards", "rayN"),
            ("2 shards, Ray, one held by the coordinator, no lines", "2 shards", "rayLN"),
            ("2 shards, Ray, shards prepare", "2 shards", "ray:shards"),
            ("2 shards, Ray, a process a shard, shards prepare", "2 shards", "ray1:shards"),
            ("4 shards, Ray", "4 shards", "ray")]


# --alternate's searches unless --only names others: at most one on Ray (a Ray head each)
ALTERNATED = ("one index", "2 shards, in process", "2 shards, Ray, one held by the coordinator")


def _rss_kb() -> dict[str, int]:
    return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in
            Path("/proc/self/status").read_text().splitlines()) if k in ("VmRSS", "VmHWM")}


def build_child() -> None:
    """argv: index_dir, corpus_dir, shards, mode ("" or "ray"), workers; print JSON."""
    import index
    from index.cluster import ray_head
    index_dir, corpus, shards, mode, workers = sys.argv[1:6]
    out: dict = {}
    address = ""
    if mode == "ray":
        t = time.perf_counter()
        address = ray_head.start_local(index_dir, cpus=int(workers))
        out["ray_start_s"] = time.perf_counter() - t
    t = time.perf_counter()
    result = index.rebuild(index_dir, [corpus], workers=int(workers), shards=int(shards),
                           cluster=address)
    out.update(seconds=time.perf_counter() - t, counts=result.counts, **_rss_kb())
    if mode == "ray":
        ray_head.stop()
    print(json.dumps(out))


def query_child() -> None:
    """argv: index_dir, queries.json, mode ("", "ray"; "ray1", a process a shard; "rayL",
    the first shard opened in this process, not on Ray; ending in "N", rounds through Ray
    calls, not the replicas' direct lines; with
    ":shards", the shards prepare, not the coordinator), "steps" to time each step
    (``cluster_steps``), and a block size (0: search every query at once; else print
    "ready" once warm and search the next block at each "go" read, printing "done"); print
    JSON figures."""
    from index import SearchIndex, SearchRequest
    from index.cluster import ray_head, ray_shards
    index_dir, queries_file, mode, steps, block = *sys.argv[1:5], int(sys.argv[5])
    mode, _, prepare = mode.partition(":")
    if prepare == "shards":  # as before head_counting: the shards prepare every search
        from index.cluster import coordinator  # noqa: PLC0415
        coordinator.countable = lambda req: False
    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    out: dict = {}
    backend = None
    if mode.startswith("ray"):
        t = time.perf_counter()
        address = ray_head.start_local(index_dir)
        out["ray_start_s"] = time.perf_counter() - t
        backend = ray_shards.shards_backend(index_dir, address, 2, 1 if mode == "ray1" else 0,
                                            1 if mode.startswith("rayL") else 0,
                                            lines=not mode.endswith("N"))
    t = time.perf_counter()
    ix = SearchIndex(index_dir, cache_size=0, shards_backend=backend)
    ix.warm()
    out["open_s"] = time.perf_counter() - t
    for q in queries[:WARMUP]:
        ix.search(SearchRequest(q=q, per_page=10))
    gc.freeze()  # as a gunicorn worker after warming (``service/gunicorn_conf.py``)
    replicas = _replica_stats(ix) if backend else []
    timed = install(ix) if steps else None
    cpu, latencies, totals = 0.0, [], []
    step = block or len(queries)
    if block:
        print("ready", flush=True)
    for start in range(0, len(queries), step):
        if block and sys.stdin.readline().strip() != "go":
            raise SystemExit("query_child: the parent stopped asking")
        c = time.process_time()
        for q in queries[start:start + step]:
            t = time.perf_counter()
            totals.append(ix.search(SearchRequest(q=q, per_page=10)).total)
            latencies.append(time.perf_counter() - t)
        cpu += time.process_time() - c
        if block:
            print("done", flush=True)
    if backend:
        after = _replica_stats(ix)
        out["replica_cpu_s"] = sum(a["cpu_s"] - b["cpu_s"] for a, b in zip(after, replicas)
                                   if a["pid"] == b["pid"])
        cpu += out["replica_cpu_s"]
        replicas = after
    out.update(latencies=latencies, totals=totals, cpu_s=cpu, replicas=replicas,
               steps=timed.report(len(queries)) if timed else {}, **_rss_kb())
    ix.close()
    if backend:
        ray_head.stop()
    print(json.dumps(out))


def _replica_stats(ix) -> list[dict]:
    """Every replica's stats (pid, CPU seconds, memory)."""
    import ray  # noqa: PLC0415 - imported by ray_shards already
    found = [ray.get(handle.stats.remote(), timeout=10) for backend in ix._backends.values()
             for handles in backend.replicas for handle in handles]
    return sorted(found, key=lambda s: s["pid"])


def _child(function: str, *args: str, timeout: int = 3600) -> dict:
    out = subprocess.run([sys.executable, "-c", f"from bench.cluster import {function}; "
                          f"{function}()", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{function} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _alternated(children: dict[str, list[str]], block: int) -> dict[str, dict]:
    """Run ``query_child`` with each of ``children``'s argv at once, every one opened and
    warm, then ask each in turn for its next ``block`` queries (the first of each round
    in turn), so that the machine's minute-to-minute speed falls on all of them alike;
    return each one's JSON figures."""
    running: dict[str, tuple[subprocess.Popen, object]] = {}
    try:
        for name, argv in children.items():  # opened one after the other, then idle
            log = tempfile.TemporaryFile("w+")
            proc = subprocess.Popen([sys.executable, "-c", "from bench.cluster import "
                                     "query_child; query_child()", *argv, str(block)],
                                    cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=log, text=True)
            running[name] = (proc, log)
            _expect(name, proc, log, "ready")
        names = list(running)
        for i in range(-(-N_QUERIES // block)):
            for name in names[i % len(names):] + names[:i % len(names)]:
                proc, log = running[name]
                proc.stdin.write("go\n")
                proc.stdin.flush()
                _expect(name, proc, log, "done")
        out = {}
        for name, (proc, log) in running.items():
            rest, _ = proc.communicate(timeout=300)
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed ({proc.returncode}):\n{_tail(log)}")
            out[name] = json.loads(rest.strip().splitlines()[-1])
        return out
    finally:
        for proc, log in running.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()


def _expect(name: str, proc: subprocess.Popen, log, word: str) -> None:
    """Read ``proc``'s output up to the line ``word``; raise with its log if it ended."""
    for line in proc.stdout:
        if line.strip() == word:
            return
    raise RuntimeError(f"{name} ended before {word!r} ({proc.wait()}):\n{_tail(log)}")


def _tail(log) -> str:
    log.seek(0)
    return log.read()[-3000:]


def write_parts(src: Path, factor: float, folder: Path, corpus: Path | None = None) -> int:
    """Write the corpus at ``factor`` (or ``corpus`` as it is) into ``folder`` as PARTS
    files; return its lines."""
    folder.mkdir()
    whole = folder.parent / "whole.jsonl"
    if corpus is not None:
        write_lines(corpus, whole, 0, count_lines(corpus))
    elif factor < 1:
        write_lines(src, whole, 0, round(factor * count_lines(src)))
    else:
        write_copies(src, whole, int(factor))
    lines = count_lines(whole)
    size = -(-lines // PARTS)
    for k in range(PARTS):
        write_lines(whole, folder / f"part-{k}.jsonl", k * size, (k + 1) * size)
    whole.unlink()
    return lines


def run_factor(src: Path, factor: float, tmp: Path, queries_file: Path,
               two_shards: bool = False, fanout: bool = False, given: Path | None = None,
               kept: Path | None = None, only: list[str] | None = None,
               steps: bool = False, alternate: int = 0) -> dict:
    """Build (or, from ``kept``, reuse) and search one size: ``given``, a corpus file to
    take as it is instead of ``factor`` copies of ``src``."""
    corpus = tmp / f"corpus-{factor:g}x"
    lines = write_parts(src, factor, corpus, given)
    builds, searches, dirs = {}, {}, {}
    for n, (name, shards, mode, workers) in enumerate(BUILDS):
        if two_shards and not (shards == 2 and workers == 2):
            continue
        if fanout and (mode or shards not in (0, 2)):  # one index and 2 shards, no Ray build
            continue
        index_dir = (kept or tmp) / f"index-{factor:g}x-{n}"
        if (index_dir / "CURRENT").exists() and kept:
            dirs.setdefault(name.split(",")[0], index_dir)
            print(f"  {factor:g}x build, {name}: kept in {index_dir}", flush=True)
            continue
        builds[name] = b = _child("build_child", str(index_dir), str(corpus), str(shards), mode,
                                  str(workers))
        b["index_mb"] = dir_size(index_dir) / 2**20 if index_dir.exists() else 0
        dirs.setdefault(name.split(",")[0], index_dir)
        print(f"  {factor:g}x build, {name}: {b['seconds']:.0f} s", flush=True)
    chosen = {name: [str(dirs[index_name]), str(queries_file), mode, "steps" if steps else ""]
              for name, index_name, mode in SEARCHES
              if index_name in dirs and (name in only if only else
                                         name in ALTERNATED or not alternate)}
    found = _alternated(chosen, alternate) if alternate else {}
    for name, argv in chosen.items():
        q = found[name] if alternate else _child("query_child", *argv, "0")
        ms = [s * 1000 for s in q.pop("latencies")]
        searches[name] = {**q, "p50": percentile(ms, 50), "p95": percentile(ms, 95),
                          "p99": percentile(ms, 99), "mean": sum(ms) / len(ms)}
        print(f"  {factor:g}x search, {name}: p95 {searches[name]['p95']:.1f} ms", flush=True)
        if steps:
            show_steps(name, q["steps"], q.get("replica_cpu_s", 0.0) * 1000 / N_QUERIES)
    shutil.rmtree(corpus, ignore_errors=True)
    for index_dir in tmp.glob(f"index-{factor:g}x-*"):
        shutil.rmtree(index_dir, ignore_errors=True)
    return {"factor": factor, "lines": lines, "builds": builds, "searches": searches,
            "alternate": alternate}


def report(rows: list[dict]) -> None:
    show("Cluster builds: FakeNewsNet, seconds (fresh process each; Ray start apart)",
         ["size", "build", "articles", "seconds", "docs/s", "index MB", "Ray start s",
          "driver peak RSS MB"],
         [[f"{r['factor']:g}x", name, b["counts"].get("article", 0), b["seconds"],
           sum(b["counts"].values()) / b["seconds"], b["index_mb"], b.get("ray_start_s", 0),
           b["VmHWM"] / 1024] for r in rows for name, b in r["builds"].items()],
         note="2-core machine shared with other work: Ray's 1 vs 2 CPUs is reading tasks; "
              "the driver routes and the writer actors write on the same 2 cores.")
    block = max((r.get("alternate", 0) for r in rows), default=0)
    how = f"side by side, {block} queries each in turn" if block else "one after the other"
    show(f"Cluster searches: {N_QUERIES} queries, ms (one thread, no response cache; "
         f"backends {how})",
         ["size", "backend", "p50", "p95", "p99", "mean", "CPU ms/search", "process RSS MB",
          "replicas", "RSS/replica MB"],
         [[f"{r['factor']:g}x", name, s["p50"], s["p95"], s["p99"], s["mean"],
           s["cpu_s"] * 1000 / N_QUERIES, s["VmRSS"] / 1024, len(s["replicas"]),
           (sum(x["VmRSS"] for x in s["replicas"]) / len(s["replicas"]) / 1024
            if s["replicas"] else 0)] for r in rows for name, s in r["searches"].items()],
         note="CPU ms/search: the searching process, plus its replicas with Ray (not Ray's "
              "own daemons). RSS/replica: mean VmRSS of the replica processes after the run.")
    fanout = []
    for r in rows:
        s, one = r["searches"], r["searches"].get("one index")
        for n, how in ((2, ""), (2, ", a process a shard"), (2, ", one held by the coordinator"),
                       (2, ", no lines"), (2, ", one held by the coordinator, no lines"),
                       (2, ", shards prepare"),
                       (2, ", a process a shard, shards prepare"), (4, "")):
            on_ray, local = s.get(f"{n} shards, Ray{how}"), s.get(f"{n} shards, in process")
            if on_ray and local:
                fanout.append([f"{r['factor']:g}x", f"{n}{how}", (on_ray["cpu_s"] - local["cpu_s"])
                               * 1000 / N_QUERIES / n] + ([on_ray[k] / one[k] for k in
                                                           ("p50", "p95", "mean")]
                                                          if one else [0.0] * 3))
    if fanout:
        show("What the fan-out costs", ["size", "shards", "fan-out CPU ms per shard per search",
                                        "Ray/one index p50", "p95", "mean"], fanout, digits=2,
             note="fan-out CPU: (CPU per search on Ray - in process, same shards) / shards.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the first 10 % of the lines")
    parser.add_argument("--factors", type=float, nargs="*", help="corpus sizes (default 1 4)")
    parser.add_argument("--two-shards", action="store_true",
                        help="only 2 shards, in one process and on Ray with 2 CPUs (faster)")
    parser.add_argument("--corpus", type=Path, help="a corpus file to search as it is (one "
                        "factor: its label), e.g. bench.scale_corpus's 4x")
    parser.add_argument("--indexes", type=Path, help="build the indexes into this folder and "
                        "keep them; reuse the ones already there")
    parser.add_argument("--fanout", action="store_true",
                        help="only what the fan-out costs: one index and 2 shards built in one "
                             "process; searched as one index, in process and on Ray")
    parser.add_argument("--only", nargs="*", help="only these searches (backend names, as "
                        "the tables print them)")
    parser.add_argument("--alternate", type=int, default=0, metavar="BLOCK",
                        help="search the backends side by side, each in its own process "
                             "opened and warm, in turn BLOCK queries at a time (default: one "
                             "after the other); without --only: " + ", ".join(ALTERNATED))
    parser.add_argument("--steps", action="store_true", help="time each step of a search "
                        "(``cluster_steps``)")
    args = parser.parse_args(argv)
    factors = args.factors or (QUICK if args.quick else FULL)
    try:
        import ray  # noqa: F401, PLC0415 - only to say why we skip
    except ImportError:
        print("cluster: skipped: ray is not installed (make install-cluster)")
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    started, rows = time.perf_counter(), []
    try:
        try:
            src = fakenews()
        except Skip as exc:
            print(f"cluster: skipped: {exc}")
            return 0
        smallest = round(min(factors) * count_lines(src)) if min(factors) < 1 else None
        queries = sample_queries(title_words(src, 0, smallest), N_QUERIES)
        queries_file = tmp / "queries.json"
        queries_file.write_text(json.dumps(queries), encoding="utf-8")
        print(f"cluster {time.strftime('%Y-%m-%d %H:%M')}: FakeNewsNet at "
              f"{', '.join(f'{f:g}x' for f in factors)}", flush=True)
        for factor in factors:  # each size reported and saved as soon as it is done
            rows.append(run_factor(src, factor, tmp, queries_file, args.two_shards, args.fanout,
                                   args.corpus, args.indexes, args.only, args.steps,
                                   args.alternate))
            report(rows[-1:])
            name = "cluster-fanout" if args.fanout else "cluster-2shards" if args.two_shards \
                else "cluster"
            path = save(name, {"factors": list(factors), "queries": N_QUERIES,
                                    "rows": rows, "seconds": time.perf_counter() - started},
                        args.quick)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"cluster done in {time.perf_counter() - started:.0f} s; JSON: "
          f"{path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
