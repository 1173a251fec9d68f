"""Our engine in the scale benchmark: the whole ``/search`` of a real gunicorn (2 workers),
and what publishing costs.

- latency: the queries one after the other from one client thread over HTTP, 10 per page
  with snippets and facets (what the API does by default), response cache off
  (``SEARCH_CACHE_SIZE=0``), after a warm-up that opens the snapshot in both workers;
- memory per worker after the queries: USS (pages only that worker holds: what it costs),
  PSS (shared pages split among the processes using them) and RSS, from
  ``/proc/<pid>/smaps_rollup`` (``procmem``); the memory-mapped index files are shared
  through the page cache and count in PSS and RSS only;
- push to searchable (``PUSHES`` times, median): a new article with a word no other holds is
  pushed (``POST /admin/documents``, answered 202); the clock runs from the 202 until a
  search for that word returns the article; then the next ``AFTER`` ordinary searches are
  timed, the slowest of them is "the first search after" (both workers reopen).
"""
from __future__ import annotations

import random
import statistics
import string
import time
import urllib.parse
from pathlib import Path

from . import procmem
from .loadgen import Server, http_json

PUSHES, AFTER, WARMUP = 5, 4, 10
TOKEN = "bench-scale-token"


def _search(url: str, q: str) -> tuple[float, dict]:
    t = time.perf_counter()
    status, body = http_json(f"{url}/search?{urllib.parse.urlencode({'q': q})}", timeout=60)
    took = time.perf_counter() - t
    if status != 200:
        raise RuntimeError(f"/search?q={q} answered {status}: {body}")
    return took, body


def _push(url: str, n: int, rng: random.Random) -> tuple[str, str]:
    """Push a new article holding a word of its own; return (word, its url)."""
    word = "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
    link = f"https://bench.example/push/{n}/{word}"
    article = {"url": link, "title": f"Harbour council votes on the {word} plan",
               "text": (f"The harbour council voted on Tuesday on the {word} plan for the old "
                        "docks. The plan was debated for three hours before the vote.\n"
                        f"Residents who spoke against the {word} plan asked for a new survey."),
               "authors": "['Bench Writer']", "publish_date_iso": "2026-12-05T08:00:00Z"}
    status, body = http_json(f"{url}/admin/documents", "POST", article,
                             {"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    if status != 202:
        raise RuntimeError(f"push answered {status}: {body}")
    return word, link


def push_to_searchable(url: str, queries: list[str], timeout: float = 300) -> dict:
    """Return the median seconds from a push's 202 to the article found, and the slowest of
    the ``AFTER`` searches right after, over ``PUSHES`` pushes."""
    rng, waits, after = random.Random(21), [], []
    for n in range(PUSHES):
        word, link = _push(url, n, rng)
        pushed = time.perf_counter()
        while True:
            _, body = _search(url, word)
            if any(r.get("url") == link for r in body["results"]):
                waits.append(time.perf_counter() - pushed)
                break
            if time.perf_counter() - pushed > timeout:
                raise RuntimeError(f"pushed article not searchable after {timeout:.0f} s")
            time.sleep(0.05)
        after.append(max(_search(url, queries[(n * AFTER + i) % len(queries)])[0]
                         for i in range(AFTER)))
    return {"push_to_searchable_s": statistics.median(waits), "push_waits_s": waits,
            "after_push_ms": statistics.median(after) * 1000,
            "after_push_all_ms": [a * 1000 for a in after]}


def run(index_dir: Path, queries: list[str], log: Path, pushes: bool = True) -> dict:
    """Serve ``index_dir`` with gunicorn and measure it (see the module's docstring)."""
    server = Server({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CACHE_SIZE": "0",
                     "SEARCH_ADMIN_TOKEN": TOKEN, "SEARCH_QUERY_TIME_BUDGET": "30"}, log)
    try:
        server.wait(timeout=600)
        for q in queries[:WARMUP] * 2:  # both workers open the snapshot
            _search(server.url, q)
        latencies, totals = [], []
        for q in queries:
            took, body = _search(server.url, q)
            latencies.append(took)
            totals.append(body["total"])
        memory = [procmem.usage(pid) for pid in server.worker_pids()]
        out = {"latencies": latencies, "totals": totals, "workers": memory}
        if pushes:
            out.update(push_to_searchable(server.url, queries))
        return out
    finally:
        server.stop()
