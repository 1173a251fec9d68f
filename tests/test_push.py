"""Push on publish through the test client: queued, applied in a moment, kept by rebuilds."""
from __future__ import annotations

import json
import threading
import time

import pytest

import index
from index import SnapshotStore
from index.write import indexer, updating
from service import applier, applier_jobs, applier_state, create_app, push
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
    app = create_app({"INDEX_DIR": index_dir, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0, "PUSH_INTERVAL": 0,
                      "CORPUS_PATHS": str(DEMO)})
    client = app.test_client()
    yield app, client, index_dir
    app.extensions["search_index"].close()
    applier_state.stop_spawned()


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
    time.sleep(applier.MAX_WAIT_SECONDS + applier.BUSY_RETRY + 1)
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
    app = create_app({"INDEX_DIR": index_dir, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0, "PUSH_INTERVAL": 0})
    client = app.test_client()
    try:
        wait_for(lambda: total(client, "lynx") == 1)  # the first request resumes the queue
    finally:
        app.extensions["search_index"].close()
        applier_state.stop_spawned()


# -- a journal no document can poison (issue 26) ---------------------------------------------
# Every code point str.splitlines() breaks a line at, and the two-character "\r\n".
BREAKS = [c for c in map(chr, range(0x110000)) if len(f"a{c}b".splitlines()) == 2] + ["\r\n"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliett", "kilo", "lima", "mike", "november"]


def breaking_story(n: int, c: str) -> dict:
    word = f"brk{WORDS[n]}"
    return story(f"break-{n}-{c}", f"Breaking{c}news {word} title{c}end", f"{word} {c} body{c}text",
                 dek=f"dek{c}{word}", tags=[f"tag{c}{n}"], author=f"Ann{c}Lee")


def test_the_break_list_is_what_splitlines_breaks_at():
    assert {"\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"} \
        <= set(BREAKS) and len(BREAKS) == 11 <= len(WORDS)


def test_every_line_break_code_point_is_pushed_searched_and_replayed(pushed):
    _, client, index_dir = pushed
    ids = {}
    for n, c in enumerate(BREAKS):  # half as JSON (raw U+2028... in strings), half as JSON Lines
        doc = breaking_story(n, c)
        if n % 2:
            res = client.post("/admin/documents", data=json.dumps(doc, ensure_ascii=False),
                              headers={**AUTH, "Content-Type": "application/x-ndjson"})
        else:
            res = client.post("/admin/documents", json=doc, headers=AUTH)
        assert res.status_code == 202, (repr(c), res.get_json())
        ids[n] = res.get_json()["documents"][0]["id"]
    # a JSON Lines body whose strings hold every break a JSON string may hold raw
    raw = [c for c in BREAKS if c not in "\n\r\r\n"]
    lines = "\n".join(json.dumps(story(f"raw-{i}", f"Rawbreak {c} zulurawbreak", f"x{c}y"),
                                 ensure_ascii=False) for i, c in enumerate(raw))
    assert any(c in lines for c in "\u2028\u2029\x85")
    res = client.post("/admin/documents", data=lines.encode(),
                      headers={**AUTH, "Content-Type": "application/x-ndjson"})
    assert res.status_code == 202 and len(res.get_json()["documents"]) == len(raw)
    # a delete whose id holds a break
    res = client.post("/admin/documents", json={"id": "gone\u2028id", "title": "Gone brkvanish",
                                                "body": "To be deleted."}, headers=AUTH)
    gone = res.get_json()["documents"][0]["id"]
    assert client.delete(f"/admin/documents/{gone}", headers=AUTH).status_code == 202
    assert client.delete("/admin/documents/never\u2028pushed\x85", headers=AUTH).status_code == 202

    def all_there() -> bool:
        return all(total(client, f"brk{WORDS[n]}") == 1 for n in ids) \
            and total(client, "zulurawbreak&collapse=0") == len(raw) and total(client, "brkvanish") == 0
    wait_for(all_there, 30)
    for n, c in enumerate(BREAKS):  # stored (the corpus reader makes breaks in a title spaces)
        assert f"brk{WORDS[n]}" in client.get(f"/documents/{ids[n]}").get_json()["title"]
    # later pushes still apply, nothing was set aside, and the journal is plain ASCII lines
    client.post("/admin/documents", json=story("after", "After the breaks brklater"), headers=AUTH)
    wait_for(lambda: total(client, "brklater") == 1)
    queue = index.PushQueue(index_dir)
    assert queue.stats()["quarantined"] == 0 and queue.stats()["pending"] == 0
    for path in queue.journal():
        path.read_bytes().decode("ascii")
    # a full rebuild replays it all (it once failed with a JSON error here)
    index.rebuild(index_dir, [str(DEMO)])
    assert all_there() and total(client, "brklater") == 1


def test_a_batch_that_cannot_be_read_is_quarantined_and_the_rest_applies(pushed, capfd):
    app, client, index_dir = pushed
    queue = index.PushQueue(index_dir)
    assert client.post("/admin/documents", json=story("one", "First brkgood"), headers=AUTH).status_code == 202
    queue.pending_dir.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns():020d}-1-bad"
    (queue.pending_dir / f"{name}.jsonl").write_bytes(b'{"op": "put", "doc": {"title": "Half\n')
    assert client.post("/admin/documents", json=story("two", "Second brkgood"), headers=AUTH).status_code == 202
    wait_for(lambda: total(client, "brkgood&collapse=0") == 2 and queue.stats()["pending"] == 0)
    status = client.get("/admin/status", headers=AUTH).get_json()["pushes"]
    assert status["quarantined"] == 1 and status["quarantine"][0]["batch"] == name
    assert status["quarantine"][0]["reason"].startswith("line 1: malformed JSON")
    assert (queue.quarantine_dir / f"{name}.jsonl").exists()
    assert f"push batch {name} quarantined" in capfd.readouterr().err  # the applier's log
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "search_push_quarantined_batches 1.0" in metrics
    assert "search_push_pending_batches 0.0" in metrics
    index.rebuild(index_dir, [str(DEMO)])  # a rebuild skips it too
    assert total(client, "brkgood&collapse=0") == 2


