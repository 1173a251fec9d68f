"""Search analytics bounded by design (issue 26): rows of a bounded size, response-cache hits
counted without a row, clicks only for search ids the service signed lately, one client
unable to spend the others' click budget, and a size cap past which the oldest rows go."""
from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

from index import SearchRequest, SearchResult
from service import analytics_ids, analytics_schema, analytics_store as store, create_app, rule_uses
from service.analytics import Recorder, record_search
from tests.conftest import ADMIN_TOKEN
from tests.test_analytics import click, report

LONG_AUTHORS = tuple(f"{n:02d}" + "author name " * 16 for n in range(20))  # 20 x ~200 chars


@pytest.fixture
def make_app(demo_index, tmp_path):
    apps = []

    def make(**config):
        app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0,
                          "ANALYTICS_DB": str(tmp_path / "analytics.db"), **config})
        apps.append(app)
        return app, app.test_client()
    yield make
    for app in apps:
        app.extensions["analytics"].close()
        app.extensions["search_index"].close()


def hostile_request(n: int) -> SearchRequest:
    return SearchRequest(q=f"{n} " + "überlange anfrage " * 30, authors=LONG_AUTHORS,
                         kinds=("article", "quote"), langs=("en",), day_from=20200101,
                         day_to=20241231, sort="date")


def test_a_row_is_small_whatever_the_request_held(make_app):
    app, client = make_app()
    res = client.get("/search", query_string=[("q", "wind " + "x" * 490)] +
                     [("author", a) for a in LONG_AUTHORS])
    assert res.status_code == 200
    rec = app.extensions["analytics"]
    with app.test_request_context("/search?via=widget"):
        for n in range(5000):  # unique queries of 500 characters, 20 authors of 200
            result = SearchResult(total=0, page=1, per_page=10, hits=[], snapshot="s",
                                  not_required=["word"] * 40)
            assert record_search(hostile_request(n), result, 12.345)
    rec.flush()
    conn = sqlite3.connect(app.config["ANALYTICS_DB"])
    try:
        query, filters, dropped = conn.execute(
            "SELECT query, filters, words_dropped FROM searches ORDER BY id DESC").fetchone()
        assert len(query.encode()) <= 150 and filters == "afklot" and len(dropped) <= 40
        rows = conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0]
        per_search = store.used_bytes(conn) / rows
    finally:
        conn.close()
    assert rows == 5001 and per_search <= 300, per_search


def test_an_answer_served_again_from_the_cache_has_no_row_of_its_own(make_app):
    app, client = make_app(CACHE_SIZE=100, ANALYTICS_CLIENT_RATE=100)
    answers = [client.get("/search?q=harbour&via=widget").json for _ in range(10)]
    ids = [a["search_id"] for a in answers]
    assert len(set(ids)) == 10  # each answer its own id, for its own settle and clicks
    for sid in ids[:8]:  # eight readers settle on it (two typed on)
        assert settle(client, sid).status_code == 204
    hit = answers[3]["results"][0]["id"]
    assert click(client, ids[3], hit, 1).status_code == 204
    assert click(client, ids[7], hit, 1).status_code == 204  # another reader, same place
    assert click(client, ids[7], hit, 1).status_code == 204  # a retry: once
    app.extensions["analytics"].flush()
    conn = sqlite3.connect(app.config["ANALYTICS_DB"])
    try:
        assert conn.execute("SELECT COUNT(*), SUM(repeats) FROM searches").fetchone() == (1, 9)
    finally:
        conn.close()
    r = report(client)
    assert r["searches"] == 8 and r["unsettled_searches"] == 2
    assert r["clicks"] == 2 and r["searches_with_clicks"] == 2
    assert r["top_queries"][0] == {"query": "harbour", "searches": 8, "zero_result_searches": 0,
                                   "clicks": 2, "click_through_rate": 0.25}


def settle(client, search_id: str):
    return client.post("/events", data=json.dumps({"search_id": search_id, "type": "search"}),
                       content_type="text/plain")


