"""Search analytics under a real ``gunicorn wsgi:app`` with 2 workers, on real articles.

Four client threads send searches (headline words of FakeNewsNet articles, and queries that
find nothing) and click results of them, all at once; then the admin report must count every
search and every click exactly once. A last burst of searches just before a graceful stop
must still reach the database (each worker writes what it holds when it exits).
"""
from __future__ import annotations

import gzip
import json
import random
import re
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter

import pytest

import index
from service.analytics import normalise
from tests.conftest import ADMIN_TOKEN, FAKENEWS, ROOT, need
from tests.servers import Gunicorn, get

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ARTICLES = 400
SEARCHES = 360  # in all, over THREADS threads
THREADS = 4
NOTHING = ("qzxwvkjh", "vvqqzzkx plorbt", "xqjzkv wwqq")


def _titles(path, n):
    titles = []
    with gzip.open(path, "rt", encoding="utf-8") as f, \
            gzip.open(ROOT / "test-artifacts" / "fakenews-head.jsonl.gz", "wt") as out:
        for line, _ in zip(f, range(n)):
            out.write(line)
            words = re.findall(r"[^\W\d_]{4,}", json.loads(line).get("title") or "")
            if len(words) >= 3:
                titles.append(" ".join(words[:3]))
    return titles


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    titles = _titles(need(FAKENEWS), ARTICLES)
    index_dir = tmp_path_factory.mktemp("analytics-index")
    index.rebuild(str(index_dir), [str(ROOT / "test-artifacts" / "fakenews-head.jsonl.gz")])
    db = tmp_path_factory.mktemp("analytics") / "analytics.db"
    g = Gunicorn({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_ADMIN_TOKEN": ADMIN_TOKEN,
                  "SEARCH_ANALYTICS_DB": str(db), "SEARCH_ANALYTICS_EVENTS_RATE": "10000",
                  "SEARCH_ANALYTICS_CLIENT_RATE": "10000"},
                 workers=2, log=ROOT / "test-artifacts" / "gunicorn-analytics.log")
    try:
        g.wait()
        yield g, titles, db
    finally:
        g.stop()


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as res:
        return res.status


def _client(url, queries, expect, lock, errors):
    searched, zero, clicks, clicked = Counter(), Counter(), Counter(), 0
    for n, q in enumerate(queries):
        # as the widget asks, and says when the reader settled on the search
        status, body = get(url + "/search?" + urllib.parse.urlencode({"q": q, "via": "widget"}))
        if status != 200 or "search_id" not in body:
            errors.append((q, status, body))
            continue
        if _post(url + "/events", {"search_id": body["search_id"], "type": "search"}) != 204:
            errors.append((q, "settle"))
        key = normalise(q)
        searched[key] += 1
        zero[key] += body["total"] == 0
        shown = body["results"]
        if shown and n % 3:  # two searches in three get clicks: 1 or 2 distinct positions
            positions = {1 + (n * 7) % len(shown), 1 + (n * 3) % len(shown)}
            for pos in positions:
                status = _post(url + "/events", {"search_id": body["search_id"],
                                                 "id": shown[pos - 1]["id"], "position": pos})
                if status != 204:
                    errors.append((q, status))
            clicks[key] += len(positions)
            clicked += 1
    with lock:
        expect["searched"].update(searched)
        expect["zero"].update(zero)
        expect["clicks"].update(clicks)
        expect["clicked"] += clicked


def _report(url: str) -> dict:
    status, body = get(url + "/admin/analytics?limit=100", AUTH)
    assert status == 200, body
    return body


def test_every_search_and_click_is_counted_once(served):
    server, titles, db = served
    rng = random.Random(14)
    pool = [rng.choice(titles) for _ in range(SEARCHES - 60)] + [rng.choice(NOTHING)
                                                                 for _ in range(60)]
    rng.shuffle(pool)
    expect = {"searched": Counter(), "zero": Counter(), "clicks": Counter(), "clicked": 0}
    lock, errors = threading.Lock(), []
    threads = [threading.Thread(target=_client, args=(server.url, pool[i::THREADS], expect,
                                                      lock, errors)) for i in range(THREADS)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    assert time.monotonic() - started < 120
    total_clicks = sum(expect["clicks"].values())
    assert sum(expect["searched"].values()) == SEARCHES and total_clicks > 100

    deadline = time.monotonic() + 15  # the workers write their batches every half second
    while (report := _report(server.url))["searches"] < SEARCHES or \
            report["clicks"] < total_clicks:
        assert time.monotonic() < deadline, (report["searches"], report["clicks"])
        time.sleep(0.25)
    time.sleep(1.2)  # and nothing is counted twice later
    report = _report(server.url)
    assert report["searches"] == SEARCHES and report["clicks"] == total_clicks
    assert report["zero_result_searches"] == sum(expect["zero"].values()) >= 60
    assert report["searches_with_clicks"] == expect["clicked"]
    assert report["click_through_rate"] == round(expect["clicked"] / SEARCHES, 4)
    top = {q["query"]: q for q in report["top_queries"]}
    for query, n in expect["searched"].most_common(10):
        assert top[query]["searches"] == n and top[query]["clicks"] == expect["clicks"][query]
    zero = {q["query"]: q["searches"] for q in report["top_zero_result_queries"]}
    assert zero == {q: n for q, n in expect["zero"].items() if n}
    assert report["days"][-1]["searches"] == SEARCHES

    # A burst right before a graceful stop: every worker writes what it holds as it exits.
    for i in range(40):
        status, _ = get(server.url + "/search?q=" + urllib.parse.quote(titles[i % len(titles)]))
        assert status == 200
    server.stop()
    conn = sqlite3.connect(db)
    try:
        rows, searches = conn.execute("SELECT COUNT(*), SUM(1 + repeats) FROM searches").fetchone()
        assert searches == SEARCHES + 40
        assert rows < searches  # answers the response cache served again have no row of their own
        assert conn.execute("SELECT COUNT(*) FROM clicks").fetchone()[0] == total_clicks
    finally:
        conn.close()
