"""Benchmark: article text from web pages (html-articles) and HTML ingest throughput.

Quality: for each of the 91 pages of ``shared/data/html-articles`` the text our reader
indexes (headings and paragraphs, ``corpus.webpage.page_to_draft``) is scored against the
hand-marked ``articleBody``. Two measures:

- the benchmark's own (its ``evaluate.py``): 4-word shingles of ``\\w+`` tokens, per page
  true/false positives and negatives normalised to sum 1, precision and recall averaged
  over pages, F1 from the two averages. The README's published figures use it.
- plain token F1 (whitespace tokens as bags), averaged the same way, for comparison.

trafilatura with default settings is scored beside it. Throughput: every page read through
the whole extraction (``corpus.extract``: reading, trafilatura, language detection, quotes),
one worker, pages per second; and JSON Lines articles per second over the first 2,000
FakeNewsNet lines with the same one worker.
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable

from corpus import Summary, extract
from corpus.webpage import article_blocks

from .common import FAKENEWS, Timer, head_file, need, verdict, write_result
from .table import show

TARGET_F1 = 0.95
_TOKEN = re.compile(r"\w+")
JSONL_LINES = 2000


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def _tokens(text: str, n: int = 0) -> Counter:
    return Counter((text or "").split())


def _counts(true: str, pred: str, bag: Callable[[str], Counter]) -> tuple[float, float, float]:
    t, p = bag(true), bag(pred)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Return (F1, precision, recall) the way the benchmark's evaluate.py averages them."""
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)
    p = statistics.mean(precision(*r) for r in rows if r[0] + r[1] > 0)
    r = statistics.mean(recall(*r) for r in rows if r[0] + r[2] > 0)
    return 2 * p * r / (p + r), p, r


def ours(html: bytes, key: str) -> str:
    """Return the text our reader indexes for one page (headings and paragraphs, in order)."""
    return "\n".join(text for text, _ in article_blocks(html)[1])


def trafilatura_default(html: bytes, key: str) -> str:
    import trafilatura
    return trafilatura.extract(html, include_comments=False) or ""


def score(folder, extractor) -> dict:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    shingle_rows, token_rows = [], []
    with Timer() as t:
        for key, item in truth.items():
            with gzip.open(folder / "html" / f"{key}.html.gz", "rb") as fh:
                pred = extractor(fh.read(), key)
            shingle_rows.append(_counts(item["articleBody"], pred, _shingles))
            token_rows.append(_counts(item["articleBody"], pred, _tokens))
    f1, p, r = prf(shingle_rows)
    return {"pages": len(truth), "f1": f1, "precision": p, "recall": r,
            "token_f1": prf(token_rows)[0], "seconds": t.seconds}


def _throughput(path: str) -> tuple[int, float]:
    summary = Summary()
    with Timer() as t:
        for _ in extract([path], summary, workers=1):
            pass
    return summary.articles, t.seconds


def run(ctx) -> dict:
    folder = need("html-articles")
    results = {"ours": score(folder, ours), "trafilatura defaults": score(folder, trafilatura_default)}
    show("html: article text on html-articles (91 pages, benchmark's shingle measure)",
         ["extractor", "F1", "precision", "recall", "token F1"],
         [[name, r["f1"], r["precision"], r["recall"], r["token_f1"]] for name, r in results.items()],
         digits=3)
    pages, page_s = _throughput(str(folder / "html"))
    jsonl = head_file(need(FAKENEWS), ctx.tmp / "fakenews-2000.jsonl", JSONL_LINES)
    articles, jsonl_s = _throughput(str(jsonl))
    show("html: ingest throughput through corpus.extract (1 worker, language detection, quotes)",
         ["input", "documents", "seconds", "docs/s"],
         [["HTML pages (html-articles)", pages, page_s, pages / page_s],
          [f"JSON Lines (FakeNewsNet, first {JSONL_LINES:,} lines)", articles, jsonl_s, articles / jsonl_s]],
         digits=[0, 0, 1, 1])
    result = verdict(results["ours"]["f1"] >= TARGET_F1)
    show("html: target", ["check", "target", "measured", "result"],
         [["article-text F1", f">= {TARGET_F1}", f"{results['ours']['f1']:.3f}", result]])
    data = {"quality": results, "html_pages_per_s": pages / page_s,
            "jsonl_articles_per_s": articles / jsonl_s, "target_f1": TARGET_F1, "result": result}
    write_result("html", data, ctx.quick)
    return data
