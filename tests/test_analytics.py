"""Search analytics through the test client: recording, click reports, the admin report.

Each test gets its own database (analytics state must not leak between tests); the index
is the session's demo index (real articles of the demo corpus).
"""
from __future__ import annotations

import base64
import json
import sqlite3
import sys
import threading
import time

import pytest

from service import SettingsError, create_app
from service.analytics import Recorder, normalise
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
NOTHING = "qzxwvkjh"  # matches nothing, with or without typo tolerance


@pytest.fixture
def an_app(demo_index, tmp_path):
    app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0,
                      "ANALYTICS_DB": str(tmp_path / "analytics.db"),
                      "ANALYTICS_EVENTS_RATE": 1000, "ANALYTICS_CLIENT_RATE": 1000})
    yield app
    app.extensions["analytics"].close()
    app.extensions["search_index"].close()


@pytest.fixture
def an(an_app):
    return an_app.test_client()


def click(client, search_id: str, doc_id: str, position: int, **kw):
    body = {"search_id": search_id, "id": doc_id, "position": position}
    return client.post("/events", data=json.dumps(body), content_type="text/plain", **kw)


def settled(client, query: dict) -> dict:
    """Search as the widget does, then settle on it (as after 1.5 s without typing)."""
    body = client.get("/search", query_string={**query, "via": "widget"}).json
    res = client.post("/events", data=json.dumps({"search_id": body["search_id"],
                                                  "type": "search"}), content_type="text/plain")
    assert res.status_code == 204
    return body


def report(client, **params) -> dict:
    res = client.get("/admin/analytics", query_string=params, headers=AUTH)
    assert res.status_code == 200, res.json
    return res.json


def rows(app, table: str) -> list[dict]:
    app.extensions["analytics"].flush()
    conn = sqlite3.connect(app.config["ANALYTICS_DB"])
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table}")]
    finally:
        conn.close()


def test_normalise():
    assert normalise("  Wind \t FARM ") == "wind farm"
    assert normalise("ＷＩＮＤ") == "wind"  # NFKC: full-width letters
    assert len(normalise("x" * 1000)) == 150  # bytes of UTF-8, cut at a character
    assert normalise("é" * 100) == "é" * 75


def test_a_search_is_recorded_with_its_filters_and_nothing_about_the_reader(an, an_app):
    res = an.get("/search?q=+Wind++FARM&kind=article&author=Margaret+Ellison&from=2023",
                 headers={"Cookie": "session=abc", "User-Agent": "Reader/1.0",
                          "X-Forwarded-For": "203.0.113.9"})
    body = res.json
    assert res.status_code == 200 and len(body["search_id"]) == 32
    [row] = rows(an_app, "searches")
    assert row["id"] == int(body["search_id"][:16], 16) and row["query"] == "wind farm"
    assert row["filters"] == "afk"  # author, from, kind: the letters only
    assert row["results"] == body["total"] > 0 and row["page"] == 1
    assert row["day"] == time.strftime("%Y-%m-%d", time.gmtime(row["ts"]))
    assert row["words_dropped"] == "" and row["typos_used"] == 0  # matched as typed
    stored = json.dumps(rows(an_app, "searches"))
    for secret in ("abc", "Reader/1.0", "203.0.113.9", "127.0.0.1"):
        assert secret not in stored


