"""Browse by speaker: the ``speaker`` facet (multi-select, counted like ``author``) and the
repeatable ``speaker=`` filter on /search, checked against the quotes the extractor finds."""
from __future__ import annotations

from collections import Counter

import pytest

from corpus import Quote, Summary, extract
from tests.conftest import DEMO, TEST_DATA


@pytest.fixture(scope="module")
def quote_speakers() -> Counter:
    """Quotes per speaker in what the session's demo index was built from."""
    records = extract([str(DEMO), str(TEST_DATA)], Summary())
    return Counter(r.speaker for r in records if isinstance(r, Quote) and r.speaker)


def search(client, **params) -> dict:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def facet(data: dict) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facets"]["speaker"]}


def test_speaker_facet_counts_every_speakers_quotes(client, quote_speakers):
    data = search(client, kind="quote", per_page=1)
    counts = facet(data)
    top = quote_speakers.most_common()
    assert len(counts) == min(20, len(top))  # the 20 most quoted, like authors
    for name, n in counts.items():
        assert quote_speakers[name] == n, name
    assert counts["Helen Marsh"] == quote_speakers["Helen Marsh"] >= 5
    unresolved = sum(1 for r in extract([str(DEMO), str(TEST_DATA)], Summary())
                     if isinstance(r, Quote) and not r.speaker)  # a description: no speaker value
    assert data["total"] == sum(quote_speakers.values()) + unresolved


def test_articles_and_bios_have_no_speaker(client):
    assert facet(search(client, kind="article", per_page=1)) == {}
    assert facet(search(client, kind="bio", per_page=1)) == {}


def test_speaker_filter_is_multi_select(client, quote_speakers):
    one = search(client, speaker="Helen Marsh", per_page=50)
    assert one["total"] == quote_speakers["Helen Marsh"]
    assert {r["speaker"] for r in one["results"]} == {"Helen Marsh"}
    counts = facet(one)  # the facet ignores its own filter: the other speakers still show
    assert counts["Helen Marsh"] == quote_speakers["Helen Marsh"]
    assert counts["Tomas Berg"] == quote_speakers["Tomas Berg"]
    two = search(client, speaker=["Helen Marsh", "Tomas Berg"], per_page=50)
    assert two["total"] == quote_speakers["Helen Marsh"] + quote_speakers["Tomas Berg"]
    assert {r["speaker"] for r in two["results"]} == {"Helen Marsh", "Tomas Berg"}


def test_speaker_filter_with_words_and_other_filters(client):
    data = search(client, q="wind", speaker="helen marsh", per_page=50)  # case does not matter
    assert data["total"] >= 1
    assert all(r["kind"] == "quote" and r["speaker"] == "Helen Marsh" for r in data["results"])
    assert {v["value"] for v in data["facets"]["kind"]} == {"quote"}
    assert search(client, speaker="Helen Marsh", kind="article")["total"] == 0
    assert search(client, speaker="Nobody Of That Name")["total"] == 0


def test_a_selected_speaker_always_shows_in_the_facet(client, quote_speakers):
    rare = min(quote_speakers, key=lambda s: (quote_speakers[s], s))
    data = search(client, kind="quote", speaker=rare, per_page=1)
    assert facet(data)[rare] == quote_speakers[rare]


@pytest.mark.parametrize("query", ["speaker=" + "x" * 201,
                                   "&".join(f"speaker=s{i}" for i in range(21))])
def test_bad_speaker_values_are_a_json_400(client, query):
    response = client.get(f"/search?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_parameter"