def test_clicks_only_for_ids_the_service_signed_lately(make_app, tmp_path):
    app, client = make_app()
    sid = client.get("/search?q=harbour").json["search_id"]
    rec = app.extensions["analytics"]
    forged = [os.urandom(16).hex(), sid[:16] + "0" * 16, f"{int(sid[:16], 16) + 1:016x}" + sid[16:],
              analytics_ids.Signer(b"another key").sign(int(sid[:16], 16))]
    for bad in forged:
        for res in (click(client, bad, "doc", 1), settle(client, bad)):
            assert res.status_code == 400 and "search_id" in res.json["error"]["message"], bad
    assert click(client, sid, "doc", 1).status_code == 204
    now = rec.clock
    rec.clock = lambda: now() + analytics_ids.CLICK_MAX_AGE + 60  # a day later: too old
    try:
        assert click(client, sid, "doc", 2).status_code == 400
    finally:
        rec.clock = now
    rec.flush()
    conn = sqlite3.connect(app.config["ANALYTICS_DB"])
    try:
        assert conn.execute("SELECT search_id, position FROM clicks").fetchall() == [(int(sid[:16], 16), 1)]
        assert conn.execute("SELECT COUNT(*) FROM settled").fetchone()[0] == 0
    finally:
        conn.close()
    # a second app (another worker) over the same database accepts the first one's ids
    other = Recorder(app.config["ANALYTICS_DB"], days=7)
    try:
        assert other.signer.verify(sid, time.time()) == int(sid[:16], 16)
    finally:
        other.close()


def test_one_client_cannot_spend_the_others_click_budget(make_app):
    app, client = make_app(ANALYTICS_EVENTS_RATE=20, ANALYTICS_CLIENT_RATE=2, PROXY_HOPS=1)
    sid = client.get("/search?q=harbour").json["search_id"]
    flood = [click(client, sid, "doc", n, headers={"X-Forwarded-For": "198.51.100.7"}).status_code
             for n in range(1, 41)]
    assert flood.count(204) <= 5 and flood[-1] == 429  # its own burst of 2 x 2, then 429
    for n, reader in enumerate(("203.0.113.1", "203.0.113.2", "203.0.113.3"), start=100):
        res = click(client, sid, "doc", n, headers={"X-Forwarded-For": reader})
        assert res.status_code == 204, (reader, res.json)


def test_the_database_stays_under_its_cap_oldest_rows_first(tmp_path):
    now = [time.time()]
    rec = Recorder(str(tmp_path / "a.db"), days=90, clock=lambda: now[0], max_mb=1)
    rec._stop.set()  # the test flushes and caps itself
    sizes, first = [], None
    for round_ in range(12):
        for n in range(2000):
            now[0] += 0.001
            row = (int(now[0] * 1000) << 21) + (n % 7 << 7)  # as new_row_id, in this test's time
            first = first or row
            rec.add_search((row, int(now[0]), "2026-01-01", f"query {round_} {n} " + "w" * 100, "a",
                            1, 5, 3.0, "", 0, "widget"))
            if n % 10 == 0:
                rec.add_click((row, 1, "u0123456789abcdef", int(now[0])))
                rec.add_settle((row, int(now[0])))
        rec.flush()
        rec._cap()
        sizes.append((os.path.getsize(tmp_path / "a.db"), os.path.getsize(tmp_path / "a.db-wal")))
    rec.close()
    conn = sqlite3.connect(tmp_path / "a.db")
    try:
        assert store.used_bytes(conn) <= 1024 * 1024
        oldest, newest, kept = conn.execute("SELECT MIN(id), MAX(id), COUNT(*) FROM searches").fetchone()
        assert oldest > first and newest == row and 2000 < kept < 24000  # the newest are kept
        for table in ("clicks", "settled"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table} WHERE search_id < ?",
                                (oldest,)).fetchone()[0] == 0
    finally:
        conn.close()
    # the file stops growing at about the cap plus what is written between two checks (a
    # round here: 2,000 searches, 200 clicks and settles, ~0.35 MB), as freed pages are
    # reused; the WAL beside it is reused too, once it reaches the 1,000 pages of a
    # checkpoint (about 4 MB)
    assert max(db for db, _ in sizes) <= 1.4 * 1024 * 1024, sizes
    assert sizes[-1][0] == sizes[-6][0], sizes  # no growth over the last five rounds
    assert max(wal for _, wal in sizes) <= analytics_schema.WAL_LIMIT_BYTES + 512 * 1024, sizes


