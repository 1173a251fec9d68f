"""A snapshot opened after pushes reuses the one before, and answers as a fresh open does.

On an index of real FakeNewsNet articles (two segments, as a 2-process build leaves them),
three push batches are applied one at a time, each as its own incremental snapshot: a new
article with words the archive lacks, a replaced article and a deleted one, and a copy of an
archive article under a new url (a near-duplicate). The live index reopens after each and
keeps what it read of the segments it already had; its answers are then compared with those
of an index opened afresh on the same snapshot: ids, order, scores, totals, facets,
suggestions and typo matches.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil

import pytest

import index
from index import SearchIndex, SearchRequest, SnapshotStore
from corpus.text import document_id
from index.write.indexer import _count
from index.write.neardup import Grouper
from tests.conftest import FAKENEWS, need


def _articles(n: int) -> list[dict]:
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh)]


def _requests(author: str) -> list[SearchRequest]:
    words = ["trump", "kelp forest", "zylophonic", "zylophonik", "zyloph", "hollywod star",
             "brad pitt", "president election", "kardashian baby"]
    out = [SearchRequest(q=w) for w in words]
    out += [SearchRequest(q="trump", authors=(author,)), SearchRequest(q="", kinds=("quote",)),
            SearchRequest(q="president", sort="-date", per_page=20),
            SearchRequest(q="police", langs=("en",), day_from=20170101, day_to=20181231),
            SearchRequest(q="the", kinds=("article",), date_by_month=True, collapse=False)]
    return out


@pytest.fixture(scope="module")
def pushed(fakenews_sample_index, tmp_path_factory):
    """A copy of the FakeNewsNet sample index, reopened after each of three push batches."""
    root = tmp_path_factory.mktemp("reopen") / "index"
    shutil.copytree(fakenews_sample_index, root, copy_function=os.link)
    live = SearchIndex(str(root), cache_size=0)
    live.warm()
    first = _articles(40)
    queue = index.PushQueue(root)
    batches = [
        [{"title": "Zylophonic kelp forest returns to the bay", "url": "https://x.example/kelp",
          "text": "Divers counted zylophonic fish in the kelp forest.\nThe mayor said so.",
          "authors": "['Ann Lee']", "publish_date_iso": "2024-06-01T09:00:00Z"}],
        [{**first[3], "title": f"{first[3]['title']} (updated)"}],
        [{**first[7], "url": "https://x.example/copy-of-7", "canonical_link": None,
          "id": "copy-of-7"}],
    ]
    opened = []
    for docs in batches:
        queue.put(docs)
        index.apply_pushes(str(root))
        snap = live.live.current()
        for req in _requests("Ann Lee")[:3]:
            live.search(req)  # each snapshot is searched before the next one opens
        opened.append(snap)
    queue.delete([live.search(SearchRequest(q=first[11]["title"])).hits[0].document.id])
    index.apply_pushes(str(root))
    opened.append(live.live.current())
    yield root, live, opened
    live.close()


def test_reopen_reads_only_the_new_segments(pushed):
    _, _, opened = pushed
    for snap in opened[:3]:
        assert snap.segments.new, "every push of documents adds a segment"
        assert len(snap.segments.new) < len(snap.segments.parts)
        assert snap._vocabulary is not None and snap._speller is not None  # updated, not lazy
        assert snap._stories is not None
    assert opened[-1].segments.new == []  # a deletion only: every segment is reused


def test_reused_open_answers_as_a_fresh_one(pushed):
    root, live, _ = pushed
    fresh = SearchIndex(str(root), cache_size=0)
    try:
        for req in _requests("Ann Lee"):
            a, b = live.search(req), fresh.search(req)
            assert a.snapshot == b.snapshot
            assert (a.total, a.folded, a.facets, a.suggestion, a.typos, a.not_required) == \
                   (b.total, b.folded, b.facets, b.suggestion, b.typos, b.not_required), req
            assert [(h.document.id, h.score, h.group, h.copies) for h in a.hits] == \
                [(h.document.id, h.score, h.group, h.copies) for h in b.hits], req
        mine, theirs = live.live.current(), fresh.live.current()
        assert (mine.stories().parent == theirs.stories().parent).all()  # quotes → articles
        assert mine.order.tolist() == theirs.order.tolist()
        assert live.search(SearchRequest(q="zylophonic")).total >= 1
        assert live.search(SearchRequest(q="zylophonik")).typos  # the pushed word, as a typo
    finally:
        fresh.close()


def test_counts_and_groups_after_replace_and_delete(pushed):
    root, live, _ = pushed
    from whoosh import index as whoosh_index
    from whoosh.query import Term

    path = SnapshotStore(root).current_path()
    ix = whoosh_index.open_dir(str(path))
    with ix.searcher() as s:
        slow = {k: sum(1 for _ in s.docs_for_query(Term("kind", k))) for k in _count(ix)}
    assert _count(ix) == slow
    copy_id = document_id("https://x.example/copy-of-7", None, "", "")
    original = live.search(SearchRequest(q=_articles(8)[7]["title"], collapse=False)).hits
    original = next(h.document for h in original if h.document.id != copy_id)
    grouper = Grouper.load(path)
    assert grouper.key(copy_id) == grouper.key(original.id)  # the copy joined its group
    assert (path / "neardup.npz").stat().st_nlink > 1  # the build's, shared by hard links
    assert len(list(path.glob("neardup.*.npz"))) >= 3  # one small file per update
