"""One fan-out round over the replicas' direct lines against the same round as Ray calls,
interleaved (``python -m bench.cluster_lines --index DIR``).

On a shared machine, ``bench.cluster``'s runs, a fresh process a backend one after the other,
differ by whole milliseconds with the load of the minute. Here both ways ask the same
replicas the same rounds, one after the other in turn: the query rounds of 250 searches
(``bench.cluster``'s queries), recorded on the same shards opened in this process, then
sent by two ``RayShards`` (``lines=True`` and ``lines=False``) to one replica process
holding the shards (``--local 1``: the first shard answered here, meanwhile, as
``SEARCH_SHARDS_IN_WORKER=1``). Prints the round's wall time (p50, p90, p95, p99, mean) each
way, and the CPU of this process and of the replicas a round. With ``--against`` one index's
dir, whole searches instead: that index's, and the shards' on Ray each way, in turn. With
``--per 0 1``, each way also with a replica process a shard (``SEARCH_SHARDS_PER_REPLICA=1``,
the shards answering side by side) beside one process holding both, all interleaved.
"""
from __future__ import annotations

import argparse
import gc
import os
import time
from pathlib import Path

from .loadgen import fakenews, percentile, sample_queries, show, title_words

N_QUERIES, WARMUP, PASSES = 250, 20, 2


def recorded_rounds(index_dir: str, queries: list[str]) -> list[tuple[str, list]]:
    """Return the query rounds (snapshot, args) of ``queries``, searched on the shards
    opened here."""
    from index import SearchIndex, SearchRequest
    from index.cluster import local_shards

    rounds, real = [], local_shards.LocalShards.map

    def recording(self, snapshot_id, method, args, deadline):
        if method == "query":
            rounds.append((snapshot_id, args))
        return real(self, snapshot_id, method, args, deadline)
    local_shards.LocalShards.map = recording
    ix = SearchIndex(index_dir, cache_size=0)
    try:
        for q in queries:
            ix.search(SearchRequest(q=q, per_page=10))
    finally:
        ix.close()
        local_shards.LocalShards.map = real
    return rounds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_lines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, help="a 2-shard index (bench.cluster's)")
    parser.add_argument("--local", type=int, default=0, help="shards answered here")
    parser.add_argument("--against", help="with one index's dir (the same corpus): whole "
                        "searches, that index's against the shards' on Ray")
    parser.add_argument("--per", type=int, nargs="*", default=[0], help="shards a replica "
                        "process holds (0: all), each a way of its own")
    parser.add_argument("--ways", nargs="*", choices=("lines", "calls"),
                        default=["lines", "calls"], help="which ways to run (with --against, "
                        "run one: two ways share the replica's warm caches)")
    args = parser.parse_args(argv)
    from index import SearchIndex, SearchRequest
    from index.cluster import ray_head, ray_shards
    from index.errors import Deadline
    from index.read.query import _parse as parsed
    queries = sample_queries(title_words(fakenews()), N_QUERIES)
    rounds = [] if args.against else recorded_rounds(args.index, queries)
    address = ray_head.start_local(args.index)
    ways = {("lines" if way == "lines" else "Ray calls") + (", a process a shard" if per == 1
                                                            else f", {per} a process" if per
                                                            else ""):
            ray_shards.RayShards(args.index, 2, address, 1, per=per, local=args.local,
                                 lines=way == "lines")
            for way in args.ways for per in args.per}
    import ray  # noqa: PLC0415 - after ray_head has set how Ray listens
    pids = {name: [ray.get(h.stats.remote())["pid"] for group in shards.replicas for h in group]
            for name, shards in ways.items()}
    if args.against:  # whole searches: one index, and the shards through each way
        opened = {"one index": SearchIndex(args.against, cache_size=0)}
        opened.update((f"Ray, {name}", SearchIndex(args.index, cache_size=0,
                                                   shards_backend=lambda n, s=shards: s))
                      for name, shards in ways.items())
        for ix in opened.values():
            ix.warm()
        runs = {name: (lambda q, ix=ix: ix.search(SearchRequest(q=q, per_page=10)))
                for name, ix in opened.items()}
        work, what = queries, "whole searches"
        pids.update({f"Ray, {name}": found for name, found in list(pids.items())})
    else:
        runs = {name: (lambda r, s=shards: s.map(r[0], "query", r[1], Deadline(5)))
                for name, shards in ways.items()}
        work, what = rounds, "query rounds of 2 shards"
    try:
        for item in work[:WARMUP]:
            for run in runs.values():
                run(item)
        gc.freeze()
        took, cpu, replica_cpu = {n: [] for n in runs}, dict.fromkeys(runs, 0.0), \
            dict.fromkeys(runs, 0.0)
        names = list(runs)
        for i, item in enumerate(work * PASSES):
            for name in names[i % len(names):] + names[:i % len(names)]:  # each first in turn
                parsed.cache_clear()  # a query parsed by the way before is not parsed again
                before = _cpu(pids.get(name, ()))
                t, c = time.perf_counter(), time.process_time()
                runs[name](item)
                took[name].append((time.perf_counter() - t) * 1000)
                cpu[name] += time.process_time() - c
                replica_cpu[name] += _cpu(pids.get(name, ())) - before
    finally:
        for shards in ways.values():
            shards.close()
        ray_head.stop()
    n = len(work) * PASSES
    show(f"{n} {what} each way, interleaved (ms; {args.local} shard(s) answered here)",
         ["way", "p50", "p90", "p95", "p99", "mean", "CPU here", "CPU replica"],
         [[name, *(percentile(ms, p) for p in (50, 90, 95, 99)), sum(ms) / n,
           cpu[name] * 1000 / n, replica_cpu[name] * 1000 / n] for name, ms in took.items()],
         note="CPU replica: the replica process's CPU during the rounds (/proc, in "
              "clock ticks: exact over the sum, not a round).", digits=2)
    return 0


def _cpu(pids) -> float:
    """Return the CPU seconds of the processes ``pids`` (every thread) so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    raise SystemExit(main())
