"""Ranking, per-language stemming, query syntax, filters, sorting, paging and snippets."""
from __future__ import annotations

import pytest

from index import QueryError, QueryTooLong, SearchRequest
from service.presenter import search_json


def search(searcher, q="", **kw):
    """Search, in the API's JSON form (what readers get)."""
    return search_json(searcher.search(SearchRequest(q=q, **kw)), 0.0)


def titles(response):
    return [r["title"] for r in response["results"]]


# -- ranking --------------------------------------------------------------------------------
def test_title_match_outranks_body_match(searcher):
    res = search(searcher, "zephyrine quarry")
    assert titles(res)[:2] == ["Zephyrine Quarry Reopens", "Weekend Walks Along the Coast"]
    assert res["results"][0]["score"] > res["results"][1]["score"]


def test_speaker_name_finds_their_quotes(searcher):
    res = search(searcher, "Helen Marsh", per_page=5, kinds=("quote",))
    top = res["results"]
    assert all(r["kind"] == "quote" and r["speaker"] == "Helen Marsh" for r in top)
    assert top[0]["speaker_role"] == "Mayor"
    assert top[0]["article_id"]
    # every kind: her quotes come under the articles that hold them (one result per story)
    stories = search(searcher, "Helen Marsh", per_page=5)["results"]
    assert all(r["kind"] == "article" and r["quotes"] for r in stories)
    assert {q["speaker"] for r in stories for q in r["quotes"]} == {"Helen Marsh"}


def test_exact_author_name_brings_the_bio_first(searcher):
    # the articles the index holds by them (not the "(112 Articles)" their bio mentions)
    for name, count in (("Margaret Ellison", 5), ("Siavosh Hosseini", 1)):
        first = search(searcher, name)["results"][0]
        assert (first["kind"], first["title"], first["article_count"]) == ("bio", name, count)


# -- languages ------------------------------------------------------------------------------
@pytest.mark.parametrize("query, lang, inflected", [
    ("Wohnung", "de", "Wohnungen"),
    ("logement", "fr", "logements"),
    ("biblioteca", "es", "bibliotecas"),
    ("library", "en", "libraries"),
    ("éolienne", "fr", "éoliennes"),
])
def test_query_finds_inflected_forms(searcher, query, lang, inflected):
    res = search(searcher, query, per_page=50, kinds=("article",))
    assert res["total"] > 0
    assert all(r["lang"] == lang for r in res["results"])
    assert any(inflected.lower() in r["snippet"].lower() or inflected.lower() in r["title"].lower()
               for r in res["results"])


def test_accents_are_optional(searcher):
    with_accents = {r["id"] for r in search(searcher, "éolien", per_page=50)["results"]}
    without = {r["id"] for r in search(searcher, "eolien", per_page=50)["results"]}
    assert with_accents and with_accents == without


def test_a_query_keeps_documents_of_every_language(searcher):
    # Professor Ingrid Solberg is quoted in English, German, French and Spanish articles.
    res = search(searcher, "Solberg", per_page=50)
    assert {r["lang"] for r in res["results"]} >= {"en", "de", "fr", "es"}


# -- query syntax ---------------------------------------------------------------------------
def test_phrase_query(searcher):
    phrase = search(searcher, '"tram line"', per_page=50)
    words = search(searcher, "tram line", per_page=50)
    assert 0 < phrase["total"] <= words["total"]
    assert all("<mark>tram</mark> <mark>line</mark>" in r["snippet"].lower()
               or "tram line" in r["title"].lower() for r in phrase["results"] if r["kind"] == "article")


def test_boolean_operators(searcher):
    def ids(q):  # exact words only: no typo variants, no completion of the last word
        return {r["id"] for r in search(searcher, q, per_page=50, typos=False,
                                                collapse=False)["results"]}

    wind, cable, both = ids("wind"), ids("cable"), ids("wind AND cable")
    either, wind_only = ids("wind OR cable"), ids("wind NOT cable")
    assert both == wind & cable and either == wind | cable and wind_only == wind - cable
    assert both and wind_only


def test_prefix_and_field_queries(searcher):
    prefix = search(searcher, "librar*", per_page=50)
    assert prefix["total"] >= search(searcher, "library", per_page=50)["total"]
    in_title = search(searcher, "title:library", per_page=50)
    assert in_title["total"] > 0
    assert all("librar" in r["title"].lower() for r in in_title["results"] if r["kind"] == "article")
    speaker = search(searcher, "speaker:Berg", per_page=50)
    assert speaker["total"] > 0
    assert all(r["kind"] == "quote" and r["speaker"] == "Tomas Berg" for r in speaker["results"])


def test_only_an_over_long_query_is_refused(searcher):
    with pytest.raises(QueryTooLong):
        search(searcher, "a" * 10_001)
    assert search(searcher, "*ing")["total"] >= 0 and search(searcher, "?x")["total"] >= 0


@pytest.mark.parametrize("q", ['"unbalanced', "(open", "AND", "NOT", "title:", "foo:bar", ")(",
                               "wind^", "~", "[a TO", "\x00\x01", "🙂"])
