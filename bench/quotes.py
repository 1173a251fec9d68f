"""Benchmark: quote extraction against PolNeAR's human-marked attributions (quote-dev).

The measure is issue 11's. Each article's text is split into paragraphs as the readers do
(first line: the title) and given to ``find_quotes``. Extracted quotes and gold attributions
are compared as runs of words of the article: an extracted quote is placed at the first run
of article words equal to its own words.

- recall: a gold quote (``has_quote_marks``) is found when one extracted quote of the
  article covers at least 30 % of its words;
- precision: an extracted quote is right when it finds a gold attribution (any, with or
  without marks) by that rule, or when at least half of its words lie inside one;
- speaker: over the found gold quotes whose Source is a name, the predicted speaker's
  surname equals the Source's last word;
- resolved speakers: over the hand-resolved pronouns and descriptions of
  ``bench/data/quote-speakers.jsonl`` (article id, gold offsets, the mention, the person it
  refers to), the same surname check against the resolved name.

The dev set's text is copyrighted news (see its README): only offsets and names are kept here.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from corpus.quotes import JOINER, find_quotes
from corpus.text import paragraphs

from .common import need, write_result
from .table import show

DEV = "quote-dev/polnear-dev.jsonl"
HAND_GOLD = Path(__file__).resolve().parent / "data" / "quote-speakers.jsonl"
COVER = 0.30
TARGETS = {"precision": 0.95, "recall": 0.90, "speaker": 0.93}  # issue 23 (issue 11: 0.85, 0.90)
_WORD = re.compile(r"[^\W_]+")
_PRONOUNS = {"he", "she", "they", "i", "we", "it", "you"}
_LOWER_NAME_WORDS = {"de", "van", "von", "al", "bin", "la", "le", "da", "del", "du", "of", "and"}


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group().lower(), m.start()) for m in _WORD.finditer(text)]


def _place(words: list[str], text_words: list[str]) -> set[int] | None:
    """Return the word positions where ``words`` stand in the article, if they do."""
    n = len(words)
    if not n:
        return None
    first = words[0]
    for i, w in enumerate(text_words):
        if w == first and text_words[i:i + n] == words:
            return set(range(i, i + n))
    return None


def _place_pieces(text: str, text_words: list[str]) -> set[int] | None:
    """Place each span of a quote (spans of one attribution are joined by JOINER)."""
    where: set[int] = set()
    for piece in text.split(JOINER):
        found = _place([t for t, _ in _tokens(piece)], text_words)
        if found is None:
            return None
        where |= found
    return where


def _word_range(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    lo = next((i for i, o in enumerate(offsets) if o >= start), len(offsets))
    hi = next((i for i, o in enumerate(offsets) if o >= end), len(offsets))
    return (lo, hi)


def _overlap(a: set[int], b: set[int]) -> int:
    return len(a & b)


def source_kind(source: str | None) -> str:
    """Return how the gold Source is written: none, pronoun, description or name."""
    if not source:
        return "none"
    words = source.split()
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
        return "pronoun"
    if all(w[:1].isupper() or w.lower() in _LOWER_NAME_WORDS for w in words) \
            and words[0].lower() not in {"the", "a", "an"}:
        return "name"
    return "description"


def surname(name: str) -> str:
    """Return the last word of ``name`` without a possessive, lower-cased."""
    words = _WORD.findall(re.sub(r"[’']s\b", "", name))
    return words[-1].lower() if words else ""


def _gold_ranges(article: dict, offsets: list[int]) -> list[set[int]]:
    """Return the word positions of each gold attribution's content (its fragments)."""
    out = []
    for q in article["quotes"]:
        words: set[int] = set()
        for start, end in q.get("fragments") or [[q["start"], q["end"]]]:
            words.update(range(*_word_range(offsets, start, end)))
        out.append(words)
    return out