def test_a_batch_that_makes_the_writer_fail_is_quarantined(tmp_path, monkeypatch):
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    queue = index.PushQueue(index_dir)
    for title in ("Fine brkfirst", "Poison brkpoison", "Fine brksecond"):
        queue.put([story(title.split()[-1], title)])
    real = updating.to_document

    def to_document(record):
        if "Poison" in getattr(record, "title", ""):
            raise ValueError("this document breaks the writer")
        return real(record)
    monkeypatch.setattr(updating, "to_document", to_document)
    applier_jobs.apply_pending(index_dir)
    stats = queue.stats()
    assert stats["pending"] == 0 and stats["quarantined"] == 1 and stats["applied"] == 2
    _, shown = queue.quarantined()
    assert "ValueError: this document breaks the writer" in shown[0]["reason"]
    ix = index.SearchIndex(index_dir, cache_size=0)
    try:
        assert [ix.search(index.SearchRequest(q=w)).total for w in ("brkfirst", "brkpoison", "brksecond")] == [1, 0, 1]
    finally:
        ix.close()


def test_a_journal_written_without_escapes_is_still_read(tmp_path):
    """Batches written before records were escaped hold U+2028 raw inside strings."""
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    queue = index.PushQueue(index_dir)
    queue.applied_dir.mkdir(parents=True, exist_ok=True)
    op = {"op": "put", "doc": story("old", "Old\u2028style brkoldstyle \x85"), "source": "push:1:1"}
    (queue.applied_dir / f"{time.time_ns():020d}.jsonl").write_text(
        json.dumps(op, ensure_ascii=False) + "\n", encoding="utf-8")
    index.rebuild(index_dir, [str(DEMO)])
    ix = index.SearchIndex(index_dir, cache_size=0)
    try:
        assert ix.search(index.SearchRequest(q="brkoldstyle")).total == 1
    finally:
        ix.close()
    assert queue.stats()["quarantined"] == 0


