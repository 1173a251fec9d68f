"""One person, one speaker (and one author) across the archive: the facet shows the canonical
name, and ``speaker=`` / ``author=`` take any alias or a surname alone (issue 23). Through the
Flask test client, on the demo corpus, on a small archive written here and on FakeNewsNet."""
from __future__ import annotations

import json

import pytest

from tests.conftest import DEMO

# One person under four names (quoted 5 times: at least 3 times as often as anyone else called
# Trump, so "Trump" alone is him), another who shares the surname, a third person.
ARTICLES = [
    ("Rally in Ohio", "Donald J. Trump spoke in Ohio on Friday.\n\n“We will win this state easily,” "
     "Trump said.\n\n“Ohio has always been good to me,” he added.", ["Daniel Okafor"]),
    ("Wall money", "“Nobody builds walls like me, believe me,” Trump told the crowd.", ["D. Okafor"]),
    ("Campaign stop", "Donald Trump visited Iowa.\n\n“The farmers here are great people,” President "
     "Trump said.\n\n“We will be back next month,” Trump said.", ["Daniel OKAFOR"]),
    ("First lady", "Melania Trump opened a garden on Monday.\n\n“Children need places to play,” "
     "Melania Trump said.", ["Ruth Mbeki"]),
    ("Kardashians", "Kim Kardashian posted a photo.\n\n“I love my family so much,” Kim said.\n\n"
     "Kim Kardashian West later added: “We are all doing fine, thank you.”", ["Ruth Mbeki"]),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    import index
    from service import create_app

    folder = tmp_path_factory.mktemp("aliases")
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps({"id": f"a{i}", "title": t, "text": body, "authors": by,
                                        "date": f"2024-05-0{i + 1}"}) + "\n"
                            for i, (t, body, by) in enumerate(ARTICLES)), encoding="utf-8")
    index.rebuild(str(folder / "index"), [str(path)])
    app = create_app({"INDEX_DIR": str(folder / "index"), "CORPUS_PATHS": str(path), "CACHE_SIZE": 0})
    yield app.test_client()
    app.extensions["search_index"].close()


def search(client, **params) -> dict:
    response = client.get("/search", query_string={"per_page": 50, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def facet(data: dict, name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facets"][name]}


def test_one_speaker_under_one_canonical_name(small):
    speakers = facet(search(small, kind="quote"), "speaker")
    assert speakers["Donald Trump"] == 5 and speakers["Melania Trump"] == 1
    assert speakers["Kim Kardashian"] == 2
    assert not {"Trump", "Donald J. Trump", "Kim", "Kim Kardashian West"} & set(speakers)


@pytest.mark.parametrize("typed", ["Trump", "trump", "Donald Trump", "DONALD J. TRUMP",
                                   "President Trump"])
def test_any_alias_or_the_surname_finds_the_speakers_quotes(small, typed):
    data = search(small, speaker=typed)
    assert data["total"] == 5
    assert {r["article_id"] for r in data["results"]} == {"a0", "a1", "a2"}
    assert {r["speaker"] for r in data["results"]} == {"Donald Trump"}  # as the facet names him
    assert "Trump" in {r["speaker_mention"] for r in data["results"]}  # as the article wrote it


def test_people_who_share_a_surname_stay_apart(small):
    assert {r["article_id"] for r in search(small, speaker="Melania Trump")["results"]} == {"a3"}
    assert search(small, speaker="Melania")["total"] == 1  # a first name only she has
    assert search(small, speaker="Kim Kardashian West")["total"] == 2
    assert search(small, speaker="Nobody Trumpet")["total"] == 0


def test_authors_fold_spelling_variants_and_answer_to_the_surname(small):
    data = search(small, kind="article")
    authors = facet(data, "author")
    assert authors["Daniel Okafor"] == 3 and "D. Okafor" not in authors
    for typed in ("Okafor", "okafor", "D. Okafor", "daniel okafor"):
        assert search(small, kind="article", author=typed)["total"] == 3, typed


def test_author_surname_on_the_demo_corpus(client):
    full = search(client, author="Daniel Okafor")
    assert full["total"] >= 5
    for typed in ("Okafor", "okafor", "OKAFOR"):
        data = search(client, author=typed)
        assert data["total"] == full["total"], typed
        assert all("Daniel Okafor" in r["author"] for r in data["results"])
    assert "Daniel Okafor" in facet(search(client, author="Okafor"), "author")


@pytest.fixture(scope="module")
def fakenews(fakenews_sample_index):
    from service import create_app

    app = create_app({"INDEX_DIR": fakenews_sample_index, "CORPUS_PATHS": str(DEMO), "CACHE_SIZE": 0})
    yield app.test_client()
    app.extensions["search_index"].close()


@pytest.mark.slow
def test_speaker_trump_on_fakenewsnet(fakenews):
    data = search(fakenews, speaker="Trump")
    assert data["total"] >= 50  # "Donald Trump", "Donald J. Trump", "Trump" in 2,900 articles
    assert search(fakenews, speaker="donald j. trump")["total"] == data["total"]
    speakers = facet(search(fakenews, kind="quote"), "speaker")
    assert "Donald Trump" in speakers and "Donald J. Trump" not in speakers and "Trump" not in speakers
    melania = search(fakenews, speaker="Melania Trump")
    assert melania["total"] >= 5
    assert not {r["id"] for r in melania["results"]} & {r["id"] for r in data["results"]}