def test_report_counts_searches_zero_results_clicks_and_low_clicks(an, an_app):
    ids = {}
    for q in ("wind farm", "Wind farm", "library", NOTHING, NOTHING, NOTHING):
        body = settled(an, {"q": q, "collapse": "0"})
        ids.setdefault(normalise(q), []).append((body["search_id"], body["results"]))
    an.get("/search", query_string={"q": "library", "page": 2, "per_page": 2, "via": "widget"})
    (wind1, res1), (wind2, _) = ids["wind farm"]
    lib, lib_results = ids["library"][0]
    assert click(an, wind1, res1[0]["id"], 1).status_code == 204
    assert click(an, wind1, res1[0]["id"], 1).status_code == 204  # a retry: counted once
    assert click(an, lib, lib_results[4]["id"], 5).status_code == 204
    assert click(an, lib, lib_results[5]["id"], 6).status_code == 204
    assert click(an, "f" * 32, "nowhere", 2).status_code == 400  # not an id it gave: refused
    r = report(an)
    assert r["searches"] == 6 and r["more_results_pages"] == 1
    assert r["searches_with_dropped_words"] == 0 and r["searches_with_typos"] == 0
    assert r["zero_result_searches"] == 3 and r["zero_result_share"] == 0.5
    assert r["clicks"] == 3 and r["searches_with_clicks"] == 2
    assert r["click_through_rate"] == round(2 / 6, 4) and r["mean_click_position"] == 4.0
    top = {q["query"]: q for q in r["top_queries"]}
    assert [q["query"] for q in r["top_queries"]][:2] == [NOTHING, "wind farm"]
    assert top["wind farm"] == {"query": "wind farm", "searches": 2, "zero_result_searches": 0,
                                "clicks": 1, "click_through_rate": 0.5}
    assert r["top_zero_result_queries"] == [{"query": NOTHING, "searches": 3,
                                             "last_day": r["to"]}]
    assert [q["query"] for q in r["low_click_queries"]] == ["library"]
    assert r["low_click_queries"][0]["mean_position"] == 5.5
    assert r["days"][-1] == {"day": r["to"], "searches": 6, "zero_result_searches": 3,
                             "zero_result_share": 0.5}
    assert len(r["days"]) == 30 and all(d["searches"] == 0 for d in r["days"][:-1])
    assert report(an, limit=1)["top_queries"] == r["top_queries"][:1]


def test_dropped_words_and_typos_are_recorded(an, an_app):
    typo = settled(an, {"q": "libary"})
    relaxed = settled(an, {"q": f"library {NOTHING}"})
    assert typo["typos"] and relaxed["not_required"] == [NOTHING]  # as the engine says
    by_query = {row["query"]: row for row in rows(an_app, "searches")}
    assert by_query["libary"]["typos_used"] == 1 and by_query["libary"]["words_dropped"] == ""
    assert by_query[f"library {NOTHING}"]["words_dropped"] == NOTHING
    assert by_query[f"library {NOTHING}"]["typos_used"] == 0
    r = report(an)
    assert r["searches_with_typos"] == 1 and r["searches_with_dropped_words"] == 1


def test_report_range_is_by_utc_day(an, an_app):
    settled(an, {"q": "harbour"})
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert report(an, **{"from": today, "to": today})["searches"] == 1
    assert report(an, **{"from": "2001-01-01", "to": "2001-12-31"})["searches"] == 0
    assert len(report(an, **{"from": "2001-02", "to": "2001-03"})["days"]) == 59


@pytest.mark.parametrize("params, fragment", [
    ({"from": "2024-13-01"}, "from must be a date"), ({"to": "yesterday"}, "to must be a date"),
    ({"from": "2024-05-02", "to": "2024-05-01"}, "from must not be after to"),
    ({"from": "1990", "to": "2024"}, "at most 3660 days"), ({"limit": "0"}, "limit")])
def test_report_rejects_bad_ranges(an, params, fragment):
    res = an.get("/admin/analytics", query_string=params, headers=AUTH)
    assert res.status_code == 400 and res.json["error"]["code"] == "bad_parameter"
    assert fragment in res.json["error"]["message"]


def test_admin_token_is_required_bearer_or_basic(an):
    for path in ("/admin/analytics", "/admin/analytics.html"):
        res = an.get(path)
        assert res.status_code == 401 and res.json["error"]["code"] == "unauthorized"
        assert res.headers["WWW-Authenticate"].startswith("Basic ")
        assert an.get(path, headers={"Authorization": "Bearer wrong-token-0123456789"}
                      ).status_code == 403
        assert an.get(path, auth=("editor", "wrong")).status_code == 403
        assert an.get(path, auth=("editor", ADMIN_TOKEN)).status_code == 200
        assert an.get(path, headers=AUTH).status_code == 200


def test_events_reject_bad_bodies_with_the_json_error_shape(an):
    sid = an.get("/search?q=library").json["search_id"]
    bad = [b"not json", b"[1]", json.dumps({"search_id": sid, "id": "x"}).encode(),
           json.dumps({"search_id": sid, "id": "x", "position": 0}).encode(),
           json.dumps({"search_id": sid, "id": "x", "position": True}).encode(),
           json.dumps({"search_id": sid, "id": "", "position": 1}).encode(),
           json.dumps({"search_id": "../../etc", "id": "x", "position": 1}).encode(),
           json.dumps({"search_id": sid + "\n", "id": "x", "position": 1}).encode(),
           json.dumps({"search_id": sid, "id": "x", "position": 1, "ip": "1.2.3.4"}).encode(),
           json.dumps({"search_id": sid, "id": "x", "position": 1, "type": "view"}).encode(),
           b"\xff\xfe"]
    for body in bad:
        res = an.post("/events", data=body, content_type="application/json")
        assert res.status_code == 400, body
        assert set(res.json["error"]) == {"code", "message"}
    res = an.post("/events", data=json.dumps({"search_id": sid, "id": "x" * 2000, "position": 1}),
                  content_type="application/json")
    assert res.status_code == 413 and res.json["error"]["code"] == "payload_too_large"
    res = an.post("/events", data="{}", content_type="application/x-www-form-urlencoded")
    assert res.status_code == 400
    assert an.get("/events").status_code == 405
    assert click(an, sid, "x", 1).status_code == 204 and click(an, sid, "x", 1).data == b""


