"""Bylines that hold up (issue 23): placeholders dropped and reported, "About X" and role
words cut off, one author under spelling variants."""
from __future__ import annotations

import json

from corpus import Article, Summary, extract
from corpus.aliases import Names


def _extract(tmp_path, records: list[dict]) -> tuple[list[Article], Summary]:
    path = tmp_path / "bylines.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    summary = Summary()
    return [r for r in extract([str(path)], summary) if isinstance(r, Article)], summary


def test_placeholder_bylines_are_dropped_and_reported(tmp_path):
    articles, summary = _extract(tmp_path, [
        {"id": "a", "title": "Harbour reopens", "text": "The harbour reopened on Monday.",
         "authors": ["Please Enter Your Name Here"]},
        {"id": "b", "title": "Library hours", "text": "The library stays open.",
         "authors": ["About Mj Santilli"]},
        {"id": "c", "title": "Tram line", "text": "The tram line opens.",
         "authors": ["Jane Doe Staff Writer", "Lifestyle Director"]},
    ])
    assert [a.authors for a in articles] == [[], ["Mj Santilli"], ["Jane Doe"]]
    reported = [p for p in summary.problems if p.code == "placeholder-byline"]
    assert len(reported) == 2 and not any(p.skipped for p in reported)
    assert "Please Enter Your Name Here" in str(reported[0]) and "Lifestyle Director" in str(reported[1])
    assert summary.warnings["placeholder-byline"] == 2


def test_spelling_variants_of_an_author_are_one_author():
    names = Names({"Zoe Weiner": 12, "Zoë Weiner": 3, "Chloe Lee-Longhetti": 4,
                   "Chloe-Lee Longhetti": 2, "Clémence Michallon": 5, "Clemence Michallon": 1})
    assert len(set(names.canonical.values())) == 3
    assert names.canonical["Zoë Weiner"] == "Zoe Weiner"
    assert names.find("michallon") == {"Clémence Michallon"}


def test_names_that_go_on_in_two_ways_stay_apart():
    names = Names({"New York Times": 60, "New York": 17, "New York Post": 11, "Kim Kardashian": 300,
                   "Kim Kardashian West": 270})
    assert len({names.canonical[n] for n in ("New York Times", "New York", "New York Post")}) == 3
    assert names.canonical["Kim Kardashian West"] == "Kim Kardashian"
