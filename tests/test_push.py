"""Push on publish through the test client: queued, applied in a moment, kept by rebuilds."""
from __future__ import annotations

import json
import threading
import time

import pytest

import index
from index import SnapshotStore
from index.write import indexer
from service import create_app, push
from tests.conftest import ADMIN_TOKEN, DEMO

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def story(slug: str, title: str, words: str = "", **extra) -> dict:
    return {"url": f"https://news.example.org/{slug}", "title": title, "author": "Ann Lee",
            "date": "2024-05-01", "lang": "en",
            "body": f"{title}. {words} The council met on Tuesday to discuss it.", **extra}


@pytest.fixture
def pushed(tmp_path):
    """An app over a fresh index of the demo corpus (admin on), and a search helper."""
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    app = create_app({"INDEX_DIR": index_dir, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0,
                      "CORPUS_PATHS": str(DEMO)})
    client = app.test_client()
    yield app, client, index_dir
    app.extensions["search_index"].close()


def total(client, q: str) -> int:
    return client.get(f"/search?q={q}").get_json()["total"]


def wait_for(check, timeout: float = 10.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("not within the time limit")


def test_push_one_document_then_delete_it(pushed):
    app, client, _ = pushed
    res = client.post("/admin/documents", json=story("zebra", "Zebra crossing repainted"), headers=AUTH)
    assert res.status_code == 202
    doc = res.get_json()["documents"][0]
    assert doc["kind"] == "article" and doc["title"] == "Zebra crossing repainted"
    wait_for(lambda: total(client, "zebra") == 1)
    assert client.get(f"/documents/{doc['id']}").get_json()["author"] == "Ann Lee"
    assert client.delete(f"/admin/documents/{doc['id']}", headers=AUTH).status_code == 202
    wait_for(lambda: total(client, "zebra") == 0)
    status = client.get("/admin/status", headers=AUTH).get_json()["pushes"]
    assert status["pending"] == 0 and status["applied"] == 2


def test_json_lines_and_arrays_with_quotes_and_delete_by_url(pushed):
    _, client, _ = pushed
    lines = "\n".join(json.dumps(story(f"gull-{n}", f"Gull survey part {n}",
                                       "\u201cThe colony is growing,\u201d said Mayor Helen Marsh."))
                      for n in range(3))
    res = client.post("/admin/documents", data=lines, headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert res.status_code == 202 and len(res.get_json()["documents"]) == 3
    res = client.post("/admin/documents", json=[story("heron", "Heron nest found")], headers=AUTH)
    assert res.status_code == 202
    wait_for(lambda: total(client, "gull") == 3 and total(client, "heron") == 1)
    assert client.get("/search?q=colony&kind=quote").get_json()["total"] == 3
    res = client.delete("/admin/documents?url=https://news.example.org/gull-1", headers=AUTH)
    assert res.status_code == 202
    wait_for(lambda: total(client, "gull") == 2)
    assert client.get("/search?q=colony&kind=quote").get_json()["total"] == 2  # its quotes went too


@pytest.mark.parametrize("body,message", [
    ("", "empty"), ("{bad", "malformed JSON"), ('{"body": "no title here"}', "missing title"),
    ("[1, 2]", "not an object"), ('{"title": "ok", "body": "x"}\n{"title": ""}', "nothing queued")])
def test_bad_pushes_are_refused_whole(pushed, body, message):
    _, client, index_dir = pushed
    res = client.post("/admin/documents", data=body, headers=AUTH)
    assert res.status_code == 400 and message in res.get_json()["error"]["message"]
    assert index.PushQueue(index_dir).counts() == {"pending": 0, "applied": 0}


def test_push_needs_the_token_and_a_bounded_body(pushed, monkeypatch):
    _, client, _ = pushed
    assert client.post("/admin/documents", json=story("a", "A")).status_code == 401
    assert client.delete("/admin/documents/x", headers={"Authorization": "Bearer wrong"}).status_code == 403
    monkeypatch.setattr(push, "MAX_PUSH_BYTES", 1000)
    res = client.post("/admin/documents", json=story("big", "Big", "word " * 400), headers=AUTH)
    assert res.status_code == 413 and set(res.get_json()["error"]) == {"code", "message"}


def test_pushes_survive_a_full_rebuild(pushed):
    _, client, index_dir = pushed
    client.post("/admin/documents", json=story("otter", "Otter returns to the river"), headers=AUTH)
    victim = client.get("/search?q=seagrass&kind=article").get_json()["results"][0]["id"]
    client.delete(f"/admin/documents/{victim}", headers=AUTH)  # a corpus article unpublished
    gone = lambda: client.get(f"/documents/{victim}").status_code == 404  # noqa: E731
    wait_for(lambda: total(client, "otter") == 1 and gone())
    index.rebuild(index_dir, [str(DEMO)])  # from the corpus files, which have neither change
    assert total(client, "otter") == 1 and gone()


def test_a_rebuild_compacts_the_journal_to_the_last_operation_on_each_id(pushed):
    _, client, index_dir = pushed
    queue = index.PushQueue(index_dir)
    for words in ("first draft", "second draft", "final text"):
        assert client.post("/admin/documents", json=story("owl", "Owl census", words),
                           headers=AUTH).status_code == 202
        wait_for(lambda: queue.counts()["pending"] == 0)
    heron = client.post("/admin/documents", json=story("heron", "Heron nest"), headers=AUTH)
    heron_id = heron.get_json()["documents"][0]["id"]
    client.delete(f"/admin/documents/{heron_id}", headers=AUTH)
    wait_for(lambda: queue.counts() == {"pending": 0, "applied": 5})
    index.rebuild(index_dir, [str(DEMO)])
    assert queue.counts() == {"pending": 0, "applied": 1}
    ops = [json.loads(line) for path in queue.journal()
           for line in path.read_text(encoding="utf-8").splitlines()]
    assert [op["op"] for op in ops] == ["put", "delete"] and "final text" in ops[0]["doc"]["body"]
    index.rebuild(index_dir, [str(DEMO)])  # and the compacted journal replays as the batches did
    hits = client.get("/search?q=owl+census").get_json()["results"]
    assert hits[0]["title"] == "Owl census" and "final" in hits[0]["snippet"]
    assert total(client, "heron+nest") == 0 and client.get(f"/documents/{heron_id}").status_code == 404


def test_pushes_during_a_rebuild_survive_it(pushed):
    app, client, index_dir = pushed
    store = SnapshotStore(index_dir)
    reading, release = threading.Event(), threading.Event()

    def corpus():  # a rebuild that holds the lock until released
        from corpus import extract
        for n, record in enumerate(extract([str(DEMO)])):
            if n == 5:
                reading.set()
                release.wait(30)
            yield record

    builder = threading.Thread(target=indexer.build, args=(store, corpus()))
    builder.start()
    assert reading.wait(30)
    res = client.post("/admin/documents", json=story("puffin", "Puffin colony counted"), headers=AUTH)
    assert res.status_code == 202
    time.sleep(push.BATCH_DELAY + push.BUSY_RETRY)
    assert index.PushQueue(index_dir).counts()["pending"] == 1  # held back by the rebuild
    assert total(client, "puffin") == 0 and client.get("/search?q=wind").status_code == 200
    release.set()
    builder.join(60)
    wait_for(lambda: total(client, "puffin") == 1)
    assert index.PushQueue(index_dir).counts()["pending"] == 0


def test_batches_left_pending_by_a_stopped_process_are_applied(tmp_path):
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    index.PushQueue(index_dir).put([story("lynx", "Lynx seen near the quay")])  # then it died
    app = create_app({"INDEX_DIR": index_dir, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0})
    client = app.test_client()
    try:
        wait_for(lambda: total(client, "lynx") == 1)  # the first request resumes the queue
    finally:
        app.extensions["search_index"].close()
