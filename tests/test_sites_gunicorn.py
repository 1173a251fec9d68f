"""Two sites in one service under a real ``gunicorn wsgi:app`` with 2 workers: FakeNewsNet
articles split into "gazette" and "courier" by their corpus paths (``SITE=PATH``). A widget
key for the gazette never returns a courier document whatever the page sends; a revoked key
gets 401 from every worker within a second, an expired one once its time is past."""
from __future__ import annotations

import gzip
import json
import re
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ADMIN_TOKEN, FAKENEWS, need
from tests.servers import Gunicorn, get, post

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LINES = 200  # per site


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import index

    folder = tmp_path_factory.mktemp("sites-gunicorn")
    words: list[str] = []
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as src:
        for name in ("gazette", "courier"):
            with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as out:
                for line, _ in zip(src, range(LINES)):
                    out.write(line)
                    words += re.findall(r"[^\W\d_]{6,}", json.loads(line).get("title") or "")[:2]
    corpus = [f"gazette={folder / 'gazette.jsonl'}", f"courier={folder / 'courier.jsonl'}"]
    index.rebuild(str(folder / "index"), corpus)
    g = Gunicorn({"SEARCH_INDEX_DIR": str(folder / "index"), "SEARCH_ADMIN_TOKEN": ADMIN_TOKEN,
                  "SEARCH_RULES_FILE": str(folder / "editor.json")}, workers=2)
    try:
        g.wait()
        yield g, [w.lower() for w in words]
    finally:
        g.stop()


def search(g, args) -> tuple[int, dict]:
    return get(g.url + "/search?" + urllib.parse.urlencode(args, doseq=True))


def hostile(words: list[str]) -> list[dict]:
    """Requests a page could send to widen its key: other sites, every kind and language,
    field syntax, deep pages, folding off, a group, another key."""
    base = [{"site": "courier"}, {"site": ["courier", "gazette"]}, {"site": ""},
            {"kind": ["article", "bio", "quote"]}, {"lang": ["en", "de", "fr", "es"]},
            {"q": "site:courier"}, {"q": "kind:bio OR kind:quote OR kind:article"},
            {"collapse": "0", "per_page": "50"}, {"sort": "-date", "per_page": "50"},
            {"sort": "date", "page": "3", "per_page": "20"}, {"op": "or"},
            {"group": "0123456789abcdef"}, {"date_facet": "month", "from": "2000"}]
    return base + [{"q": w, "per_page": "50", "site": "courier"} for w in words]


def test_a_gazette_key_never_returns_a_courier_document(served):
    g, words = served
    status, everything = search(g, {"per_page": 1})
    assert {v["value"] for v in everything["facets"]["site"]} == {"gazette", "courier"}
    status, made = post(g.url + "/admin/keys", {"site": "gazette", "note": "gazette pages"},
                        AUTH)
    assert status == 201
    seen = 0
    for args in hostile(words[::4][:60]):
        status, body = search(g, {**args, "key": made["key"]})
        assert status == 200, (args, body)
        assert {r["site"] for r in body["results"]} <= {"gazette"}, args
        assert {v["value"] for v in body["facets"]["site"]} <= {"gazette"}, args
        seen += len(body["results"])
    assert seen > 100  # the key opened its own site's documents
    status, courier = search(g, {"site": "courier"})
    doc = courier["results"][0]["id"]
    assert get(g.url + f"/documents/{doc}?key={made['key']}")[0] == 404


def test_revoked_and_expired_keys_get_401_in_every_worker(served):
    g, _ = served
    status, made = post(g.url + "/admin/keys", {"site": "courier"}, AUTH)
    ends = int(time.time()) + 3
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ends))
    status, soon = post(g.url + "/admin/keys", {"site": "courier", "expires": expires}, AUTH)
    for key in (made["key"], soon["key"]):
        assert all(search(g, {"key": key})[0] == 200 for _ in range(6))
    req = urllib.request.Request(g.url + f"/admin/keys/{made['id']}", method="DELETE",
                                 headers=AUTH)
    with urllib.request.urlopen(req, timeout=10) as res:
        assert res.status == 204
    time.sleep(1.0)  # the editors' file reaches every worker within a second
    for _ in range(10):
        status, body = search(g, {"key": made["key"]})
        assert status == 401 and body["error"]["code"] == "invalid_key"
    time.sleep(max(0.0, ends - time.time() + 0.1))  # past the expiry
    for _ in range(10):
        status, body = search(g, {"key": soon["key"]})
        assert status == 401 and body["error"]["message"] == "this widget key has expired"
