"""Small segments are merged by the tiered merge policy, after pushes, as a snapshot."""
from __future__ import annotations

from whoosh import index as whoosh_index

import index
from index import SearchIndex, SearchRequest, SnapshotStore
from index.write.merging import SegmentSize, TieredMergePolicy, sizes
from index.write.segment_batches import BATCH_DOCS
from tests.conftest import DEMO


def segs(*live: int, deleted: int = 0) -> list[SegmentSize]:
    return [SegmentSize(f"s{i:02d}", n + deleted, n) for i, n in enumerate(live)]


def test_policy_leaves_few_segments_alone_and_merges_a_tier():
    policy = TieredMergePolicy()
    assert policy.find_merge(segs(30_000, 30_000, 3, 4, 2)) == []  # under segs_per_tier
    many = segs(30_000, 30_000, *([3] * 14))
    chosen = policy.find_merge(many)
    assert 2 <= len(chosen) <= policy.max_merge_at_once
    assert not {"s00", "s01"} & set(chosen)  # the build's big segments are left alone


def test_policy_never_merges_a_full_builds_segments():
    """A fast full build of 4x FakeNewsNet leaves 13 segments of BATCH_DOCS and a pushed
    one: none is due (merging two of them held the writer lock, and every push, for minutes);
    a day of small pushes beside them still merges into segments no larger."""
    policy = TieredMergePolicy()
    assert policy.find_merge(segs(*([BATCH_DOCS] * 12), 19_256, 1)) == []
    chosen = policy.find_merge(segs(*([BATCH_DOCS] * 13), *([300] * 40)))
    assert chosen and all(int(sid[1:]) >= 13 for sid in chosen)
    assert sum(300 for _ in chosen) <= BATCH_DOCS


def test_policy_prefers_segments_of_a_size_and_reclaims_deletions():
    policy = TieredMergePolicy(floor_docs=100, segs_per_tier=3, max_merge_at_once=3)
    assert policy.find_merge(segs(400, 50, 50, 50)) == []
    chosen = policy.find_merge(segs(400, *([50] * 12), 9))
    assert len(chosen) == 3 and "s00" not in chosen  # three small ones, not the big one
    assert policy.find_merge(segs(100, 100, deleted=150)) == ["s00", "s01"]


def test_pushes_then_a_merge_keep_every_answer(tmp_path):
    """Twelve pushes leave twelve small segments; a merge folds them, and the live index
    (reusing what it read) answers as a fresh one, before and after."""
    root = str(tmp_path / "index")
    index.rebuild(root, [str(DEMO)])
    live = SearchIndex(root, cache_size=0)
    live.warm()
    queue = index.PushQueue(root)
    for n in range(12):
        queue.put([{"url": f"https://news.example.org/tide-{n}", "title": f"Tide gauge {n} reads high",
                    "body": f"The harbour tide gauge number {n} read high on Tuesday, harbourmaster said.",
                    "author": "Ann Lee", "date": f"2024-05-{n + 1:02d}", "lang": "en"}])
        index.apply_pushes(root)
        live.search(SearchRequest(q="tide gauge"))
    store = SnapshotStore(root)
    before = len(sizes(whoosh_index.open_dir(str(store.current_path()))))
    assert before >= 12
    requests = [SearchRequest(q="tide gauge"), SearchRequest(q="harbourmastr"),
                SearchRequest(q="wind farm", authors=("Ann Lee",)), SearchRequest(q="", sort="-date")]
    expected = [live.search(r) for r in requests]
    merged = index.merge_segments(root)
    assert merged == store.current()
    after = len(sizes(whoosh_index.open_dir(str(store.current_path()))))
    assert after < before
    fresh = SearchIndex(root, cache_size=0)
    try:
        for req, old in zip(requests, expected):
            a, b = live.search(req), fresh.search(req)
            assert a.snapshot == b.snapshot == merged
            assert (a.total, a.facets, a.suggestion, a.typos) == (b.total, b.facets, b.suggestion, b.typos)
            assert [(h.document.id, h.score) for h in a.hits] == [(h.document.id, h.score) for h in b.hits]
            assert {h.document.id for h in a.hits} == {h.document.id for h in old.hits}
            assert a.total == old.total
    finally:
        fresh.close()
        live.close()
    assert index.merge_segments(root) is None  # nothing left to merge
