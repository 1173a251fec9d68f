"""One fan-out round over the replicas' direct lines against the same round as Ray calls,
interleaved (``python -m bench.cluster_lines --index DIR``).

On a shared machine, ``bench.cluster``'s runs, a fresh process a backend one after the other,
differ by whole milliseconds with the load of the minute. Here both ways ask the same
replicas the same rounds, one after the other in turn: the query rounds of 250 searches
(``bench.cluster``'s queries), recorded on the same shards opened in this process, then
sent by two ``RayShards`` (``lines=True`` and ``lines=False``) to one replica process
holding the shards (``--local 1``: the first shard answered here, meanwhile, as
``SEARCH_SHARDS_IN_WORKER=1``). Prints the round's wall time (p50, p90, p95, p99, mean) each
way, and the CPU of this process and of the replica a round.
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
    args = parser.parse_args(argv)
    from index.cluster import ray_head, ray_shards
    from index.errors import Deadline
    rounds = recorded_rounds(args.index, sample_queries(title_words(fakenews()), N_QUERIES))
    address = ray_head.start_local(args.index)
    ways = {"lines": ray_shards.RayShards(args.index, 2, address, 1, local=args.local),
            "Ray calls": ray_shards.RayShards(args.index, 2, address, 1, local=args.local,
                                              lines=False)}
    import ray  # noqa: PLC0415 - after ray_head has set how Ray listens
    pid = ray.get(ways["lines"].replicas[0][0].stats.remote())["pid"]
    try:
        for sid, asked in rounds[:WARMUP]:
            for shards in ways.values():
                shards.map(sid, "query", asked, Deadline(5))
        gc.freeze()
        took = {name: [] for name in ways}
        cpu = dict.fromkeys(ways, 0.0)
        replica_cpu = dict.fromkeys(ways, 0.0)
        for i, (sid, asked) in enumerate(rounds * PASSES):
            for name in (list(ways) if i % 2 else list(ways)[::-1]):  # each first in turn
                before = _cpu(pid)
                t, c = time.perf_counter(), time.process_time()
                ways[name].map(sid, "query", asked, Deadline(5))
                took[name].append((time.perf_counter() - t) * 1000)
                cpu[name] += time.process_time() - c
                replica_cpu[name] += _cpu(pid) - before
    finally:
        for shards in ways.values():
            shards.close()
        ray_head.stop()
    n = len(rounds) * PASSES
    show(f"One query round of 2 shards, {n} rounds each way, interleaved (ms; "
         f"{args.local} shard(s) answered here)",
         ["way", "p50", "p90", "p95", "p99", "mean", "CPU here", "CPU replica"],
         [[name, *(percentile(ms, p) for p in (50, 90, 95, 99)), sum(ms) / n,
           cpu[name] * 1000 / n, replica_cpu[name] * 1000 / n] for name, ms in took.items()],
         note="CPU replica: the replica process's CPU during the rounds (/proc, in "
              "clock ticks: exact over the sum, not a round).", digits=2)
    return 0


def _cpu(pid: int) -> float:
    """Return the CPU seconds of process ``pid`` (every thread) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    raise SystemExit(main())