def test_status_of_a_killed_reindex_is_not_running(pushed):
    import signal
    import subprocess
    import sys
    _, client, index_dir = pushed
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "reindex"])
    from service.reindex import write_status
    write_status(f"{index_dir}/reindex-status.json", state="running", mode="full", pid=proc.pid,
                 started_at=time.time())
    status = client.get("/admin/status", headers=AUTH).get_json()
    assert status["state"] == "running" and status["running"] is True  # started, no lock yet
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    status = client.get("/admin/status", headers=AUTH).get_json()
    assert status["state"] == "failed" and status["running"] is False
    assert "killed" in status["error"]


def test_a_push_is_checked_without_extracting_it_as_extraction_would():
    """identify_objects (in the request) gives the ids, kinds, titles and refusals that
    extract_objects (in the applier) does, without language detection or quotes."""
    import gzip
    import itertools

    from corpus import Article, Bio, extract_objects, identify_objects
    from tests.conftest import FAKENEWS
    docs: list = [story("a", "A"), {"kind": "bio", "author": " Ann Lee ", "text": "Writes."},
                  {"kind": "bio", "author": ""}, {"kind": "quote", "text": "x"}, {"title": ""},
                  {"title": "  Spaced \u2028 title  ", "body": "x"}, [1], "text",
                  {"title": "Given id", "id": "my-id"}, {"title": "Odd id", "id": "odd id!"},
                  {"title": "Long " * 400, "body": "b"}, {"headline": "Other field", "text": "t"}]
    if FAKENEWS.exists():
        with gzip.open(FAKENEWS, "rt", encoding="utf-8") as fh:
            docs += [json.loads(line) for line in itertools.islice(fh, 200)]
    sources = [f"push:{n}" for n in range(1, len(docs) + 1)]
    records, problems = extract_objects(docs, sources)
    heads, refused = identify_objects(docs, sources)
    first: dict = {}
    for r in records:
        if isinstance(r, (Article, Bio)):
            first.setdefault(r.source, (r.id, r.kind, getattr(r, "title", None) or r.author))
    assert {h.source: (h.id, h.kind, h.title) for h in heads} == first
    assert [(p.line, p.code) for p in refused] == [(p.line, p.code) for p in problems]


def test_deep_long_and_over_tagged_pushes(pushed):
    """Issue 26: a body nested 100,000 deep was a 500 (RecursionError); a 1 MB url was kept
    and returned in every hit; tags had no cap."""
    _, client, index_dir = pushed
    for depth in (100_000, 40):
        body = '{"title": "Deep", "body": ' + "[" * depth + "]" * depth + "}"
        for content_type in ("application/json", "application/x-ndjson"):
            res = client.post("/admin/documents", data=body, headers={**AUTH, "Content-Type": content_type})
            assert res.status_code == 400 and "nested" in res.get_json()["error"]["message"], depth
    res = client.post("/admin/documents", json=story("x" * 9000, "Long url"), headers=AUTH)
    assert res.status_code == 400 and "url-too-long" not in res.get_json()["error"]["message"]
    assert "url of 9,0" in res.get_json()["error"]["message"]
    assert index.PushQueue(index_dir).counts()["pending"] == 0
    tags = [f"tag{n}-" + "t" * 300 for n in range(150)]
    res = client.post("/admin/documents", json=story("tagged", "Heavily tagged brktags", tags=tags), headers=AUTH)
    assert res.status_code == 202
    doc_id = res.get_json()["documents"][0]["id"]
    wait_for(lambda: total(client, "brktags") == 1)
    stored = client.get(f"/documents/{doc_id}").get_json()["tags"]
    assert len(stored) == 100 and all(len(t) <= 100 for t in stored)
