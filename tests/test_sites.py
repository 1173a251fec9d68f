"""Several sites in one service: where a document's site comes from, the site filter and
facet, and widget keys that fix a page's filters whatever it sends."""
from __future__ import annotations

import json
import time

import pytest

import index
from corpus import Article, Summary, extract
from corpus.objects import extract_objects
from service import create_app
from tests.conftest import ADMIN_TOKEN, DEMO, TEST_DATA, SHARED

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
THEME = SHARED / "wordpress-wxr" / "themeunittestdata.wordpress.xml"
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Courier</title>
<link>https://www.Courier.example.net/</link>
<item><title>Ferry timetable changes</title><link>https://courier.example.net/ferry</link>
<description>The winter timetable starts on Monday, the harbour office said.</description></item>
</channel></rss>"""


def articles(paths) -> list[Article]:
    return [r for r in extract([str(p) for p in paths], Summary()) if isinstance(r, Article)]


def test_a_site_from_the_path_the_feed_the_export_and_the_record(tmp_path):
    feed = tmp_path / "courier.rss"
    feed.write_text(FEED, encoding="utf-8")
    lines = tmp_path / "pushed.jsonl"
    lines.write_text(json.dumps({"title": "Tide tables", "body": "High water at six.",
                                 "site": "https://Gazette.example.org/tides"}) + "\n")
    assert {a.site for a in articles([feed])} == {"courier.example.net"}
    assert {a.site for a in articles([lines])} == {"gazette.example.org"}
    assert {a.site for a in articles([f"weekly={feed}"])} == {"weekly"}  # the path's word wins
    records = list(extract([f"gazette={DEMO}"], Summary()))
    assert records and {r.site for r in records} == {"gazette"}  # quotes and bios too
    if THEME.exists():
        assert {a.site for a in articles([THEME])} == {"wpthemetestdata.wordpress.com"}
    pushed, _ = extract_objects([{"title": "Pushed", "body": "Text.", "site": "Courier"}],
                                ["push:1"])
    assert pushed[0].site == "courier"


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-sites")
    index.rebuild(str(folder / "index"), [f"gazette={DEMO}", f"courier={TEST_DATA}"])
    app = create_app({"INDEX_DIR": str(folder / "index"), "ADMIN_TOKEN": ADMIN_TOKEN,
                      "CACHE_SIZE": 64, "RULES_FILE": str(folder / "editor.json")})
    yield app
    app.extensions["search_index"].close()


def test_site_is_a_filter_and_a_facet(two_sites):
    client = two_sites.test_client()
    everything = client.get("/search?per_page=50").json
    sites = {v["value"]: v["count"] for v in everything["facets"]["site"]}
    assert set(sites) == {"gazette", "courier"} and sites["courier"] == 4
    courier = client.get("/search?site=courier&per_page=50&collapse=0").json
    assert courier["total"] == 4 and {r["site"] for r in courier["results"]} == {"courier"}
    assert {v["value"] for v in courier["facets"]["site"]} == {"gazette", "courier"}  # multi
    assert client.get("/search?site=Bad Site").status_code == 400
    doc = client.get(f"/documents/{courier['results'][0]['id']}").json
    assert doc["site"] == "courier"


def make_key(client, **body) -> dict:
    made = client.post("/admin/keys", headers=AUTH, json=body)
    assert made.status_code == 201, made.json
    return made.json


HOSTILE = [{}, {"site": "gazette"}, {"site": ["gazette", "courier"]}, {"site": ""},
           {"kind": ["article", "bio", "quote"]}, {"lang": ["de", "fr", "en"]},
           {"q": "site:gazette"}, {"q": "kind:bio OR kind:article"}, {"q": "lighthouse"},
           {"q": "harbour", "collapse": "0", "per_page": "50"}, {"sort": "date", "page": "2",
                                                                "per_page": "2"},
           {"q": "wind farm", "op": "or", "typos": "0"}, {"group": "0123456789abcdef"},
           {"key": "x", "site": "gazette"}]


def test_a_key_for_one_site_never_returns_another_sites_document(two_sites):
    client = two_sites.test_client()
    key = make_key(client, site="courier", note="the Courier's pages")["key"]
    gazette_doc = client.get("/search?site=gazette").json["results"][0]["id"]
    client.post("/admin/rules", headers=AUTH, json={"query": "lighthouse", "pin": [gazette_doc]})
    for args in HOSTILE:
        res = client.get("/search", query_string={**args, "key": key})
        assert res.status_code == 200, (args, res.json)
        body = res.json
        assert {r["site"] for r in body["results"]} <= {"courier"}, args
        assert {v["value"] for v in body["facets"]["site"]} <= {"courier"}, args
        counted = sum(v["count"] for v in body["facets"]["kind"])
        assert counted <= 4, args
    assert client.get(f"/documents/{gazette_doc}?key={key}").status_code == 404
    assert client.get(f"/documents/{gazette_doc}").status_code == 200
    own = client.get(f"/search?key={key}").json["results"][0]["id"]
    assert client.get(f"/documents/{own}?key={key}").status_code == 200
    related = client.get(f"/documents/{own}/related?key={key}&kind=article&kind=quote").json
    assert all(r["site"] == "courier" for r in related["results"])
    assert client.get(f"/documents/{gazette_doc}/related?key={key}").status_code == 404


def test_a_key_fixes_kind_and_lang_and_the_page_may_only_narrow(two_sites):
    client = two_sites.test_client()
    key = make_key(client, site=["gazette"], kind=["article", "quote"], lang="en")["key"]
    body = client.get("/search", query_string={"key": key, "per_page": 50,
                                               "kind": "bio", "lang": "de"}).json
    assert body["total"] > 0 and {r["kind"] for r in body["results"]} <= {"article", "quote"}
    assert {r["lang"] for r in body["results"]} == {"en"}
    quotes = client.get("/search", query_string={"key": key, "kind": "quote"}).json
    assert quotes["total"] > 0 and {r["kind"] for r in quotes["results"]} == {"quote"}


def test_a_revoked_expired_or_forged_key_gets_401(two_sites):
    client = two_sites.test_client()
    made = make_key(client, site="courier")
    soon = make_key(client, site="courier",
                    expires=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1)))
    assert client.get(f"/search?key={soon['key']}").status_code == 200
    time.sleep(1.1)
    for path in ("/search", "/popular", "/suggest"):
        expired = client.get(path, query_string={"key": soon["key"]})
        assert expired.status_code == 401, path
        assert expired.json["error"] == {"code": "invalid_key",
                                         "message": "this widget key has expired"}
    assert client.get(f"/search?key={made['key']}").status_code == 200
    assert client.delete(f"/admin/keys/{made['id']}", headers=AUTH).status_code == 204
    revoked = client.get(f"/search?key={made['key']}")
    assert revoked.status_code == 401 and "revoked" in revoked.json["error"]["message"]
    head, body, sig = made["key"].split(".")
    widened = body.replace(body[-4:], "AAAA")
    for forged in (f"{head}.{widened}.{sig}", made["key"] + "x", "nsk1..", "x" * 3000):
        res = client.get("/search", query_string={"key": forged})
        assert res.status_code == 401 and res.json["error"]["code"] == "invalid_key"
    listed = {k["id"]: k for k in client.get("/admin/keys", headers=AUTH).json["keys"]}
    assert listed[made["id"]]["revoked"] and not listed[soon["id"]]["revoked"]


def test_bad_keys_requests_are_400(two_sites):
    client = two_sites.test_client()
    for body in ({}, {"site": "a b"}, {"kind": "essay"}, {"lang": "english"},
                 {"site": "x", "expires": "soon"}, {"site": "x", "colour": 1}):
        res = client.post("/admin/keys", headers=AUTH, json=body)
        assert res.status_code == 400, body
    assert client.delete("/admin/keys/nope", headers=AUTH).status_code == 400
    assert client.post("/admin/keys", json={"site": "x"}).status_code == 401
