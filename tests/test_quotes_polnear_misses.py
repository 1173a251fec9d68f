"""Quotes the PolNeAR dev set marks and the extractor used to miss (issue 23), each rule on
the real article where the benchmark listed the miss (the text stays in shared/, see its
README): transcripts, a speech noun's clause, "…, according to X." and their kin."""
from __future__ import annotations

import pytest

from bench.quotes import load_dev
from corpus.quotes import find_quotes
from corpus.text import paragraphs
from tests.conftest import SHARED, need


@pytest.fixture(scope="module")
def dev() -> dict[str, list]:
    need(SHARED / "quote-dev" / "polnear-dev.jsonl")
    return {a["id"]: find_quotes(paragraphs(a["text"])[1:]) for a in load_dev()}


def _said(quotes: list, words: str) -> list[str]:
    return [q.speaker for q in quotes if words in q.text]


def test_a_transcripts_turns_are_quotes_of_their_speakers(dev):
    # "WALLACE: Let’s start with breaking news …" ⏎ "PENCE: Well, look, Hillary Clinton …"
    quotes = dev["breitbart_2016-09-25_pence-gennifer-flowers-won-t-be-"]
    assert _said(quotes, "apparently thinks this is an episode of") == ["Mike Pence"]
    assert _said(quotes, "I’ve got to ask you, because as") == ["Wallace"]
    turns = [q for q in quotes if q.mention in ("PENCE", "WALLACE")]
    assert len(turns) >= 9  # one quote a turn: no turn runs into the next speaker's
    assert not any("WALLACE:" in q.text or "PENCE:" in q.text for q in quotes)
