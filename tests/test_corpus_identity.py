"""Document identity: two inputs are one document only when they really are."""
from __future__ import annotations

import json

from corpus import Article, Quote, Summary, extract
from corpus.__main__ import main


def _write(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_opaque_urls_stay_distinct(tmp_path):
    """The issue's case: urls qrel:1 … qrel:300 were indexed as one article."""
    path = _write(tmp_path / "qrels.jsonl", [
        {"url": f"qrel:{n}", "title": f"Claim {n}", "text": f"The body of claim number {n}."}
        for n in range(1, 301)])
    summary = Summary()
    articles = [r for r in extract([path], summary) if isinstance(r, Article)]
    assert len(articles) == 300 and len({a.id for a in articles}) == 300
    assert summary.duplicates == 0 and summary.merges == []


def test_urls_differing_only_by_port_stay_distinct(tmp_path):
    path = _write(tmp_path / "ports.jsonl", [
        {"url": "http://news.example.org:8080/story", "title": "A", "text": "Staging copy."},
        {"url": "http://news.example.org:9090/story", "title": "B", "text": "Preview copy."},
        {"url": "http://news.example.org/story", "title": "C", "text": "Live copy."},
        {"url": "https://www.news.example.org:443/story/", "title": "D", "text": "Same as C."},
    ])
    summary = Summary()
    articles = [r for r in extract([path], summary) if isinstance(r, Article)]
    assert [a.title for a in articles] == ["A", "B", "C"]
    # the real duplicate (default port, www, scheme, end slash) is merged and listed
    assert summary.merges == [(f"{path}:4", articles[2].id)]
    assert f"{path}:4 -> {articles[2].id}" in summary.render()


def test_many_merges_warn_loudly(tmp_path, capsys):
    path = _write(tmp_path / "same.jsonl", [
        {"id": "same-id", "title": f"Title {n}", "text": "Body."} for n in range(20)])
    problems = tmp_path / "problems.txt"
    assert main([path, "--workers", "1", "--problems", str(problems)]) == 0
    out = capsys.readouterr().out
    assert "duplicates: 19" in out and "WARNING: 95% of the articles" in out
    merges = problems.read_text(encoding="utf-8").splitlines()
    assert len(merges) == 19 and merges[0] == f"{path}:2: merged [duplicate]: same document as same-id"


def test_every_record_carries_its_source(tmp_path):
    path = _write(tmp_path / "quoted.jsonl", [
        {"url": "https://example.org/a", "title": "Mayor speaks", "author": "Ann Lee",
         "text": "\u201cWe will build the bridge,\u201d said Mayor John Smith on Monday."},
        {"kind": "bio", "author": "Ann Lee", "text": "Ann Lee covers the city hall."}])
    records = list(extract([path]))
    assert {type(r) for r in records} == {Article, Quote, type(records[-1])}
    assert all(r.source.startswith(f"{path}:") for r in records), [(r.kind, r.source) for r in records]
