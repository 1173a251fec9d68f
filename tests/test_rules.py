"""Editors' rules: matching, the admin API, and pins and hides in real searches of the demo
index (one index, and the same corpus as 2 shards)."""
from __future__ import annotations

import json
import os

import pytest

from index import SearchIndex, SearchRequest
from service import create_app
from service.editor_state import EditorState
from service.rules import RuleError, RuleSet, make_rule
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NOW = 1_700_000_000.0


def rule(now=NOW, **body):
    return make_rule({"pin": ["a"], **body}, now)


def test_exact_and_word_rules_match_normalised_queries():
    exact = rule(query="Wind  Farm")
    word = rule(query="election", match="word", pin=["live"])
    two = rule(query="prime minister", match="word", pin=["pm"])
    rules = RuleSet([word, exact, two])
    assert rules.match("wind farm?", NOW).pinned == ("a",)
    assert rules.match("WIND FARM", NOW).rules == (exact,)
    assert rules.match("wind farms", NOW).rules == ()
    assert rules.match("who won the Election", NOW).pinned == ("live",)
    assert rules.match("elections", NOW).rules == ()
    assert rules.match("the prime minister said", NOW).pinned == ("pm",)
    assert rules.match("minister prime", NOW).rules == ()
    assert rules.match("", NOW).rules == () and RuleSet().match("wind farm", NOW).rules == ()


def test_exact_rules_first_then_older_and_a_hide_beats_a_pin():
    older = rule(query="election", match="word", pin=["live", "x"])
    newer = rule(query="election", match="word", pin=["y"], hide=["x"])
    exact = rule(query="election results", pin=["table"])
    applied = RuleSet([older, newer, exact]).match("election results", NOW)
    assert applied.rules == (exact, older, newer)
    assert applied.pinned == ("table", "live", "y") and applied.hidden == ("x",)


def test_start_and_end_bound_a_rule():
    timed = rule(query="storm", start="2023-11-14T22:00:00Z", end="2023-11-14T23:00:00+00:00")
    rules = RuleSet([timed])
    start = 1_699_999_200  # 2023-11-14T22:00:00Z
    assert rules.match("storm", start - 1).rules == ()
    assert rules.match("storm", start).rules == (timed,)
    assert rules.match("storm", start + 3599).rules == (timed,)
    assert rules.match("storm", start + 3600).rules == ()
    assert timed.state(start - 1) == "scheduled" and timed.state(start + 3600) == "ended"
    assert make_rule({"query": "x", "pin": ["a"], "start": "2024-06-01T09:00"},
                     NOW).start == "2024-06-01T09:00:00Z"  # no zone: UTC


@pytest.mark.parametrize("body, problem", [
    ({"query": "x"}, "pins or hides"),
    ({"query": "", "pin": ["a"]}, "1 to 8 words"),
    ({"query": "a b c d e f g h i", "pin": ["a"]}, "1 to 8 words"),
    ({"query": "x", "pin": ["a"], "match": "regex"}, "match must be"),
    ({"query": "x", "pin": "<script>"}, "not a document id"),
    ({"query": "x", "pin": [1]}, "list of document ids"),
    ({"query": "x", "pin": [f"d{i}" for i in range(11)]}, "at most 10"),
    ({"query": "x", "pin": ["a"], "start": "tomorrow"}, "start must be a time"),
    ({"query": "x", "pin": ["a"], "start": "2024-01-02", "end": "2024-01-01"}, "before end"),
    ({"query": "x", "pin": ["a"], "colour": "red"}, "unknown field"),
    ([1, 2], "JSON object"),
])
def test_bad_rules_say_what_is_wrong(body, problem):
    with pytest.raises(RuleError, match=problem):
        make_rule(body, NOW)


def test_a_url_names_the_article_published_there():
    made = make_rule({"query": "x", "pin": ["https://www.demo.example.org/en/a/"]}, NOW)
    same = make_rule({"query": "x", "pin": ["https://demo.example.org/en/a"]}, NOW)
    assert made.pin == same.pin and made.pin[0].startswith("u")


def test_the_file_is_followed_and_a_bad_one_keeps_the_last_good_state(tmp_path):
    path = tmp_path / "editor.json"
    reader, writer = EditorState(str(path)), EditorState(str(path))
    assert not reader.view().rules
    writer.update(lambda data: data["rules"].append(rule(query="storm").to_json()))
    assert writer.view().rules.match("storm", NOW).pinned == ("a",)  # its own change at once
    reader._due = 0.0  # what CHECK_SECONDS later does
    assert reader.view().rules.match("storm", NOW).pinned == ("a",)
    path.write_text("{not json", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    reader._due = 0.0
    assert reader.view().rules.match("storm", NOW).pinned == ("a",)


@pytest.fixture(scope="module")
def steered(demo_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 64,
                      "RULES_FILE": str(folder / "editor.json"),
                      "ANALYTICS_DB": str(folder / "analytics.db")})
    yield app
    app.extensions["analytics"].close()
    app.extensions["search_index"].close()


def ids(client, **args):
    body = client.get("/search", query_string=args).json
    return [r["id"] for r in body["results"]], body


