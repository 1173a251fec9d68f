"""Synthetic archives k times FakeNewsNet's size, made of new articles (issue 21).

Copy 0 is the corpus as it is. Copy k (k >= 1) of article i is a new article that mixes two
real ones, i and j = (i + k * STRIDE) mod n: its title is the first half of i's title and the
second half of j's, its text alternates their paragraphs, its authors and date are i's, and
its id and url are new. So nothing folds as a near-duplicate, the vocabulary and the posting
lists grow as a real archive's would, and every title word still finds documents.

    python -m bench.synthetic OUT.jsonl 8      # an 8x corpus of FakeNewsNet
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import FAKENEWS, need, read_jsonl

STRIDE = 7919  # a prime: copy k pairs each article with a different partner


def _mix(a: dict, b: dict, k: int) -> dict:
    """Return a new article made of ``a`` and ``b`` (copy ``k``)."""
    ta, tb = str(a.get("title") or "").split(), str(b.get("title") or "").split()
    title = " ".join(ta[:max(1, len(ta) // 2)] + tb[len(tb) // 2:])
    pa = [p for p in str(a.get("text") or "").split("\n") if p.strip()]
    pb = [p for p in str(b.get("text") or "").split("\n") if p.strip()]
    mixed = [p for pair in zip(pa, pb) for p in pair] + pa[len(pb):] + pb[len(pa):]
    out = {key: a[key] for key in ("authors", "publish_date", "publish_date_iso", "source",
                                   "dataset") if key in a}
    base = str(a.get("canonical_link") or a.get("url") or a.get("id"))
    out.update(id=f"{a.get('id')}-mix{k}", title=title or str(a.get("title") or ""),
               text="\n".join(mixed), url=f"{base}{'&' if '?' in base else '?'}mix={k}")
    return out


def write_mixed(src: Path, dest: Path, factor: int) -> int:
    """Write ``factor`` times the articles of ``src`` to ``dest``; return the line count."""
    records = list(read_jsonl(src))
    n = len(records)
    with open(dest, "w", encoding="utf-8") as out:
        for k in range(factor):
            for i, record in enumerate(records):
                doc = record if k == 0 else _mix(record, records[(i + k * STRIDE) % n], k)
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return n * factor


if __name__ == "__main__":
    print(write_mixed(need(FAKENEWS), Path(sys.argv[1]), int(sys.argv[2])), "lines")
