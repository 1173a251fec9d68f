"""The sample article extracts exactly as the spec describes."""
from __future__ import annotations

import json

from corpus import Article, Bio, Quote, Summary, extract
from corpus.__main__ import main
from tests.conftest import DEMO_SAMPLE, SAMPLE, need

BIO_START = "My background is in the visual arts, particularly in photojournalism."


def records(path):
    summary = Summary()
    return list(extract([str(path)], summary)), summary


def test_sample_article_fields():
    recs, summary = records(DEMO_SAMPLE)
    (article,) = [r for r in recs if isinstance(r, Article)]
    assert article.title == "More Sanctions for Iranian Intelligence Service"
    assert article.dek == ("The Iranian Ministry of Intelligence and Security (MOIS) "
                           "designated as a terror organization")
    assert article.headings == ["Assassination Attempt Thwarted by Danish Authorities",
                                "Sanctions Do Not Address Divided Policy"]
    assert article.authors == ["Siavosh Hosseini"]
    assert article.date is None  # the input gives none: never invented
    assert article.lang == "en"
    assert article.body.startswith("The Iranian Ministry of Intelligence and Security (MOIS) received")
    assert article.body.endswith("rather than risk being caught in U.S. sanctions.")
    for boilerplate in ("bloggers like this", "About Siavosh", BIO_START, "Sanctions Do Not Address"):
        assert boilerplate not in article.body
    assert summary.problems == []


def test_sample_bio():
    recs, _ = records(DEMO_SAMPLE)
    (bio,) = [r for r in recs if isinstance(r, Bio)]
    assert bio.author == "Siavosh Hosseini"
    assert bio.article_count == 283
    assert bio.text.startswith(BIO_START)
    assert bio.text.endswith("in different television and news outfits in Europe.")
    assert "bloggers" not in bio.text
    assert bio.lang == "en"


def test_sample_quotes_and_speakers():
    recs, _ = records(DEMO_SAMPLE)
    article = next(r for r in recs if isinstance(r, Article))
    quotes = [r for r in recs if isinstance(r, Quote)]
    got = [(q.speaker, q.speaker_role, q.text[:40]) for q in quotes]
    assert got == [
        ("Lars Løkke Rasmussen", "Danish Prime Minister", "Very encouraging that (the) EU has just a"[:40]),
        ("NCRI", "", "Although the EU may have prioritized the"),  # a statement: its issuer
        ("Anders Samuelsen", "Danish Foreign Minister", "The assessment is that an Iranian intell"),
    ]
    assert quotes[0].text.endswith("including Denmark")  # the comma before ” is not quoted text
    # “…,” said an NCRI statement … “…”: one attribution, its two spans one quote.
    assert "standpoint … The Iranian regime…is focused on survival" in quotes[1].text
    assert quotes[1].speaker_mention == "an NCRI statement"
    for q in quotes:
        assert q.article_id == article.id
        assert q.article_title == article.title
        assert q.author == "Siavosh Hosseini"
        assert q.date is None
    # A scare quote without attribution is not a quotation.
    assert not any("establishing an Iranian" in q.text for q in quotes)


def test_demo_copy_of_sample_is_identical():
    assert DEMO_SAMPLE.read_bytes() == need(SAMPLE).read_bytes()


def test_ids_are_stable_across_runs():
    first, _ = records(DEMO_SAMPLE)
    second, _ = records(need(SAMPLE))
    assert [r.id for r in first] == [r.id for r in second]


def test_cli_writes_jsonl_with_spec_field_names(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main([str(DEMO_SAMPLE), "--jsonl", str(out), "--workers", "1"]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    kinds = [x["kind"] for x in lines]
    assert kinds == ["article", "quote", "quote", "quote", "bio"]
    article, quote, bio = lines[0], lines[1], lines[-1]
    assert {"id", "url", "title", "dek", "body", "headings", "author", "date", "lang", "tags"} <= article.keys()
    assert {"id", "text", "speaker", "speaker_role", "article_id", "article_title", "author",
            "date", "lang"} <= quote.keys()
    assert {"id", "author", "article_count", "text", "lang"} <= bio.keys()
    assert bio["article_count"] == 283
    printed = capsys.readouterr().out
    assert "articles:   1" in printed and "quotes:     3" in printed and "bios:       1" in printed