def test_odd_queries_never_crash(searcher, q):
    try:
        res = search(searcher, q)
    except QueryError:
        return
    assert res["total"] >= 0


# -- filters, sorting, paging ---------------------------------------------------------------
def test_filters(searcher):
    quotes = search(searcher, kinds=("quote",), per_page=50)
    assert quotes["total"] > 50 and all(r["kind"] == "quote" for r in quotes["results"])
    two = search(searcher, authors=("Margaret Ellison", "Inés Valdés"), kinds=("article",), per_page=50)
    assert {r["author"] for r in two["results"]} == {"Margaret Ellison", "Inés Valdés"}
    german = search(searcher, langs=("de",), per_page=50)
    assert german["total"] > 0 and all(r["lang"] == "de" for r in german["results"])
    dated = search(searcher, day_from=20230101, day_to=20230630, per_page=50)
    assert dated["total"] > 0
    assert all("2023-01-01" <= r["date"] <= "2023-06-30" for r in dated["results"])


def test_sorting_by_date(searcher):
    newest = [r["date"] for r in search(searcher, kinds=("article",), sort="-date", per_page=50)["results"]]
    oldest = [r["date"] for r in search(searcher, kinds=("article",), sort="date", per_page=50)["results"]]
    known = [d for d in newest if d]
    assert known == sorted(known, reverse=True) and newest[-1] is None  # unknown dates last
    assert [d for d in oldest if d] == sorted(known) and oldest[-1] is None
    with pytest.raises(QueryError):
        search(searcher, sort="sideways")


def test_paging(searcher):
    full = search(searcher, "wind", per_page=50)
    pages = [search(searcher, "wind", per_page=3, page=p) for p in (1, 2)]
    assert [r["id"] for p in pages for r in p["results"]] == [r["id"] for r in full["results"][:6]]
    past = search(searcher, "wind", per_page=10, page=99)
    assert past["results"] == [] and past["total"] == full["total"]


# -- snippets -------------------------------------------------------------------------------
def test_snippets_are_escaped_and_marked(searcher):
    res = search(searcher, "lighthouse renovation", per_page=5)
    hit = next(r for r in res["results"] if r["kind"] == "article" and "Mallory" in r["author"])
    snip = hit["snippet"]
    assert "<mark>lighthouse</mark>" in snip.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snip
    assert "<script" not in snip and "<img" not in snip and 'onmouseover="' not in snip
    assert snip.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "<script>" in hit["title"]  # titles are plain text; the client sets them as text


def test_snippet_marks_match_in_a_long_body(searcher):
    res = search(searcher, "bold claims")
    assert "&lt;b&gt;<mark>bold</mark> <mark>claims</mark>&lt;/b&gt;" in res["results"][0]["snippet"]


def test_snippet_keeps_the_two_best_passages_in_text_order():
    from index.read.snippets import BETWEEN, SNIPPET_CHARS, snippet

    filler = "Nothing of interest happens in this sentence at all. " * 5
    text = (f"The harbour opened. {filler}Wind farms and the harbour share a quay. {filler}"
            f"A wind turbine and more wind arrived. {filler}The end.")
    marked = snippet(text, {"harbour", "wind"}, "en")
    passages = marked.split(BETWEEN)
    assert len(passages) == 2
    assert "<mark>Wind</mark> farms and the <mark>harbour</mark>" in passages[0]  # both terms
    assert passages[1].count("<mark>") == 2 and "arrived" in passages[1]  # then text order
    assert "opened" not in marked  # the passage with one match only is left out
    for p in passages:
        assert len(p.replace("<mark>", "").replace("</mark>", "")) <= SNIPPET_CHARS
        assert not p.startswith(" ") and " " in p


def test_snippet_marks_inflected_forms_in_the_documents_language():
    from index.read.snippets import snippet

    marked = snippet("Die Städte bauen neue Wohnungen.", {"wohnung"}, "de")
    assert marked == "Die Städte bauen neue <mark>Wohnungen</mark>."


# -- suggestions ----------------------------------------------------------------------------
def test_did_you_mean(searcher):
    assert search(searcher, "libary")["suggestion"] == "library"
    assert search(searcher, "harbour wnd farm")["suggestion"] == "harbour wind farm"
    assert search(searcher, "library")["suggestion"] is None


def test_completions(searcher):
    assert "library" in searcher.suggest("libr")
    assert all(s.startswith("wind f") for s in searcher.suggest("wind f"))
    assert searcher.suggest("") == []


def test_hyphenated_words_are_words_not_exclusions(searcher):
    # "-word" excludes only at the start of a word; "Port-Averley" must not mean NOT averley.
    strict = {"per_page": 50, "operator": "and", "typos": False}
    hyphen = {r["id"] for r in search(searcher, "Port-Averley", **strict)["results"]}
    spaced = {r["id"] for r in search(searcher, "Port Averley", **strict)["results"]}
    assert hyphen and hyphen == spaced
    excluded = search(searcher, "wind -cable", per_page=50)["results"]
    assert excluded and all("cable" not in r["snippet"].lower() for r in excluded)
