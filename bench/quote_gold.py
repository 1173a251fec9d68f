"""Benchmark: quotes and canonical speakers against a hand-made gold file of real archive text.

``bench/data/quote-gold-archive.jsonl`` marks every quoted span of 3 words or more (“…”, and
"…" on web pages) in 29 FakeNewsNet articles and 9 of the shared web pages
(``html-articles``' hand-marked article text): whether it is a quotation someone is said to
have spoken or written (not a title, a slogan, a scare quote or a heading) and, if so, who:
the canonical name, "unnamed source" for an anonymous one, "" when the text names no one
("one user quipped", masked reviewers). The text stays in shared/ (see its README): only ids,
offsets and names are kept.

- recall: a gold quotation is found when one extracted quote covers 30 % of its words;
- precision: of the extracted quotes that overlap a marked span, the share whose span is a
  quotation (quotes with no marked span, e.g. "according to X, …" without marks, are left out);
- speaker: over the found quotations, the predicted speaker's last word equals the gold
  one's (the canonical name), "unnamed source" is "unnamed source", and a speaker the text
  never names is right when the prediction is unresolved or "unnamed source".

    python -m bench.quote_gold
"""
from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

from corpus.descriptions import UNNAMED
from corpus.quotes import find_quotes
from corpus.text import paragraphs

from .common import need, write_result
from .quotes import COVER, _place_pieces, _tokens, surname
from .table import show

GOLD = Path(__file__).resolve().parent / "data" / "quote-gold-archive.jsonl"
TARGETS = {"precision": 0.95, "recall": 0.90, "speaker": 0.93}
_SPAN = re.compile(r"“[^“”]{1,800}”|\"[^\"\n]{1,800}\"")


def load_texts(rows: list[dict]) -> dict[str, str]:
    """Return each gold document's text: FakeNewsNet's body or the page's marked text."""
    wanted = {r["doc"] for r in rows if r["source"] == "fakenewsnet"}
    texts = {}
    with gzip.open(need("fakenewsnet-articles/articles.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            if any(w in line[:60] for w in wanted):
                rec = json.loads(line)
                if rec["id"] in wanted:
                    texts[rec["id"]] = rec["text"]
    truth = json.loads((need("html-articles") / "ground-truth.json").read_text(encoding="utf-8"))
    for r in rows:
        if r["source"] == "html-articles":
            key = next(k for k in truth if k.startswith(r["doc"]))
            texts[r["doc"]] = truth[key]["articleBody"]
    return texts


def _speaker_right(gold: str, predicted: str) -> bool:
    if gold == UNNAMED:
        return predicted == UNNAMED
    if not gold:
        return predicted in ("", UNNAMED)
    return bool(predicted) and predicted != UNNAMED and surname(predicted) == surname(gold)


def evaluate(rows: list[dict], texts: dict[str, str]) -> dict[str, Any]:
    """Return recall, precision and speaker accuracy over the gold rows."""
    by_doc: dict[str, list[dict]] = {}
    for r in rows:
        by_doc.setdefault(r["doc"], []).append(r)
    gold_n = found = right_speaker = overlapping = right_quotes = 0
    misses, wrong = [], []
    for doc, marked in by_doc.items():
        text = texts[doc]
        toks = _tokens(text)
        words = [t for t, _ in toks]
        offsets = [o for _, o in toks]
        quotes = [(q, _place_pieces(q.text, words)) for q in find_quotes(paragraphs(text))]
        spans = []
        for r in marked:
            m = _SPAN.match(text, r["start"])
            end = m.end() if m else r["start"] + 1
            spans.append({i for i, o in enumerate(offsets) if r["start"] <= o < end})
        for q, where in quotes:
            hits = [r for r, s in zip(marked, spans) if where and s and len(where & s) >= COVER * len(s)]
            if hits:
                overlapping += 1
                right_quotes += any(r["quote"] for r in hits)
        for r, s in zip(marked, spans):
            if not r["quote"]:
                continue
            gold_n += 1
            best = max(((len(w & s), q) for q, w in quotes if w), default=(0, None), key=lambda x: x[0])
            if best[1] is None or best[0] < max(1, COVER * len(s)):
                misses.append((doc, r["start"], r["speaker"]))
                continue
            found += 1
            ok = _speaker_right(r["speaker"], best[1].speaker)
            right_speaker += ok
            if not ok:
                wrong.append((doc, r["start"], r["speaker"], best[1].speaker, best[1].mention))
    return {"documents": len(by_doc), "gold": gold_n, "found": found,
            "recall": found / max(gold_n, 1), "precision": right_quotes / max(overlapping, 1),
            "extracted_on_marked_spans": overlapping, "speaker": right_speaker / max(found, 1),
            "misses": misses, "wrong_speakers": wrong}


def run(ctx: Any = None) -> dict[str, Any]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    res = evaluate(rows, load_texts(rows))
    show(f"quote_gold: {res['gold']} hand-marked quotations in {res['documents']} archive documents "
         "(FakeNewsNet, html-articles)", ["measure", "target", "measured", "of", "result"],
         [[name, f">= {TARGETS[name]}", res[name], n, "ok" if res[name] >= TARGETS[name] else "MISSED"]
          for name, n in (("precision", res["extracted_on_marked_spans"]), ("recall", res["gold"]),
                          ("speaker", res["found"]))], digits=[0, 0, 3, 0, 0])
    show("quote_gold: wrong speakers", ["document", "start", "gold", "predicted", "mention"],
         [list(w) for w in res["wrong_speakers"]])
    write_result("quote_gold", {k: v for k, v in res.items()}, quick=False)
    return res


if __name__ == "__main__":
    run()
    sys.exit(0)
