"""Query latency after 100 pushes, what one push costs on the FakeNewsNet index, and (run as
``python -m bench.pushes``) push-to-searchable through gunicorn.

Part of the query benchmark (issue: frequent small updates must keep the fast read path).
On a hard-linked copy of the benchmark's index, 100 pushes are applied one by one, each as
its own incremental snapshot the way the admin API's flusher applies them (each push
replaces a FakeNewsNet article: a deletion plus an addition). Then the query sample runs
cold, as variant (a) of the query benchmark: once with the snapshot's posting arrays, and
once with them hidden, which is how every search was read after a push before the arrays
were kept per segment.

    python -m bench.pushes INDEX_DIR [INDEX_DIR ...] [--pushes 7]

serves a hard-linked copy of each index (e.g. FakeNewsNet at 1x, and an 8x archive made by
``bench.synthetic``) with gunicorn (2 workers, response cache off, admin token set), times
normal searches (title-word queries), then pushes one real article at a time (a new url and
a word of its own in the title) and polls ``/search`` for that word until it is found:
push-to-searchable is from the 202 to the first answer that holds it. The searches right
after (the polls and ten normal queries, which reach both workers) are timed against the
normal p95. Issue 21's targets: searchable within 1 s, the first search after within 2x the
normal p95.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import index
from index import SearchIndex, SnapshotStore
from index.store.arrays import ARRAYS_DIR

from .common import FAKENEWS, latency_summary, need, percentile, read_jsonl, write_result
from .loadgen import Server, http_json, sample_queries, search_path, title_words
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


TOKEN = "bench-admin-token-0123456789"
NORMAL = 120       # normal searches timed before the pushes
AFTER = 10         # normal searches right after each push is found
POLL = 0.01        # seconds between polls for the pushed article


def _timed(server: Server, path: str) -> tuple[float, dict]:
    start = time.perf_counter()
    status, body = http_json(server.url + path, timeout=30)
    if status != 200:
        raise RuntimeError(f"{path}: {status} {body}")
    return time.perf_counter() - start, body


def _push_rounds(server: Server, queries: list[str], articles: list[dict], pushes: int) -> dict:
    """Push ``pushes`` articles one at a time; return the timings."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    searchable, first_after, slowest_after, polls = [], [], [], []
    for n in range(pushes):
        word = f"zqpush{n}{secrets.token_hex(3)}"
        doc = {**articles[n], "url": f"https://bench.example.org/push/{word}",
               "canonical_link": None, "title": f"{articles[n].get('title') or 'Pushed'} {word}"}
        status, body = http_json(server.url + "/admin/documents", "POST", doc, auth, timeout=30)
        if status != 202:
            raise RuntimeError(f"push: {status} {body}")
        accepted = time.perf_counter()
        seen = []
        while True:
            took, found = _timed(server, search_path(word, per_page=1))
            seen.append(took)
            if found["total"]:
                break
            if time.perf_counter() - accepted > 120:
                raise RuntimeError(f"pushed article {word} not searchable after 120 s")
            time.sleep(POLL)
        searchable.append(time.perf_counter() - accepted)
        after = [_timed(server, search_path(q))[0]
                 for q in queries[(n * AFTER) % len(queries):][:AFTER]]
        first_after.append(after[0])
        slowest_after.append(max(seen + after))
        polls.append(len(seen))
        time.sleep(1.0)
    return {"searchable_s": searchable, "first_after_s": first_after,
            "slowest_after_s": slowest_after, "polls": polls}


def _one_index(index_dir: Path, label: str, queries: list[str], articles: list[dict],
               pushes: int, tmp: Path) -> dict:
    copy = tmp / f"index-{label}"
    shutil.copytree(index_dir, copy, copy_function=os.link,
                    ignore=shutil.ignore_patterns("pushes", "writer.lock", "*.building"))
    server = Server({"SEARCH_INDEX_DIR": str(copy), "SEARCH_ADMIN_TOKEN": TOKEN,
                     "SEARCH_CACHE_SIZE": "0"}, tmp / f"gunicorn-{label}.log", workers=2)
    try:
        server.wait(timeout=600)
        for q in queries[:40]:  # every worker opens the index and builds its vocabularies
            _timed(server, search_path(q))
        normal = [_timed(server, search_path(q))[0] for q in queries[:NORMAL]]
        load = os.getloadavg()
        rounds = _push_rounds(server, queries, articles, pushes)
        return {"label": label, "normal_s": normal, **rounds, "load": load,
                "load_after": os.getloadavg(), "segments": _segments(copy)}
    finally:
        server.stop()
        shutil.rmtree(copy, ignore_errors=True)


def _segments(index_dir: Path) -> int:
    """Return the Whoosh segments of the live snapshot (one terms file each)."""
    return len(list(SnapshotStore(index_dir).current_path().glob("MAIN_*.trm")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pushes", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("indexes", nargs="+", help="index directories (label = folder name)")
    parser.add_argument("--pushes", type=int, default=7, help="pushes per index (>= 5)")
    args = parser.parse_args(argv)
    source = need(FAKENEWS)
    queries = sample_queries(title_words(source, 0, 5000), NORMAL)
    articles = list(read_jsonl(source, limit=args.pushes + 50))[50:]
    rows, runs = [], []
    with tempfile.TemporaryDirectory(prefix="bench-pushes-") as tmp:
        for index_dir in args.indexes:
            label = Path(index_dir).name
            run = _one_index(Path(index_dir), label, queries, articles, args.pushes, Path(tmp))
            runs.append(run)
            ms = {k: [x * 1000 for x in run[k]] for k in
                  ("normal_s", "searchable_s", "first_after_s", "slowest_after_s")}
            p95 = percentile(ms["normal_s"], 95)
            rows.append([label, len(ms["searchable_s"]), percentile(ms["normal_s"], 50), p95,
                         percentile(ms["searchable_s"], 50), max(ms["searchable_s"]),
                         percentile(ms["first_after_s"], 50), max(ms["first_after_s"]) / p95,
                         max(ms["slowest_after_s"]), max(ms["slowest_after_s"]) / p95,
                         run["segments"], f"{run['load'][0]:.1f} / {run['load_after'][0]:.1f}"])
            print(f"  {label}: searchable after {ms['searchable_s']} ms", flush=True)
    show(f"push on publish through gunicorn (2 workers, cache off), {time.strftime('%Y-%m-%d %H:%M')}",
         ["index", "pushes", "normal p50 ms", "normal p95 ms", "searchable p50 ms",
          "searchable max ms", "first after p50 ms", "first after max / p95",
          "slowest after ms", "slowest / p95", "segments", "load 1-min before/after"],
         rows, digits=[0, 0, 1, 1, 0, 0, 1, 2, 1, 2, 0, 0],
         note="searchable: from the 202 to the first /search that finds the pushed article "
              "(polled every 10 ms); first after: the first normal search once it is found; "
              "slowest after: the slowest of the polls and the next 10 normal searches.")
    path = write_result("pushes", {"runs": runs}, quick=False)
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
