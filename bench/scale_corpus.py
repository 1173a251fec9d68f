"""The corpora of the scale benchmark: FakeNewsNet, and k times its size in new articles.

Copy 0 is FakeNewsNet as it is. Copy k (k >= 1) of article i is a new article made of two
real ones, i and a partner j (a different article for every k): the first half of i's
title words and the second half of j's, the first half of i's paragraphs and the second
half of j's (halves of the text at a sentence end when an article is one paragraph), i's
author and date, id "<id>-m<k>" and its own url. Every copy has text no other article has,
so near-duplicate folding keeps them all apart (the build reports what it folded), and the
vocabulary, the posting lists and the result sets all grow with the corpus, as a real
archive's do (copies of the same text would only make posting lists longer).
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .loadgen import _open_text

STRIDE = 7919  # a prime: partner j = (i + k * STRIDE) mod n differs for every copy k


def _records(src: Path) -> list[dict]:
    out = []
    with _open_text(src) as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
    return out


def _halves(text: str) -> tuple[str, str]:
    """Return the first and second half of ``text``, cut between paragraphs (or sentences)."""
    parts = [p for p in text.split("\n") if p.strip()]
    if len(parts) >= 2:
        mid = (len(parts) + 1) // 2
        return "\n".join(parts[:mid]), "\n".join(parts[mid:])
    cut = text.find(". ", len(text) // 2)
    return (text[:cut + 1], text[cut + 2:]) if cut > 0 else (text, "")


def mixed(a: dict, b: dict, k: int) -> dict:
    """Return copy ``k`` of article ``a``, mixed with ``b``."""
    ta, tb = str(a.get("title") or "").split(), str(b.get("title") or "").split()
    title = " ".join(ta[:(len(ta) + 1) // 2] + tb[len(tb) // 2:])
    text = "\n".join(x for x in (_halves(str(a.get("text") or ""))[0],
                                 _halves(str(b.get("text") or ""))[1]) if x)
    url = f"https://mixed.example/{a.get('id')}/{k}/{b.get('id')}"
    return {**a, "id": f"{a.get('id')}-m{k}", "title": title, "text": text, "url": url,
            "canonical_link": url}


def articles(src: Path, factor: int) -> Iterator[dict]:
    """Yield the articles of the corpus ``factor`` times FakeNewsNet's size."""
    records = _records(src)
    n = len(records)
    for k in range(factor):
        for i, record in enumerate(records):
            if k == 0:
                yield record
                continue
            j = (i + k * STRIDE) % n
            yield mixed(record, records[j if j != i else (j + 1) % n], k)


def write(src: Path, dest: Path, factor: int) -> int:
    """Write the corpus at ``factor`` to ``dest`` (JSON Lines); return its articles."""
    count = 0
    with open(dest, "w", encoding="utf-8") as out:
        for record in articles(src, factor):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def peer_docs(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """Yield (id, title, body, author) of every record of ``path``, for the peer engines."""
    with _open_text(path) as fh:
        for line in fh:
            record = json.loads(line)
            authors = str(record.get("authors") or "").strip("[]").split("', '")
            yield (str(record.get("id")), str(record.get("title") or ""),
                   str(record.get("text") or ""), authors[0].strip("'\"") if authors else "")