def test_events_are_rate_limited_per_worker(demo_index, tmp_path):
    app = create_app({"INDEX_DIR": demo_index, "ANALYTICS_DB": str(tmp_path / "a.db"),
                      "ANALYTICS_EVENTS_RATE": 3})
    client = app.test_client()
    try:
        sid = client.get("/search?q=library").json["search_id"]
        statuses = [click(client, sid, "x", i).status_code for i in range(1, 11)]
        assert statuses[:6] == [204] * 6 and statuses[-1] == 429  # a burst of 2 x rate
        res = click(client, sid, "x", 20)
        assert res.json["error"]["code"] == "rate_limited"
        time.sleep(0.5)
        assert click(client, sid, "x", 21).status_code == 204  # refilled
        assert len(rows(app, "clicks")) == 7
    finally:
        app.extensions["analytics"].close()
        app.extensions["search_index"].close()


def test_cross_origin_click_reports_follow_cors(an_app, tmp_path):
    client = an_app.test_client()
    sid = client.get("/search?q=library").json["search_id"]
    res = click(client, sid, "x", 1, headers={"Origin": "https://evil.example"})
    assert res.status_code == 403 and res.json["error"]["code"] == "origin_not_allowed"


def test_off_without_a_database(client):
    body = client.get("/search?q=library").json
    assert "search_id" not in body
    assert client.post("/events", data="{}").status_code == 404
    assert client.get("/admin/analytics", headers=AUTH).status_code == 404
    assert "/events" not in client.get("/openapi.json").json["paths"]


def test_openapi_documents_the_routes_when_on(an):
    spec = an.get("/openapi.json").json
    assert {"/events", "/admin/analytics", "/admin/analytics.html"} <= set(spec["paths"])
    search = spec["paths"]["/search"]["get"]["responses"]["200"]["content"]["application/json"]
    assert "search_id" in search["schema"]["properties"]


@pytest.mark.parametrize("name, value", [("ANALYTICS_DAYS", "0"), ("ANALYTICS_DAYS", "x"),
                                         ("ANALYTICS_EVENTS_RATE", "-1")])
def test_bad_settings_stop_the_service(demo_index, name, value):
    with pytest.raises(SettingsError, match=f"SEARCH_{name}"):
        create_app({"INDEX_DIR": demo_index, name: value})


def test_an_unusable_database_stops_the_service(demo_index, tmp_path):
    (tmp_path / "not-a-db").write_bytes(b"\x00garbage" * 1000)
    for path in (tmp_path / "not-a-db", tmp_path / "not-a-db" / "a.db"):
        with pytest.raises(SettingsError, match="SEARCH_ANALYTICS_DB"):
            create_app({"INDEX_DIR": demo_index, "ANALYTICS_DB": str(path)})


def test_a_full_batch_drops_rows_and_counts_them(tmp_path, monkeypatch):
    from service import analytics_batch, metrics

    monkeypatch.setattr(analytics_batch, "MAX_PENDING", 2)
    rec = Recorder(str(tmp_path / "a.db"), days=7)
    before = metrics.ANALYTICS_DROPPED._value.get()
    rec._stop.set()  # no writer thread empties the batch (as when the disk stalls)
    added = [rec.add_click((i << 7, 1, "doc", int(time.time()))) for i in range(3)]
    assert added == [True, True, False] and rec.batch.dropped == 1
    assert metrics.ANALYTICS_DROPPED._value.get() == before + 1
    rec.close()


