"""Editors' rules through a real ``gunicorn wsgi:app`` with 2 workers, on FakeNewsNet articles.

A rule made over the admin API (answered by one worker) must be in force in every worker
within a second (each re-reads the editors' file at most every half second), list its pinned
document first, and stop when its end passes; a hidden document never shows, whatever the
request asks for.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ADMIN_TOKEN, FAKENEWS, need
from tests.servers import gunicorn_over, post, get

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LINES = 300


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules-gunicorn")
    sample = folder / "head.jsonl"
    titles = []
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as src, \
            open(sample, "w", encoding="utf-8") as out:
        for line, _ in zip(src, range(LINES)):
            out.write(line)
            words = re.findall(r"[^\W\d_]{5,}", json.loads(line).get("title") or "")
            if len(words) >= 2:
                titles.append(" ".join(words[:2]).lower())
    settings = {"SEARCH_ADMIN_TOKEN": ADMIN_TOKEN, "SEARCH_RULES_FILE": str(folder / "ed.json"),
                "SEARCH_ANALYTICS_DB": str(folder / "analytics.db")}
    with gunicorn_over(folder / "index", [str(sample)], "gunicorn-rules.log", settings) as g:
        yield g, titles


def search(g, **args) -> dict:
    status, body = get(g.url + "/search?" + urllib.parse.urlencode(args, doseq=True))
    assert status == 200, body
    return body


def ids(body: dict) -> list[str]:
    return [r["id"] for r in body["results"]]


def _query_with_results(g, titles) -> tuple[str, list[str]]:
    for q in titles:
        found = ids(search(g, q=q, per_page=50))
        if len(found) >= 5:
            return q, found
    raise AssertionError("no title query finds 5 documents")


def test_a_pin_reaches_every_worker_within_a_second_and_leaves_at_its_end(served):
    g, titles = served
    q, organic = _query_with_results(g, titles)
    other = next(d for d in ids(search(g, q="president", per_page=50)) if d not in organic)
    end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=4)
    status, made = post(g.url + "/admin/rules", {
        "query": q.upper(), "pin": [other], "hide": [organic[0]],
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ")}, AUTH)
    posted = time.monotonic()
    assert status == 201 and made["missing"] == []
    first_seen = None
    while first_seen is None:
        body = search(g, q=q)
        if ids(body)[0] == other:
            first_seen = time.monotonic() - posted
        assert time.monotonic() - posted < 5, "the pin never showed"
    time.sleep(max(0.0, 1.0 - (time.monotonic() - posted)))
    for _ in range(20):  # a second after the rule: every worker answers with it
        body = search(g, q=q, per_page=50)
        assert ids(body)[0] == other and body["results"][0]["pinned"] is True
        assert organic[0] not in ids(body)
    print(f"\npin first seen {first_seen * 1000:.0f} ms after the rule was stored")
    time.sleep(max(0.0, (end - dt.datetime.now(dt.timezone.utc)).total_seconds() + 0.2))
    for _ in range(20):  # ended: organic results again in every worker
        body = search(g, q=q, per_page=50)
        assert other not in ids(body) and ids(body)[0] == organic[0]
    listed = get(g.url + "/admin/rules", AUTH)[1]["rules"]
    assert [r["state"] for r in listed] == ["ended"]


HOSTILE = [{}, {"per_page": 50}, {"collapse": 0, "per_page": 50}, {"sort": "date"},
           {"sort": "-date", "per_page": 50}, {"page": 2, "per_page": 2}, {"op": "or"},
           {"op": "and"}, {"typos": 0}, {"kind": ["article", "quote", "bio"]},
           {"recency": 1}, {"lang": "en"}, {"date_facet": "month"}]


def test_a_hidden_document_never_shows(served):
    g, titles = served
    q, organic = _query_with_results(g, titles[::-1])
    target = organic[0]
    before = search(g, q=q, collapse=0)["total"]
    status, made = post(g.url + "/admin/rules", {"query": q.split()[0], "match": "word",
                                                 "hide": [target]}, AUTH)
    assert status == 201
    time.sleep(1.0)
    for variant in (q, q.upper(), f"  {q}?  ", f"{q} news", q.split()[0]):
        for args in HOSTILE:
            body = search(g, q=variant, **args)
            assert target not in ids(body), (variant, args)
    assert search(g, q=q, collapse=0)["total"] == before - 1
    req = urllib.request.Request(g.url + f"/admin/rules/{made['rule']['id']}", method="DELETE",
                                 headers=AUTH)
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 204
    time.sleep(1.0)
    assert ids(search(g, q=q))[0] == target
