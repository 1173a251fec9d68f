"""Known-item search: can a reader find an article from a few words of its headline, typed
the way readers type them?

For each corpus (FakeNewsNet; free-news-demo in en/de/fr), a seeded sample of articles whose
headlines have at least three content words; each gives one query of 3-4 of those words, in
four forms:

    clean      the words as in the headline
    typo       the same with one edit (insertion, deletion, substitution or transposition)
               in one word of 5+ letters
    wrapped    the words inside what a reader adds: a question or "latest news on …", in the
               article's language (our own templates)
    punct      the words with stray syntax a reader types: ? * : ~ ^ + - ( ) " around them
               (never "-word" or "+word": those are the operators a reader means)

Each query runs with the service defaults (what the widget sends: q and per_page=10); a
query succeeds when the article, or one with the same headline (wire copies), is in the top
10. Reported: success@10 and MRR per form, and each form's success against the clean form's
(target: at least 0.90 of it). A "strict" row runs the clean and typo forms with op=and and
typos=0 (every word required, exact words: the behaviour before relaxed matching).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import index
from index import SearchIndex, SearchRequest
from index.analysis import is_stopword

from .common import latency_summary, need, verdict, write_result
from .table import show

FREENEWS = "free-news-demo/articles.jsonl.gz"
SEED = 20261201
SAMPLE = 300
TARGET = 0.90
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
WRAPPERS = {
    "en": ["what did {q} say", "latest news on {q}", "is it true that {q}?",
           "what happened with {q}", "{q} news today", "why {q}"],
    "de": ["was ist mit {q}", "neueste Nachrichten zu {q}", "stimmt es, dass {q}?",
           "was geschah bei {q}", "{q} aktuell"],
    "fr": ["que s'est-il passé avec {q}", "dernières nouvelles sur {q}",
           "est-ce vrai que {q} ?", "pourquoi {q}", "{q} actualité"],
}
# What a reader leaves around words by accident. "-word" and "+word" are not here: at the
# start of a word they are the exclusion and requirement operators, which readers mean.
LEADING = ["(", '"', "?", "~", "^", "¿", "*", ":"]
TRAILING = ["?", "*", ":", "~", "^", "+", "-", ")", '"', "!", "."]
STANDALONE = ["-", "+", "?", ":", "*", "&", "/"]


def _content_words(title: str, lang: str) -> list[str]:
    langs = (lang,) if lang else ("en",)
    return [w for w in _WORD.findall(title) if len(w) >= 3 and not is_stopword(w.lower(), langs)]


def _typo(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)  # not the first letter: readers rarely miss it
    op = rnd.choice(("insert", "delete", "substitute", "transpose"))
    letter = rnd.choice("aeioulnrst")
    if op == "insert":
        return word[:i] + letter + word[i:]
    if op == "delete":
        return word[:i] + word[i + 1:]
    if op == "transpose" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    replacement = letter if letter != word[i].lower() else "y"
    return word[:i] + replacement + word[i + 1:]


def _punct(words: list[str], rnd: random.Random) -> str:
    out = []
    for w in words:
        roll = rnd.random()
        if roll < 0.25:
            w = rnd.choice(LEADING) + w
        elif roll < 0.5:
            w = w + rnd.choice(TRAILING)
        elif roll < 0.65:
            w = w + " " + rnd.choice(STANDALONE)
        out.append(w)
    return " ".join(out) + rnd.choice(["?", "", " -", ")", " ?", '"'])


def make_queries(articles: list[tuple[str, str, str]], n: int, seed: int) -> list[dict]:
    """Return ``n`` queries (one per article, each in every form) from (id, title, lang)."""
    rnd = random.Random(seed)
    pool = [a for a in articles if len(_content_words(a[1], a[2])) >= 3
            and any(len(w) >= 5 for w in _content_words(a[1], a[2]))]
    rnd.shuffle(pool)
    queries = []
    for doc_id, title, lang in pool[:n]:
        content = _content_words(title, lang)
        k = min(len(content), rnd.choice((3, 4)))
        chosen = sorted(rnd.sample(range(len(content)), k))
        picked = [content[i] for i in chosen]
        if not any(len(w) >= 5 for w in picked):  # keep one word a typo can go in
            long = next(i for i, w in enumerate(content) if len(w) >= 5)
            chosen = sorted(set(chosen[1:]) | {long})
            picked = [content[i] for i in chosen]
        clean = " ".join(picked)
        candidates = [i for i, w in enumerate(picked) if len(w) >= 5]
        typo_at = rnd.choice(candidates)
        typo = " ".join(_typo(w, rnd) if i == typo_at else w for i, w in enumerate(picked))
        wrapped = rnd.choice(WRAPPERS.get(lang, WRAPPERS["en"])).format(q=clean)
        queries.append({"id": doc_id, "title": title, "lang": lang, "clean": clean,
                        "typo": typo, "wrapped": wrapped, "punct": _punct(picked, rnd)})
    return queries


def _norm(title: str) -> str:
    return " ".join(_WORD.findall(title.lower()))


def evaluate(ix: SearchIndex, queries: list[dict], form: str, **options) -> dict:
    """Return success@10, MRR and latencies of one form of the queries."""
    found, rr, seconds, empty = 0, 0.0, [], 0
    for q in queries:
        start = time.perf_counter()
        result = ix.search(SearchRequest(q=q[form], per_page=10, facets=False, **options))
        seconds.append(time.perf_counter() - start)
        empty += result.total == 0
        want = _norm(q["title"])
        for rank, hit in enumerate(result.hits, 1):
            if hit.document.id == q["id"] or (hit.document.kind == "article"
                                              and _norm(hit.document.title) == want):
                found += 1
                rr += 1 / rank
                break
    n = max(len(queries), 1)
    return {"success@10": found / n, "mrr": rr / n, "no_results": empty,
            **{f"{k}_ms": v for k, v in latency_summary(seconds).items() if k in ("p50", "p95")}}


def articles_of(ix: SearchIndex) -> list[tuple[str, str, str]]:
    """Return (id, title, lang) of every article of the index, by id: the same list
    however the build numbered the documents (a build by several processes numbers them by
    segment, and same-day articles would come in another order each time)."""
    result = ix.search(SearchRequest(kinds=("article",), per_page=1_000_000, snippets=False,
                                     facets=False))
    return sorted((h.document.id, h.document.title, h.document.lang) for h in result.hits)


def measure(name: str, index_dir: str, n: int) -> tuple[list[list], dict]:
    """Run every form on one index; return table rows and the figures."""
    ix = SearchIndex(index_dir, cache_size=0, time_budget=60)  # a busy machine: no timeouts
    ix.warm()
    queries = make_queries(articles_of(ix), n, SEED)
    figures = {form: evaluate(ix, queries, form) for form in ("clean", "typo", "wrapped", "punct")}
    for form in ("clean", "typo"):
        figures[f"{form} (strict)"] = evaluate(ix, queries, form, operator="and", typos=False)
    ix.close()
    clean = figures["clean"]["success@10"]
    rows = []
    for form, f in figures.items():
        share = f["success@10"] / clean if clean else 0.0
        check = "" if "strict" in form or form == "clean" else verdict(share >= TARGET)
        rows.append([name, form, len(queries), f["success@10"], f["mrr"], f["no_results"],
                     share, f["p50_ms"], f["p95_ms"], check])
    return rows, {"queries": len(queries), "examples": queries[:5], "forms": figures}


COLUMNS = ["corpus", "form", "queries", "success@10", "MRR", "no hits", "of clean",
           "p50 ms", "p95 ms", ">= 0.90"]


def report(rows: list[list], data: dict, quick: bool) -> None:
    show(f"known-item: {SAMPLE if not quick else 60} headline queries a corpus, 4 forms, "
         f"service defaults (q, per_page=10), seed {SEED}", COLUMNS, rows,
         digits=[0, 0, 0, 3, 3, 0, 2, 1, 1, 0],
         note="a hit: the article or one with the same headline in the top 10; strict rows: "
              "op=and, typos=0 (all words, exact: the matching before this benchmark)")
    write_result("known_item", data, quick)


def run(ctx) -> dict:
    if "fakenews_index" not in ctx.state:
        from . import build
        build.run(ctx)
    n = 60 if ctx.quick else SAMPLE
    free = ctx.tmp / "freenews-index"
    index.rebuild(str(free), [str(need(FREENEWS))])
    rows, data = [], {}
    for name, path in (("FakeNewsNet", ctx.state["fakenews_index"]), ("free-news-demo", free)):
        more, data[name] = measure(name, str(path), n)
        rows += more
    report(rows, data, ctx.quick)
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.known_item [--fakenews INDEX_DIR] [--freenews INDEX_DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.known_item", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fakenews", help="an existing FakeNewsNet index directory")
    parser.add_argument("--freenews", help="an existing free-news-demo index directory")
    parser.add_argument("--quick", action="store_true", help="60 queries a corpus")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="known-item-"))
    indexes = {}
    for name, given, source in (("FakeNewsNet", args.fakenews, "fakenewsnet-articles/articles.jsonl.gz"),
                                ("free-news-demo", args.freenews, FREENEWS)):
        if not given:
            given = str(tmp / name)
            index.rebuild(given, [str(need(source))], workers=2)
        indexes[name] = given
    rows, data = [], {}
    for name, path in indexes.items():
        more, data[name] = measure(name, path, 60 if args.quick else SAMPLE)
        rows += more
    report(rows, data, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
