"""Popular searches from a recorded run of readers typing, pausing and clicking: only the
queries readers settled on are listed; through the app, and through a real gunicorn."""
from __future__ import annotations

import json
import time
import urllib.parse

import pytest

from service import create_app
from service.popular import FIRST_WAIT, Query, blocked_by, build
from tests.conftest import ADMIN_TOKEN, DEMO, TEST_DATA
from tests.servers import get, gunicorn_over, post

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

# What the widget sent while four readers typed (one request per pause in typing), and the
# result each opened: (reader, what the box held, position of the result opened or None).
RECORDED = [
    ("a", "wi", None), ("a", "wind", None), ("a", "wind fa", None), ("a", "wind farm", 1),
    ("b", "libr", None), ("b", "library", 2),
    ("c", "Wind Farm?", 1),
    ("d", "zeppelin", None),        # found nothing
    ("d", "harbour", None),         # found results, opened none
    ("e", "wind farm", 3), ("e", "tram", None), ("e", "tram line", 1),
]
SETTLED = ["wind farm", "library", "tram line"]


def replay(search, click) -> None:
    """Send the recorded run: every request the widget sent, and a click where a reader
    opened a result."""
    for _, typed, opened in RECORDED:
        body = search(typed)
        if opened is not None:
            assert body["total"] >= opened, typed
            click(body["search_id"], body["results"][opened - 1]["id"], opened)


def test_build_merges_forms_and_drops_fragments_and_unclicked_queries():
    rows = [("wind fa", 4, 4, 1), ("wind farm", 6, 6, 3), ("wind farm?", 2, 2, 1),
            ("zeppelin", 9, 0, 0), ("harbour", 5, 5, 0), ("wind", 7, 7, 1)]
    found = build(rows)
    assert [(q.text, q.settled, q.searches) for q in found] == [
        ("wind farm", 4, 8), ("wind", 1, 7)]
    assert blocked_by(Query(("plane", "crash"), "plane crash", 1, 1), frozenset({"crash"}))
    assert not blocked_by(Query(("crashes",), "crashes", 1, 1), frozenset({"crash"}))


@pytest.fixture
def app(demo_index, tmp_path):
    app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0,
                      "ANALYTICS_DB": str(tmp_path / "analytics.db"),
                      "RULES_FILE": str(tmp_path / "editor.json")})
    yield app
    app.extensions["analytics"].close()


def test_popular_searches_list_the_settled_queries_only(app):
    client = app.test_client()

    def click(search_id, doc_id, position):
        sent = client.post("/events", data=json.dumps(
            {"search_id": search_id, "id": doc_id, "position": position}),
            content_type="text/plain")
        assert sent.status_code == 204

    popular = app.extensions["popular"]
    assert popular.current(wait=FIRST_WAIT) == [] and popular.refreshed is not None  # at start
    first = popular.refreshed
    replay(lambda q: client.get("/search", query_string={"q": q, "via": "widget"}).json, click)
    app.extensions["analytics"].flush()
    assert popular.refreshed == first  # searches never build the list
    assert client.get("/popular").json == {"days": 7, "queries": []}
    popular.refresh()
    assert client.get("/popular").json == {"days": 7, "queries": SETTLED}
    assert client.get("/popular?limit=1").json["queries"] == ["wind farm"]
    assert client.get("/suggest?q=").json == {"q": "", "suggestions": SETTLED,
                                              "source": "popular"}
    assert client.get("/suggest?q=Tr").json["suggestions"] == ["tram line"]
    assert client.get("/suggest?q=libr").json["source"] == "completions"
    listed = client.get("/admin/popular", headers=AUTH).json
    assert [q["query"] for q in listed["queries"]] == SETTLED
    assert listed["queries"][0] == {"query": "wind farm", "searches": 3, "settled": 3,
                                    "blocked": False}
    assert client.post("/admin/popular/blocked", headers=AUTH,
                       json={"query": "FARM"}).status_code == 201
    assert client.get("/popular").json["queries"] == ["library", "tram line"]
    assert client.delete("/admin/popular/blocked?query=farm", headers=AUTH).status_code == 204
    assert client.get("/popular").json["queries"] == SETTLED
    for bad in ("/popular?limit=0", "/popular?limit=21", "/popular?limit=x"):
        assert client.get(bad).status_code == 400
    assert client.post("/admin/popular/blocked", headers=AUTH, json={"query": "  "}
                       ).status_code == 400
    assert client.delete("/admin/popular/blocked?query=nothing", headers=AUTH
                         ).status_code == 404
    assert client.post("/admin/popular/blocked", json={"query": "x"}).status_code == 401


