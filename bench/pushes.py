"""Query latency after 100 pushes, and what one push costs on the FakeNewsNet index.

Part of the query benchmark (issue: frequent small updates must keep the fast read path).
On a hard-linked copy of the benchmark's index, 100 pushes are applied one by one, each as
its own incremental snapshot the way the admin API's flusher applies them (each push
replaces a FakeNewsNet article: a deletion plus an addition). Then the query sample runs
cold, as variant (a) of the query benchmark: once with the snapshot's posting arrays, and
once with them hidden, which is how every search was read after a push before the arrays
were kept per segment.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import index
from index import SearchIndex, SnapshotStore
from index.store.arrays import ARRAYS_DIR

from .common import latency_summary, read_jsonl
from .table import show

PUSHES = 100


def run(ctx, queries: list[str], ours) -> dict:
    """Push 100 articles into a copy of the index, then time ``queries`` (``ours``: the
    query benchmark's timing function) with and without the posting arrays."""
    copy = Path(ctx.tmp) / "pushed-index"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ctx.state["fakenews_index"], copy, copy_function=os.link)
    queue = index.PushQueue(copy)
    apply_s = []
    for n, record in enumerate(read_jsonl(ctx.fakenews(), limit=PUSHES)):
        record = {**record, "title": f"{record.get('title') or ''} (updated)"}
        queue.put([record])
        start = time.perf_counter()
        index.apply_pushes(str(copy))
        apply_s.append(time.perf_counter() - start)
    path = SnapshotStore(copy).current_path()
    sets = len(list((path / ARRAYS_DIR).glob("*/meta.json")))
    runs = {}
    for label in ("with posting arrays", "arrays hidden (the old behaviour)"):
        if label.startswith("arrays hidden"):
            os.rename(path / ARRAYS_DIR, path / f"{ARRAYS_DIR}.off")
        ix = SearchIndex(str(copy), postings_cache=0, cache_size=0)
        ix.warm()
        for q in queries[:5]:
            ix.search(index.SearchRequest(q=q, snippets=False, facets=False))
        runs[label] = ours(ix, queries, False, False)
        ix.close()
    os.rename(path / f"{ARRAYS_DIR}.off", path / ARRAYS_DIR)
    apply = latency_summary(apply_s)
    show(f"query after {PUSHES} pushes: top-10, cold, latency in ms ({sets} posting-array sets)",
         ["variant", "p50", "p95", "p99", "mean", "no hits"],
         [[k, r["p50"], r["p95"], r["p99"], r["mean"], r["zero_hits"] + r["errors"]]
          for k, r in runs.items()], digits=[0, 1, 1, 1, 1, 0],
         note=f"one push applied as an incremental snapshot: p50 {apply['p50']:.0f} ms, "
              f"p95 {apply['p95']:.0f} ms, max {apply['max']:.0f} ms (commit, counts, arrays of "
              "the new segment; the flusher batches pushes that arrive together)")
    shutil.rmtree(copy, ignore_errors=True)
    return {"pushes": PUSHES, "apply_ms": apply, "array_sets": sets, "runs": runs}
