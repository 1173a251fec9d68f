"""Benchmark 1: extraction throughput on FakeNewsNet, with and without language detection.

``corpus.extract(paths, summary, workers=2)`` is drained completely; the variant without
detection patches ``detect_language`` (in ``corpus.build``, where articles get it, and in
``corpus.pipeline``, where bios do) to return "en". Workers fork after the patch, so they
see it too.
"""
from __future__ import annotations

from collections import Counter

import corpus.build
import corpus.pipeline
from corpus import Summary, extract

from .common import Timer, verdict, write_result
from .table import show

TARGET_SECONDS = 20.0  # with language detection, full file, workers=2
WORKERS = 2


def _extract(path: str, detect: bool) -> dict:
    saved = corpus.build.detect_language, corpus.pipeline.detect_language
    if not detect:
        corpus.build.detect_language = corpus.pipeline.detect_language = lambda text: "en"
    try:
        summary = Summary()
        kinds: Counter[str] = Counter()
        with Timer() as t:
            for record in extract([path], summary, workers=WORKERS):
                kinds[record.kind] += 1
    finally:
        corpus.build.detect_language, corpus.pipeline.detect_language = saved
    return {"variant": "with language detection" if detect else "without language detection",
            "seconds": t.seconds, "cpu_seconds": t.cpu, "articles": summary.articles,
            "articles_per_s": summary.articles / t.seconds, "records": sum(kinds.values()),
            "kinds": dict(kinds), "duplicates": summary.duplicates,
            "rejects": dict(summary.rejects)}


def run(ctx) -> dict:
    path = ctx.fakenews()
    runs = [_extract(str(path), detect=False), _extract(str(path), detect=True)]
    rows = [[r["variant"], r["seconds"], r["cpu_seconds"], r["articles_per_s"], r["records"],
             ", ".join(f"{k} {n:,}" for k, n in sorted(r["kinds"].items()))] for r in runs]
    show(f"extract: {ctx.fakenews_label()}, workers={WORKERS}",
         ["variant", "seconds", "CPU s", "articles/s", "records", "by kind"], rows,
         digits=[0, 1, 1, 0, 0, 0], note="CPU s: user+system of all processes (2 cores: the "
         "best possible wall time is about half)")
    with_detect = runs[1]["seconds"]
    cost = with_detect - runs[0]["seconds"]
    if ctx.quick:
        result = "n/a (quick run: the target is for the full file)"
    else:
        result = verdict(with_detect <= TARGET_SECONDS)
    show("extract: target", ["check", "target", "measured", "result"],
         [["seconds with language detection", f"<= {TARGET_SECONDS:g} s",
           f"{with_detect:.1f} s", result],
          ["cost of language detection", "-", f"{cost:+.1f} s", "-"]])
    data = {"input": ctx.fakenews_label(), "workers": WORKERS, "runs": runs,
            "target_seconds": TARGET_SECONDS, "result": result}
    write_result("extract", data, ctx.quick)
    return data