def evaluate(articles: list[dict], hand: dict[tuple[str, int], str]) -> dict[str, Any]:
    """Return the measures over ``articles`` (and the hand-resolved speakers in ``hand``)."""
    extracted = right = gold_n = found = named = named_ok = hand_n = hand_found = hand_ok = 0
    by_kind: dict[str, list[int]] = {}
    for art in articles:
        toks = _tokens(art["text"])
        text_words = [t for t, _ in toks]
        offsets = [o for _, o in toks]
        paras = paragraphs(art["text"])[1:]  # the first line is the title
        quotes = find_quotes(paras)
        placed = [(q, _place_pieces(q.text, text_words)) for q in quotes]
        gold = _gold_ranges(art, offsets)
        for q, where in placed:
            extracted += 1
            if where and any(_overlap(where, g) >= max(1, COVER * len(g))
                             or _overlap(where, g) >= 0.5 * len(where) for g in gold):
                right += 1
        for g, rng in zip(art["quotes"], gold):
            if not g.get("has_quote_marks"):
                continue
            gold_n += 1
            kind = source_kind(g.get("speaker"))
            stats = by_kind.setdefault(kind, [0, 0, 0, 0])  # gold, found, checked, right
            stats[0] += 1
            best = max(((_overlap(w, rng), q) for q, w in placed if w), default=(0, None),
                       key=lambda x: x[0])
            hit = best[1] if best[0] >= max(1, COVER * len(rng)) else None
            key = (art["id"], g["start"])
            if key in hand:
                hand_n += 1
                if hit is not None:
                    hand_found += 1
                    hand_ok += surname(hit.speaker) == surname(hand[key])
            if hit is None:
                continue
            found += 1
            stats[1] += 1
            if kind == "name":
                named += 1
                stats[2] += 1
                ok = surname(hit.speaker) == surname(g["speaker"])
                named_ok += ok
                stats[3] += ok
    return {"articles": len(articles), "extracted": extracted, "gold": gold_n, "found": found,
            "precision": right / max(extracted, 1), "recall": found / max(gold_n, 1),
            "speaker": named_ok / max(named, 1), "speaker_checked": named,
            "hand_gold": hand_n, "hand_found": hand_found,
            "hand_speaker": hand_ok / max(hand_found, 1), "by_source": by_kind}


def load_hand_gold(path: Path = HAND_GOLD) -> dict[tuple[str, int], str]:
    """Return {(article id, gold start): resolved speaker} from the hand-made gold file."""
    if not path.exists():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["article"], r["start"]): r["speaker"] for r in rows}


def load_dev() -> list[dict]:
    """Return the articles of the quote-dev set."""
    path = need(DEV)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def halves(articles: list[dict]) -> dict[str, list[dict]]:
    """Return the dev set's two halves: A the 1st, 3rd, … article in file order, B the others
    (each has 6 of every publisher's 12): a rule made on one half is checked on the other."""
    return {"A": articles[0::2], "B": articles[1::2]}


def run(ctx: Any = None) -> dict[str, Any]:
    """Measure extraction on the dev set and print the tables."""
    articles, hand = load_dev(), load_hand_gold()
    res = evaluate(articles, hand)
    res["halves"] = {k: evaluate(v, hand) for k, v in halves(articles).items()}
    show("quotes: PolNeAR dev (84 articles), quotes in quotation marks",
         ["measure", "target", "measured", "of", "result"],
         [["precision", f">= {TARGETS['precision']}", res["precision"], res["extracted"],
           "ok" if res["precision"] >= TARGETS["precision"] else "MISSED"],
          ["recall", f">= {TARGETS['recall']}", res["recall"], res["gold"],
           "ok" if res["recall"] >= TARGETS["recall"] else "MISSED"],
          ["speaker (Source is a name)", f">= {TARGETS['speaker']}", res["speaker"],
           res["speaker_checked"], "ok" if res["speaker"] >= TARGETS["speaker"] else "MISSED"],
          ["speaker (hand-resolved pronouns, descriptions)", "-", res["hand_speaker"],
           res["hand_found"], "-"]],
         digits=[0, 0, 3, 0, 0], note=f"hand gold: {res['hand_gold']} quotes, "
         f"{res['hand_found']} of them found")
    show("quotes: by how the Source is written", ["source", "gold", "found", "recall",
         "speaker checked", "speaker right"],
         [[k, s[0], s[1], s[1] / max(s[0], 1), s[2], s[3] / s[2] if s[2] else None]
          for k, s in sorted(res["by_source"].items())], digits=[0, 0, 0, 3, 0, 3])
    show("quotes: the two halves of the dev set (A: articles 1, 3, 5, … in file order; B: 2, 4, …)",
         ["half", "articles", "precision", "recall", "of", "speaker", "of"],
         [[k, h["articles"], h["precision"], h["recall"], h["gold"], h["speaker"], h["speaker_checked"]]
          for k, h in res["halves"].items()], digits=[0, 0, 3, 3, 0, 3, 0])
    write_result("quotes", res, quick=False)
    return res


if __name__ == "__main__":
    run()
    sys.exit(0)
