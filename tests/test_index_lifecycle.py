"""Snapshots: atomic rebuilds under concurrent search, failed builds, incremental changes,
rollback, and the writer lock."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import index
from index import IndexBusy, IndexUnavailable, SearchIndex, SearchRequest, SnapshotStore
from tests.conftest import DEMO, ROOT, TEST_DATA

EXTRA = """---
url: https://tests.example.org/{slug}
author: Nora Quist
date: 2024-12-01
lang: en
---
{title}

A dek

The xylophone orchestra of Port Averley played {what} on Friday.
"""


def write_article(folder, slug, title, what="a concert"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.txt"
    path.write_text(EXTRA.format(slug=slug, title=title, what=what), encoding="utf-8")
    return path


@pytest.fixture
def index_dir(tmp_path):
    d = tmp_path / "index"
    index.rebuild(str(d), [str(DEMO)])
    return str(d)


def total(ix, q):
    return ix.search(SearchRequest(q=q, operator="and", typos=False)).total


def test_no_index_is_unavailable(tmp_path):
    with pytest.raises(IndexUnavailable):
        SearchIndex(str(tmp_path / "nothing")).search(SearchRequest(q="x"))


def test_warm_opens_the_snapshot_and_the_speller_before_any_request(index_dir, tmp_path):
    assert SearchIndex(str(tmp_path / "nothing")).warm() is False  # no index yet: no error
    ix = SearchIndex(index_dir)
    assert ix.warm() is True
    snap = ix.live.current()  # already open: warm() opened it
    assert snap._speller is not None and snap.columns.size > 0
    assert ix.search(SearchRequest(q="libary")).suggestion == "library"


def test_searches_never_fail_during_rebuilds(index_dir, tmp_path):
    ix = SearchIndex(index_dir)
    errors, done, answered = [], threading.Event(), [0]

    def hammer():
        while not done.is_set():
            try:
                res = ix.search(SearchRequest(q="wind farm"))
                assert res.total > 0
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - any error fails the test
                errors.append(repr(exc))
            time.sleep(0.005)  # leave the GIL to the build now and then

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for t in threads:
        t.start()
    extra = write_article(tmp_path / "more", "xylo", "Xylophone Night")
    try:
        for paths in ([str(DEMO), str(extra.parent)], [str(DEMO)], [str(DEMO), str(extra.parent)]):
            index.rebuild(index_dir, paths)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert errors == [] and answered[0] > 0
    assert total(ix, "xylophone") == 1  # the last build is visible without reopening


def test_failed_build_leaves_the_old_index_serving(index_dir, tmp_path):
    store = SnapshotStore(index_dir)
    before = store.current()
    ix = SearchIndex(index_dir)
    n = total(ix, "wind")
    with pytest.raises(RuntimeError, match="injected"):
        index.rebuild(index_dir, [str(DEMO)], fail_after=20)
    assert store.current() == before
    assert total(ix, "wind") == n
    assert not [p for p in store.snapshots.iterdir() if p.name.endswith(".building")]


def test_incremental_add_update_delete(index_dir, tmp_path):
    ix = SearchIndex(index_dir)
    folder = tmp_path / "inc"
    write_article(folder, "xylo", "Xylophone Night", what="Bach")
    index.update(index_dir, [str(folder)])
    res = ix.search(SearchRequest(q="xylophone"))
    assert res.total == 1 and "Bach" in ix.document(res.hits[0].document.id).text
    doc_id = res.hits[0].document.id

    write_article(folder, "xylo", "Xylophone Night", what="Mozart")  # same url: same id
    index.update(index_dir, [str(folder)])
    res = ix.search(SearchRequest(q="xylophone"))
    assert res.total == 1 and "Mozart" in ix.document(doc_id).text
    assert total(ix, "bach") == 0

    index.update(index_dir, delete_ids=[doc_id])
    assert total(ix, "xylophone") == 0 and ix.document(doc_id) is None
    assert total(ix, "wind farm") > 0  # the rest is untouched


def test_incremental_update_shares_segment_files_and_leaves_the_old_snapshot_intact(
        index_dir, tmp_path):
    import hashlib

    store = SnapshotStore(index_dir)
    old = store.current_path()
    def digests(folder):
        return {str(f.relative_to(folder)): hashlib.sha1(f.read_bytes()).hexdigest()
                for f in folder.rglob("*") if f.is_file()}

    before = digests(old)
    old_ix = SearchIndex(index_dir)
    old_total = total(old_ix, "wind farm")
    folder = tmp_path / "inc"
    write_article(folder, "share", "Shared Segments Evening", what="Liszt")
    index.update(index_dir, [str(folder)], delete_ids=[old_ix.search(
        SearchRequest(q="wind farm")).hits[0].document.id])
    new = store.current_path()
    assert new != old
    assert digests(old) == before
    shared = [f for f in new.iterdir() if f.name.startswith("MAIN_") and (old / f.name).exists()
              and f.stat().st_ino == (old / f.name).stat().st_ino]
    assert shared  # hard links, not copies
    assert not (new / "meta.json").samefile(old / "meta.json")
    old_ix.close()
    ix = SearchIndex(index_dir)
    assert total(ix, "liszt") == 1 and total(ix, "wind farm") == old_total - 1
    ix.close()


def test_deleting_an_article_deletes_its_quotes(index_dir):
    ix = SearchIndex(index_dir)
    quote = ix.search(SearchRequest(q="Helen Marsh", kinds=("quote",))).hits[0].document
    index.update(index_dir, delete_ids=[quote.article_id])
    assert ix.document(quote.article_id) is None and ix.document(quote.id) is None


def test_rollback(index_dir, tmp_path):
    ix = SearchIndex(index_dir)
    extra = write_article(tmp_path / "more", "xylo", "Xylophone Night")
    index.rebuild(index_dir, [str(DEMO), str(extra.parent)])
    assert total(ix, "xylophone") == 1
    index.rollback(index_dir)
    assert total(ix, "xylophone") == 0
    index.rollback(index_dir)  # and forward again
    assert total(ix, "xylophone") == 1


def test_one_writer_at_a_time(index_dir):
    store = SnapshotStore(index_dir)
    with store.writer_lock():
        with pytest.raises(IndexBusy, match="another reindex is running"):
            index.rebuild(index_dir, [str(TEST_DATA)])


def test_lock_of_a_killed_writer_is_taken_over(index_dir):
    """A writer killed with SIGKILL mid-build leaves no stuck lock and no half-built dir."""
    code = (
        "import sys, time; sys.path.insert(0, %r)\n"
        "import index\n"
        "from corpus import Article\n"
        "def slow():\n"
        "    for i in range(100000):\n"
        "        time.sleep(0.001)\n"
        "        yield Article(id=f'x{i}', title=f'T{i}', body='b')\n"
        "from index.write.indexer import build\n"
        "from index.store.snapshots import SnapshotStore\n"
        "build(SnapshotStore(%r), slow())\n" % (str(ROOT), index_dir)
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    store = SnapshotStore(index_dir)
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".building") for p in store.snapshots.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    before = store.current()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert store.current() == before
    index.rebuild(index_dir, [str(TEST_DATA)])  # takes the lock over, cleans the leftovers
    assert store.current() != before
    assert not any(p.name.endswith(".building") for p in store.snapshots.iterdir())


def test_a_build_that_finds_nothing_never_replaces_the_live_index(index_dir, tmp_path):
    store = SnapshotStore(index_dir)
    before = store.current()
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "bad.txt").write_bytes(b"\x00\x00")
    for paths in ([str(tmp_path / "missing")], [str(tmp_path / "junk")]):
        with pytest.raises(index.EmptyBuild, match="live index is unchanged"):
            index.rebuild(index_dir, paths)
    assert store.current() == before
    assert total(SearchIndex(index_dir), "wind") > 0


def test_a_small_update_keeps_the_vocabulary_a_rebuild_makes_anew(index_dir, tmp_path):
    """A push must not cost every worker a rebuild of the typo vocabulary: it is updated
    with the new words (sharing the table of the one before), a rebuild makes it anew."""
    ix = SearchIndex(index_dir, cache_size=0)
    ix.warm()
    before = ix.live.current().vocabulary()
    write_article(tmp_path / "inc", "xylo", "Xylophone Night")
    index.update(index_dir, [str(tmp_path / "inc")])
    assert ix.search(SearchRequest(q="xylophone")).total == 1
    after = ix.live.current().vocabulary()
    assert after is not before and after._keys is before._keys
    assert after.frequency("xylophon") == 1 and before.frequency("xylophon") == 0
    assert ix.search(SearchRequest(q="xylophonr")).total == 1  # the new word, as a typo
    index.rebuild(index_dir, [str(DEMO)])
    assert ix.search(SearchRequest(q="libary")).total > 0
    assert ix.live.current().vocabulary()._keys is not before._keys
    ix.close()


def test_an_index_written_before_new_fields_still_serves(tmp_path, monkeypatch):
    """An upgrade must not turn the live index into a 503 before the operator reindexes:
    a snapshot whose schema lacks the fields added since (near-duplicate group, speaker)
    opens, searches and counts facets; the new features are empty until a rebuild."""
    import index.write.indexer as indexer
    from index.schema import build_schema

    def older_schema():
        schema = build_schema()
        for name in ("group", "speaker"):
            if name in schema:
                schema.remove(name)
        return schema

    current_document = indexer.to_document

    def older_document(record):
        doc = current_document(record)
        doc.pop("speaker", None)
        return doc

    monkeypatch.setattr(indexer, "build_schema", older_schema)
    monkeypatch.setattr(indexer, "_grouped", lambda doc, record, grouper: doc)
    monkeypatch.setattr(indexer, "to_document", older_document)
    index.rebuild(str(tmp_path / "index"), [str(DEMO)])
    monkeypatch.undo()
    ix = SearchIndex(str(tmp_path / "index"), cache_size=0)
    result = ix.search(SearchRequest(q="wind farm"))
    assert result.total > 0 and result.facets["author"]
    ix.close()