def test_without_analytics_the_list_is_empty(demo_index):
    client = create_app({"INDEX_DIR": demo_index}).test_client()
    assert client.get("/popular").json == {"days": 7, "queries": []}
    assert client.get("/suggest?q=").json["suggestions"] == []


@pytest.mark.server
def test_popular_searches_through_gunicorn(tmp_path):
    settings = {"SEARCH_ADMIN_TOKEN": ADMIN_TOKEN, "SEARCH_POPULAR_REFRESH": "1",
                "SEARCH_ANALYTICS_DB": str(tmp_path / "analytics.db"),
                "SEARCH_RULES_FILE": str(tmp_path / "editor.json")}
    with gunicorn_over(tmp_path / "index", [str(DEMO), str(TEST_DATA)], "gunicorn-popular.log",
                       settings) as g:
        def search(q):
            status, body = get(g.url + "/search?" + urllib.parse.urlencode({"q": q,
                                                                            "via": "widget"}))
            assert status == 200
            return body

        def click(search_id, doc_id, position):
            status, _ = post_plain(g.url + "/events", {"search_id": search_id, "id": doc_id,
                                                       "position": position})
            assert status == 204

        replay(search, click)
        deadline = time.monotonic() + 20
        seen: list = []
        while time.monotonic() < deadline:  # each worker rebuilds its list every second
            seen = [get(g.url + "/popular")[1]["queries"] for _ in range(6)]
            if all(q == SETTLED for q in seen):
                break
            time.sleep(0.2)
        assert all(q == SETTLED for q in seen), seen
        status, _ = post(g.url + "/admin/popular/blocked", {"query": "library"}, AUTH)
        assert status == 201
        time.sleep(1.0)  # the editors' file reaches every worker within a second
        for _ in range(6):
            assert get(g.url + "/popular")[1]["queries"] == ["wind farm", "tram line"]
            assert get(g.url + "/suggest?q=")[1]["suggestions"] == ["wind farm", "tram line"]


def post_plain(url: str, body: dict) -> tuple[int, bytes]:
    """POST ``body`` as the widget does (JSON sent as text/plain)."""
    import urllib.request

    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.status, res.read()


def test_nothing_found_offers_the_popular_list_without_blocked_words(app):
    """A search that finds nothing offers the worker's last list, as /popular does: the
    analytics are never read on a search, so it changes only when the list is rebuilt."""
    client = app.test_client()
    popular = app.extensions["popular"]
    popular.current(wait=FIRST_WAIT)  # the list built as the app started (no searches yet)

    def click(search_id, doc_id, position):
        client.post("/events", data=json.dumps({"search_id": search_id, "id": doc_id,
                                                "position": position}), content_type="text/plain")
    replay(lambda q: client.get("/search", query_string={"q": q, "via": "widget"}).json, click)
    app.extensions["analytics"].flush()
    client.post("/admin/popular/blocked", headers=AUTH, json={"query": "library"})
    nothing = {"q": "qzxwvkjh", "via": "widget"}
    assert client.get("/search", query_string=nothing).json["popular"] == []  # not rebuilt
    popular.refresh()
    assert client.get("/search", query_string=nothing).json["popular"] == ["wind farm",
                                                                           "tram line"]
    assert client.get("/popular").json["queries"] == ["wind farm", "tram line"]