FIRST = """
CREATE TABLE searches (id TEXT PRIMARY KEY, ts REAL NOT NULL, day TEXT NOT NULL,
    query TEXT NOT NULL, filters TEXT NOT NULL, page INTEGER NOT NULL,
    results INTEGER NOT NULL, took_ms REAL, words_dropped TEXT, typos_used INTEGER{source});
CREATE TABLE clicks (search_id TEXT NOT NULL, position INTEGER NOT NULL,
    doc_id TEXT NOT NULL, ts REAL NOT NULL, PRIMARY KEY (search_id, position)) WITHOUT ROWID;
CREATE INDEX clicks_ts ON clicks (ts);"""
SETTLED = """
CREATE TABLE settled (search_id TEXT PRIMARY KEY, ts REAL NOT NULL) WITHOUT ROWID;"""
RULE_USES = """
CREATE TABLE rule_uses (search_id TEXT NOT NULL, rule_id TEXT NOT NULL, doc_id TEXT NOT NULL,
    ts REAL NOT NULL, PRIMARY KEY (search_id, rule_id, doc_id)) WITHOUT ROWID;
CREATE INDEX rule_uses_rule ON rule_uses (rule_id, ts);"""
SOURCE = ",\n    source TEXT NOT NULL DEFAULT 'api'"


@pytest.mark.parametrize("layout", ["first", "settled (issue 24)", "rule uses (issue 25)"])
def test_a_database_of_every_earlier_layout_is_converted(tmp_path, demo_index, layout):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    first = layout == "first"
    conn.executescript(FIRST.format(source="" if first else SOURCE)
                       + ("" if first else SETTLED) + (RULE_USES if "rule" in layout else ""))
    ts = time.time()
    day = time.strftime("%Y-%m-%d", time.gmtime(ts))
    for n, q in enumerate(("wind farm", "wind farm", "library")):
        sid = f"{int(ts * 1000) + n:012x}{n:020x}"
        values = (sid, ts, day, q, json.dumps({"author": ["A"]} if n else {}))
        if first:
            conn.execute("INSERT INTO searches VALUES (?, ?, ?, ?, ?, 1, 3, 2.5, '', 0)", values)
        else:
            conn.execute("INSERT INTO searches VALUES (?, ?, ?, ?, ?, 1, 3, 2.5, '', 0, 'widget')",
                         values)
            conn.execute("INSERT INTO settled VALUES (?, ?)", (sid, ts))
        conn.execute("INSERT INTO clicks VALUES (?, 2, 'doc', ?)", (sid, ts))
        if "rule" in layout and n == 0:
            conn.execute("INSERT INTO rule_uses VALUES (?, 'r1', 'doc', ?)", (sid, ts))
    conn.commit()
    conn.close()
    app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN, "ANALYTICS_DB": str(path)})
    try:
        r = report(app.test_client())
        if first:  # no source: api searches, counted apart
            assert r["searches"] == 0 and r["api_searches"] == 3
        else:
            assert r["searches"] == 3 and r["clicks"] == 3 and r["unsettled_searches"] == 0
            assert r["top_queries"][0]["query"] == "wind farm"
            assert r["filters_used"] == [{"filter": "author", "searches": 2}]
        uses = rule_uses.summary(app.extensions["analytics"], ["r1"])["r1"]
        assert uses == ({"days": 30, "searches": 1, "pinned_shown": 1, "pinned_clicks": 1}
                        if "rule" in layout else
                        {"days": 30, "searches": 0, "pinned_shown": 0, "pinned_clicks": 0})
        conn = sqlite3.connect(path)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == analytics_schema.VERSION
            assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_v1'").fetchall()
        finally:
            conn.close()
    finally:
        app.extensions["analytics"].close()
        app.extensions["search_index"].close()
