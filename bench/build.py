"""Benchmark 2: full index build of FakeNewsNet, ours against SQLite FTS5 and tantivy.

Ours is ``index.rebuild(dir, [file], workers=2)``: extraction (cleaning, language detection,
quotes) and the Whoosh build, up to the published snapshot. Each peer starts from the same
raw file too: it reads and parses the JSON lines, keeps the articles our extraction keeps
(non-empty title, first of each repeated url/id, same ids) and indexes title and body.
The indexes stay in the run's temp dir for the query benchmark.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import index
from corpus import Summary
from corpus.text import document_id

from .common import Timer, dir_size, read_jsonl, ratio, verdict, write_result
from .peers import Fts5, Tantivy
from .table import show

TARGET_SECONDS = 60.0
WORKERS = 2


def raw_articles(path: Path) -> Iterator[tuple[str, str, str]]:
    """Yield (id, title, body) of the articles in a JSON Lines file, as our ids give them."""
    seen: set[str] = set()
    for record in read_jsonl(path):
        title = " ".join(str(record.get("title") or "").split())
        if not title:
            continue
        body = str(record.get("text") or record.get("body") or "")
        url = next((str(record[k]).strip() for k in ("url", "canonical_link", "link")
                    if record.get(k)), None) or None
        given = next((str(record[k]) for k in ("id", "_id", "doc_id")
                      if record.get(k) is not None), None)
        doc_id = document_id(url, given, title, body)
        if doc_id in seen:
            continue
        seen.add(doc_id)
        yield doc_id, title, body


def build_ours(ctx, path: Path) -> dict:
    index_dir = ctx.tmp / "ours-fakenews"
    summary = Summary()
    with Timer() as t:
        result = index.rebuild(str(index_dir), [str(path)], summary, workers=WORKERS)
    ctx.state["fakenews_index"] = index_dir
    ctx.state["fakenews_build_seconds"] = t.seconds
    return {"engine": "ours (Whoosh)", "seconds": t.seconds, "cpu_seconds": t.cpu,
            "counts": result.counts,
            "docs": sum(result.counts.values()), "articles": result.counts.get("article", 0),
            "size_mb": dir_size(index_dir) / 1e6, "extract_seconds": summary.seconds}


def build_peer(ctx, peer_class, name: str, path: Path) -> dict:
    target = ctx.tmp / f"{name}-fakenews"
    peer = peer_class(target)
    timer = peer.build(raw_articles(path))
    ctx.state[name] = peer
    count = len(peer.ids) if hasattr(peer, "ids") else peer.index.searcher().num_docs
    return {"engine": peer.name, "seconds": timer.seconds, "cpu_seconds": timer.cpu,
            "docs": count, "articles": count,
            "size_mb": peer.size() / 1e6}


def run(ctx) -> dict:
    path = ctx.fakenews()
    runs = [build_ours(ctx, path), build_peer(ctx, Fts5, "fts5", path),
            build_peer(ctx, Tantivy, "tantivy", path)]
    ours = runs[0]
    rows = []
    for r in runs:
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(r.get("counts", {}).items())) \
            or f"article {r['articles']:,}"
        rows.append([r["engine"], r["seconds"], r["cpu_seconds"], r["docs"], kinds, r["size_mb"],
                     "1.00" if r is ours else f"{ratio(ours['seconds'], r['seconds']):.1f}",
                     "1.00" if r is ours else f"{ratio(ours['cpu_seconds'], r['cpu_seconds']):.1f}"])
    show(f"build: {ctx.fakenews_label()}, from the raw file to a searchable index",
         ["engine", "seconds", "CPU s", "docs", "docs by kind", "size MB", "wall ours/x",
          "CPU ours/x"], rows, digits=[0, 1, 1, 0, 0, 1, 0, 0],
         note=f"ours: extraction with language detection and quotes inside the build "
              f"(extraction finished after {ours['extract_seconds']:.1f} s), workers={WORKERS}")
    result = "n/a (quick run: the target is for the full file)" if ctx.quick \
        else verdict(ours["seconds"] <= TARGET_SECONDS)
    show("build: target", ["check", "target", "measured", "result"],
         [["full build of FakeNewsNet", f"<= {TARGET_SECONDS:g} s", f"{ours['seconds']:.1f} s",
           result]])
    data = {"input": ctx.fakenews_label(), "workers": WORKERS, "runs": runs,
            "ratios": {r["engine"]: ratio(ours["seconds"], r["seconds"]) for r in runs[1:]},
            "cpu_ratios": {r["engine"]: ratio(ours["cpu_seconds"], r["cpu_seconds"])
                           for r in runs[1:]},
            "target_seconds": TARGET_SECONDS, "result": result}
    write_result("build", data, ctx.quick)
    return data
