"""Quotes on real news: the PolNeAR dev set (people marked every attribution), free-news-demo
(Wikinews and Global Voices in English, German and French), and a quote's stored document
served by the API with its speaker, the mention as written and the role."""
from __future__ import annotations

import gzip
import json

import pytest

from bench.common import Skip
from bench.quotes import evaluate, load_dev, load_hand_gold
from corpus.quotes import find_quotes
from corpus.text import paragraphs
from tests.conftest import FREENEWS, SHARED, need


@pytest.fixture(scope="module")
def dev_measure() -> dict:
    need(SHARED / "quote-dev" / "polnear-dev.jsonl")
    return evaluate(load_dev(), load_hand_gold())


def test_dev_set_precision_and_named_speakers_meet_their_targets(dev_measure):
    assert dev_measure["precision"] >= 0.95
    assert dev_measure["speaker"] >= 0.90  # where the Source is a name: 0.950 when written


def test_dev_set_recall_holds(dev_measure):
    # The target is 0.90 (issue 23); 0.758 when written (0.340 before issue 11), 0.875 after
    # issue 23's speaker round. A floor, not the goal.
    assert dev_measure["recall"] >= 0.85


def test_hand_resolved_pronouns_and_descriptions(dev_measure):
    assert dev_measure["hand_gold"] == 48
    assert dev_measure["hand_found"] >= 38
    assert dev_measure["hand_speaker"] >= 0.80  # 0.854 (35 of 41) when written


@pytest.fixture(scope="module")
def free_news() -> dict[str, list]:
    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return {r["id"]: find_quotes(paragraphs(r["text"])) for r in records}


@pytest.mark.parametrize("doc_id, speaker, role, mention", [
    ("wikinews-de-article_113", "Nelson Mandela", "", "Er"),
    ("wikinews-de-article_249", "Angela Merkel", "Bundeskanzlerin", "Sie"),
    ("wikinews-fr-45643", "Mitt Romney", "", "Il"),
    ("wikinews-en-2020-03-20-Arizona-Florida-Illinois-hold-2020-US-presidential-primaries",
     "Mike DeWine", "Governor", "he"),
])
def test_pronouns_resolve_in_real_articles(free_news, doc_id, speaker, role, mention):
    assert (speaker, role, mention) in {(q.speaker, q.role, q.mention) for q in free_news[doc_id]}


def test_descriptions_resolve_in_real_articles(free_news):
    by_mention = {(q.mention, q.speaker, q.role) for q in free_news["wikinews-de-article_329"]}
    assert ("der Innenminister Brandenburgs", "Jörg Schönbohm", "Innenminister Brandenburgs") in by_mention


def test_real_quotes_have_speakers_and_mentions(free_news):
    quotes = [q for qs in free_news.values() for q in qs]
    assert len(quotes) > 1000
    assert all(q.mention and q.text for q in quotes)
    unresolved = [q for q in quotes if not q.speaker]  # a description the article never tied to anyone
    assert len(unresolved) < 0.1 * len(quotes)
    assert all(q.speaker[:1].isupper() or q.speaker == "unnamed source" for q in quotes if q.speaker)
    by_lang = {lang: sum(len(qs) for k, qs in free_news.items() if f"-{lang}" in k)
               for lang in ("en", "de", "fr")}
    assert by_lang["en"] > 500 and by_lang["de"] > 200 and by_lang["fr"] > 40


# -- end to end: extracted, indexed, served -----------------------------------------------------
@pytest.fixture(scope="module")
def quote_client(tmp_path_factory):
    """An app over an index of three real Wikinews articles (de, fr, en)."""
    import index
    from service import create_app

    keep = {"wikinews-de-article_249", "wikinews-de-article_329", "wikinews-fr-45643"}
    tmp = tmp_path_factory.mktemp("quotes-real")
    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as f:
        lines = [line for line in f if json.loads(line)["id"] in keep]
    (tmp / "articles.jsonl").write_text("".join(lines), encoding="utf-8")
    index_dir = str(tmp / "index")
    index.rebuild(index_dir, [str(tmp / "articles.jsonl")])
    app = create_app({"INDEX_DIR": index_dir, "CACHE_SIZE": 0})
    yield app.test_client()
    app.extensions["search_index"].close()


@pytest.mark.parametrize("q, speaker, mention, role", [
    ("Kanzlerin geboren", "Angela Merkel", "Sie", "Bundeskanzlerin"),
    ("Videokameras", "Jörg Schönbohm", "der Innenminister Brandenburgs", "Innenminister Brandenburgs"),
    ("triste rappel", "Mitt Romney", "Il", ""),
])
def test_a_quote_document_shows_speaker_mention_and_role(quote_client, q, speaker, mention, role):
    found = quote_client.get("/search", query_string={"q": q, "kind": "quote"}).get_json()
    assert found["total"] >= 1
    hit = found["results"][0]
    assert hit["speaker"] == speaker
    doc = quote_client.get(f"/documents/{hit['id']}").get_json()
    assert (doc["speaker"], doc["speaker_mention"], doc["speaker_role"]) == (speaker, mention, role)
    assert doc["text"] and doc["article_id"]


def test_archive_gold_holds():
    """Issue 23's hand-made gold (FakeNewsNet and shared web pages, canonical speakers):
    0.973 / 0.832 / 0.899 when written, 0.976 / 0.910 / 0.947 after the speaker round (dash
    attributions, colons, pronouns in their paragraph); the floors catch a regression."""
    import json

    from bench.quote_gold import GOLD, evaluate as gold_evaluate, load_texts

    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 150 and sum(r["quote"] for r in rows) >= 150
    try:
        texts = load_texts(rows)
    except Skip as exc:  # the shared data is not beside the checkout (CI has it)
        pytest.skip(str(exc))
    res = gold_evaluate(rows, texts)
    assert res["precision"] >= 0.95 and res["recall"] >= 0.88 and res["speaker"] >= 0.91