def test_retention_deletes_old_rows(tmp_path):
    now = [time.time()]
    rec = Recorder(str(tmp_path / "a.db"), days=7, clock=lambda: now[0])
    old = now[0] - 8 * 86400
    a, b = int(old * 1000) << 21, int(now[0] * 1000) << 21  # ids as new_row_id makes them
    rec.add_search((a, int(old), "2000-01-01", "old", "", 1, 3, 1.0, None, None, "widget"))
    rec.add_search((b, int(now[0]), "2000-01-09", "new", "", 1, 3, 1.0, None, None, "api"))
    rec.add_click((a, 1, "doc", int(old)))
    rec.add_settle((a, int(old)))
    rec.flush()
    rec._purge()
    rec.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        assert [r[0] for r in conn.execute("SELECT query FROM searches")] == ["new"]
        assert conn.execute("SELECT COUNT(*) FROM clicks").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM settled").fetchone()[0] == 0
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_page_for_editors(an):
    settled(an, {"q": "<script>alert(1)</script> harbour"})
    settled(an, {"q": NOTHING})
    token = base64.b64encode(f"editor:{ADMIN_TOKEN}".encode()).decode()
    res = an.get("/admin/analytics.html", headers={"Authorization": f"Basic {token}"})
    page = res.get_data(as_text=True)
    assert res.status_code == 200 and res.mimetype == "text/html"
    assert "script-src" not in res.headers["Content-Security-Policy"]  # no script at all
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; harbour" in page
    assert page.count("<rect ") == 30 and 'class="zero-line"' in page and NOTHING in page


def test_rows_added_while_batches_are_written_all_land_once(tmp_path):
    rec = Recorder(str(tmp_path / "a.db"), days=7)
    stop = threading.Event()
    base = int(time.time() * 1000) << 21  # ids as new_row_id gives them (now: kept by retention)

    def add(n: int) -> None:
        for i in range(1500):
            rec.add_search((base + ((n * 1500 + i) << 7), int(time.time()), "2026-01-01", "q", "",
                            1, 1, 1.0, None, None, "widget"))

    def flush() -> None:
        while not stop.is_set():
            rec.flush()  # beside the writer thread's own flushes

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave often: a race shows in most runs
    try:
        flusher = threading.Thread(target=flush)
        flusher.start()
        adders = [threading.Thread(target=add, args=(n,)) for n in range(8)]
        for t in adders:
            t.start()
        for t in adders:
            t.join()
        stop.set()
        flusher.join()
    finally:
        sys.setswitchinterval(switch)
    rec.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        assert conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0] == 8 * 1500
    finally:
        conn.close()


def test_only_settled_widget_searches_count_others_apart(an, an_app):
    """As-you-type requests are stored but not counted; a click settles its search; other
    clients and the admin token are counted apart; popular queries (clicked ones, once the
    list is rebuilt) are offered on nothing."""
    for q in ("z", "ze", "zep", "zeppelin"):  # the widget asking while the reader types
        an.get("/search", query_string={"q": q, "via": "widget"})
    settled(an, {"q": "wind farm"})
    settled(an, {"q": "Wind  farm"})
    clicked = an.get("/search", query_string={"q": "library", "via": "widget"}).json
    assert click(an, clicked["search_id"], clicked["results"][0]["id"], 1).status_code == 204
    an.get("/search", query_string={"q": "harbour"})  # a script: no widget marker
    an.get("/search", query_string={"q": "harbour", "via": "widget"}, headers=AUTH)
    r = report(an)
    assert r["searches"] == 3 and {q["query"] for q in r["top_queries"]} == {"wind farm",
                                                                              "library"}
    assert (r["unsettled_searches"], r["api_searches"], r["admin_searches"]) == (4, 1, 1)
    assert r["clicks"] == 1 and r["zero_result_searches"] == 0
    an_app.extensions["popular"].refresh()
    nothing = an.get("/search", query_string={"q": NOTHING, "via": "widget"}).json
    assert nothing["total"] == 0 and nothing["popular"] == ["library"]
    bad = {"search_id": clicked["search_id"], "type": "search", "position": 1}
    assert an.post("/events", data=json.dumps(bad), content_type="text/plain"
                   ).status_code == 400


def test_page_links_queries_offers_ranges_and_hides_empty_days(an):
    settled(an, {"q": "wind farm"})
    page = an.get("/admin/analytics.html", headers=AUTH).get_data(as_text=True)
    assert '<a href="/demo?nsw-q=wind+farm">wind farm</a>' in page
    for n in (7, 30, 90):
        assert f">Last {n} days</a>" in page
    table = page.split("Searches and zero results by day")[1]
    assert table.count("<tr><td>") == 1  # today only: the 29 empty days are left out
    assert page.count("<rect ") == 30  # the chart keeps every day
