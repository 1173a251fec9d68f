"""Benchmark: web-page extraction settings chosen by cross-validation on html-articles.

The 91 shared pages are the only ones with hand-marked text, so a setting tuned on them fits
them. Here the pages are split in two halves (by the order of their sha256 names: even and
odd places), each candidate setting of ``corpus.webpage`` is scored on every page once, and
for each half the setting with the best F1 on the *other* half is reported on this one, next
to trafilatura's defaults on the same half (the benchmark's shingle F1, as ``html_extract``).
A setting is kept in ``corpus.webpage`` only when it wins on the pages it was not tuned on.

    python -m bench.html_cv
"""
from __future__ import annotations

import gzip
import json
import sys
from typing import Any

import corpus.webpage as webpage

from .common import need, write_result
from .html_extract import _counts, _shingles, ours, prf, trafilatura_default
from .table import show

BASE = {"include_comments": False, "with_metadata": True, "include_tables": True,
        "deduplicate": False}
CANDIDATES: dict[str, dict[str, Any]] = {
    "favor_precision": {**BASE, "favor_precision": True},
    "plain (trafilatura's balance)": dict(BASE),
    "favor_recall": {**BASE, "favor_recall": True},
    "favor_precision, no tables": {**BASE, "favor_precision": True, "include_tables": False},
}


def _rows(folder, truth: dict, extract) -> dict[str, tuple[float, float, float]]:
    rows = {}
    for key, item in truth.items():
        with gzip.open(folder / "html" / f"{key}.html.gz", "rb") as fh:
            rows[key] = _counts(item["articleBody"], extract(fh.read(), key), _shingles)
    return rows


def _ours_with(options: dict[str, Any]):
    def extract(html: bytes, key: str) -> str:
        saved = webpage.EXTRACT_OPTIONS
        webpage.EXTRACT_OPTIONS = options
        try:
            return ours(html, key)
        finally:
            webpage.EXTRACT_OPTIONS = saved
    return extract


def run(ctx: Any = None) -> dict[str, Any]:
    folder = need("html-articles")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)
    halves = {"A": keys[0::2], "B": keys[1::2]}
    scored = {name: _rows(folder, truth, _ours_with(opts)) for name, opts in CANDIDATES.items()}
    default = _rows(folder, truth, trafilatura_default)

    def f1(rows: dict, keys: list[str]) -> float:
        return prf([rows[k] for k in keys])[0]

    table, folds = [], {}
    for test, train in (("A", "B"), ("B", "A")):
        best = max(CANDIDATES, key=lambda n: f1(scored[n], halves[train]))
        folds[test] = {"tuned_on": train, "chosen": best, "f1": f1(scored[best], halves[test]),
                       "trafilatura_default_f1": f1(default, halves[test]),
                       "current_setting_f1": f1(scored["favor_precision"], halves[test])}
        table.append([f"{test} ({len(halves[test])} pages)", best, folds[test]["f1"],
                      folds[test]["current_setting_f1"], folds[test]["trafilatura_default_f1"]])
    show("html_cv: F1 on each half with the setting chosen on the other half",
         ["tested on", "chosen on the other half", "F1", "F1 favor_precision (kept)",
          "F1 trafilatura defaults"], table, digits=[0, 0, 3, 3, 3])
    show("html_cv: every candidate on each half", ["setting", "F1 on A", "F1 on B", "F1 all"],
         [[n, f1(scored[n], halves["A"]), f1(scored[n], halves["B"]), f1(scored[n], keys)]
          for n in CANDIDATES] + [["trafilatura defaults", f1(default, halves["A"]),
                                   f1(default, halves["B"]), f1(default, keys)]],
         digits=[0, 3, 3, 3])
    data = {"folds": folds, "candidates": list(CANDIDATES)}
    write_result("html_cv", data, quick=False)
    return data


if __name__ == "__main__":
    run()
    sys.exit(0)