def test_rules_over_the_api_steer_searches(steered):
    client = steered.test_client()
    organic, before = ids(client, q="wind farm", per_page=50, collapse=0)
    library = ids(client, q="library")[0][0]
    assert library not in organic
    made = client.post("/admin/rules", headers=AUTH, json={
        "query": "wind farm", "pin": [library, "no-such-doc"], "hide": [organic[0]]})
    assert made.status_code == 201 and made.json["missing"] == ["no-such-doc"]
    got, body = ids(client, q="Wind  FARM", per_page=50, collapse=0)
    assert got[0] == library and body["results"][0]["pinned"] is True
    assert "pinned" not in body["results"][1] and organic[0] not in got
    assert got[1:] == organic[1:] and body["total"] == before["total"]  # one in, one out
    kinds = {v["value"]: v["count"] for v in body["facets"]["kind"]}
    assert sum(kinds.values()) == len(got)  # the hidden one is not counted either
    # the pinned document passes the filters like any other; pages follow the pins
    assert library not in ids(client, q="wind farm", kind="quote")[0]
    assert ids(client, q="wind farm", per_page=3, page=2, collapse=0)[0][0] == organic[3]
    assert library not in ids(client, q="wind farm", sort="-date")[0]  # newest first: dates
    assert organic[0] not in ids(client, q="wind farm", sort="-date", per_page=50)[0]
    listed = client.get("/admin/rules", headers=AUTH).json["rules"]
    assert listed[0]["missing"] == ["no-such-doc"] and listed[0]["state"] == "active"
    assert listed[0]["use"]["searches"] >= 1 and listed[0]["use"]["pinned_shown"] >= 1
    assert client.delete(f"/admin/rules/{listed[0]['id']}", headers=AUTH).status_code == 204
    assert ids(client, q="wind farm", per_page=50, collapse=0)[0] == organic


def test_a_click_on_a_pinned_result_is_counted_for_its_rule(steered):
    client = steered.test_client()
    target = ids(client, q="harbour")[0][-1]
    made = client.post("/admin/rules", headers=AUTH, json={
        "query": "tram", "match": "word", "pin": [target]}).json["rule"]
    body = client.get("/search?q=tram+line").json
    assert body["results"][0]["id"] == target
    sent = client.post("/events", data=json.dumps({"search_id": body["search_id"],
                                                   "id": target, "position": 1}),
                       content_type="text/plain")
    assert sent.status_code == 204
    use = {r["id"]: r for r in client.get("/admin/rules", headers=AUTH).json["rules"]}[
        made["id"]]["use"]
    assert use == {"days": 30, "searches": 1, "pinned_shown": 1, "pinned_clicks": 1}
    client.delete(f"/admin/rules/{made['id']}", headers=AUTH)


def test_rules_need_the_token_and_good_json(steered):
    client = steered.test_client()
    assert client.get("/admin/rules").status_code == 401
    assert client.get("/admin/rules", headers={"Authorization": "Bearer wrong-token-012345"}
                      ).status_code == 403
    bad = client.post("/admin/rules", headers=AUTH, data="{", content_type="application/json")
    assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_parameter"
    plain = client.post("/admin/rules", headers=AUTH, data='{"query": "x", "pin": ["a"]}',
                        content_type="text/plain")  # a form another site could send
    assert plain.status_code == 400
    assert client.delete("/admin/rules/nope", headers=AUTH).status_code == 404


def test_the_page_adds_and_deletes_rules_from_its_own_forms_only(steered):
    client = steered.test_client()
    page = client.get("/admin/rules.html", headers=AUTH)
    assert page.status_code == 200 and "script" not in page.text
    token = page.text.split('name="token" value="')[1].split('"')[0]
    form = {"token": token, "action": "add", "query": "ferry", "match": "query",
            "pin": "https://demo.example.org/en/nowhere\n", "hide": ""}
    forged = client.post("/admin/rules.html", headers={**AUTH, "Origin": "http://evil.test"},
                         data=form)
    assert forged.status_code == 403
    assert client.post("/admin/rules.html", headers=AUTH, data={**form, "token": "x"}
                       ).status_code == 403
    added = client.post("/admin/rules.html", headers={**AUTH, "Sec-Fetch-Site": "same-origin"},
                        data=form)
    assert added.status_code == 200 and "Not in the index" in added.text
    rule_id = next(r["id"] for r in client.get("/admin/rules", headers=AUTH).json["rules"]
                   if r["query"] == "ferry")
    bad = client.post("/admin/rules.html", headers=AUTH, data={**form, "pin": "", "hide": ""})
    assert bad.status_code == 400 and "Not saved" in bad.text
    gone = client.post("/admin/rules.html", headers=AUTH,
                       data={"token": token, "action": "delete", "id": rule_id})
    assert "Rule deleted." in gone.text


def test_pins_and_hides_on_a_sharded_index_as_on_one(demo_index, tmp_path):
    import index
    from tests.conftest import DEMO, TEST_DATA

    index.rebuild(str(tmp_path), [str(DEMO), str(TEST_DATA)], shards=2)
    one, two = SearchIndex(demo_index, cache_size=0), SearchIndex(str(tmp_path), cache_size=0)
    try:
        organic = [h.document.id for h in one.search(SearchRequest(q="harbour")).hits]
        req = SearchRequest(q="harbour", pinned=(organic[-1], "bio-nobody"), hidden=(organic[0],))
        a, b = one.search(req), two.search(req)
        assert [(h.document.id, h.pinned) for h in a.hits] == \
            [(h.document.id, h.pinned) for h in b.hits]
        assert a.hits[0].document.id == organic[-1] and a.hits[0].pinned
        assert organic[0] not in [h.document.id for h in a.hits] and a.total == b.total
        assert a.not_required == b.not_required
    finally:
        one.close()
        two.close()


def test_a_search_reads_the_clock_not_the_file(steered, monkeypatch):
    import service.editor_state as module

    stats = []
    real = os.stat
    monkeypatch.setattr(module.os, "stat", lambda *a, **k: stats.append(a) or real(*a, **k))
    state = steered.extensions["editor"]
    state._due = 0.0
    for _ in range(1000):
        state.view()
    assert 1 <= len(stats) <= 2  # once, and again only if half a second went by
