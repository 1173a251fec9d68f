"""Speakers and authors regrouped after a push cost the change, not the archive (issue 21).

``corpus.aliases.Names(counts, before)`` must group exactly as ``Names(counts)`` does, on the
real names of the FakeNewsNet sample: after counts change (the fast path, which neither
reads every name again nor regroups the unchanged ones), after counts that swing a decision
(the single word "Trump", a name that goes on in two ways), and after new names.
"""
from __future__ import annotations

import random

import pytest

import corpus.aliases as aliases
from corpus.aliases import Names
from index import SnapshotStore
from index.store.names import read_names


def _same(a: Names, b: Names) -> None:
    assert a.canonical == b.canonical
    assert a._groups == b._groups
    assert a._named == b._named
    for typed in ("trump", "Kardashian", "Melania", "kim"):
        assert a.find(typed) == b.find(typed), typed


@pytest.fixture(scope="module")
def speakers(fakenews_sample_index) -> dict[str, int]:
    names = read_names(SnapshotStore(fakenews_sample_index).current_path())
    assert names and len(names["speaker"]) > 1000
    return names["speaker"]


def test_changed_counts_regroup_only_what_they_touch(speakers, monkeypatch):
    before = Names(speakers)
    calls = []
    real_key = aliases.name_key
    monkeypatch.setattr(aliases, "name_key", lambda name: calls.append(name) or real_key(name))
    counts = dict(speakers)
    trump = max((n for n in counts if n.endswith("Trump")), key=counts.get)
    counts[trump] += 1
    after = Names(counts, before)
    assert calls == []  # no name read again
    assert after._members is before._members  # the groups were kept, not rebuilt
    _same(after, Names(counts))
    counts["Zylophona Harbourmaster"] = 1  # a new name: only it is read
    calls.clear()
    newer = Names(counts, after)
    assert calls == ["Zylophona Harbourmaster"]
    _same(newer, Names(counts))


def test_counts_that_swing_a_decision(speakers):
    counts = dict(speakers)
    before = Names(counts)
    assert before.canonical.get("Trump") == "Donald Trump"
    counts["Melania Trump"] = 10 * sum(n for name, n in counts.items() if "Donald" in name)
    after = Names(counts, before)  # "Trump" alone no longer goes to Donald Trump
    assert after.canonical["Trump"] != "Donald Trump"
    _same(after, Names(counts))


def test_random_changes_group_as_afresh(speakers):
    rng = random.Random(21)
    names, counts = list(speakers), dict(speakers)
    prev = Names(counts)
    popular = sorted(names, key=counts.get, reverse=True)[:200]  # where decisions are made
    for step in range(60):
        counts = dict(counts)
        for name in rng.sample(popular if step % 2 else names, rng.choice([1, 2, 4])):
            counts[name] = max(0, counts[name] + rng.choice([1, 1, 3, 40, 400, -1, -30]))
        if step % 15 == 14:
            counts[f"Zed Newname{step}"] = 2
        now = Names(counts, prev)
        _same(now, Names(counts))
        prev = now


def test_a_push_reads_only_its_own_segments_names(demo_index, tmp_path, monkeypatch):
    """The writer of a push counts names in the pushed segment only, and writes what a
    count over every segment gives."""
    import json
    import os
    import shutil

    import index
    from index.store import names

    root = tmp_path / "index"
    shutil.copytree(demo_index, root, copy_function=os.link)
    queue = index.PushQueue(root)
    article = {"title": "Harbour vote", "authors": ["Zed Quaywright"],
               "text": "“We will rebuild the docks,” said Mayor Ada Quaywright.\nThe vote was close."}
    queue.put([{**article, "url": "https://x.example/1"}])
    index.apply_pushes(str(root))  # this process now knows every segment of the index
    read, summed = [], []

    class Watched(dict):
        def items(self):
            summed.append(self)
            return super().items()
    for key, part in names._SEGMENTS.items():
        names._SEGMENTS[key] = {name: Watched(part[name]) for name in part}
    real = names._segment_names
    monkeypatch.setattr(names, "_segment_names", lambda leaf: read.append(leaf) or real(leaf))
    for n in (2, 3):
        read.clear()
        queue.put([{**article, "url": f"https://x.example/{n}"}])
        index.apply_pushes(str(root))
        assert len(read) == 1  # the pushed segment, not the archive's
    assert summed == []  # the counts before were taken whole, not summed again
    live = SnapshotStore(root).current_path()
    written = json.loads((live / names.NAMES).read_text(encoding="utf-8"))
    assert written["author"]["Zed Quaywright"] == 6  # three articles and their quotes
    monkeypatch.setattr(names, "_SEGMENTS", {})
    monkeypatch.setattr(names, "_LAST", [(), {}])
    from whoosh import index as whoosh_index
    names.write_names(tmp_path, [whoosh_index.open_dir(str(live))])  # afresh
    assert (tmp_path / names.NAMES).read_text(encoding="utf-8") == \
        (live / names.NAMES).read_text(encoding="utf-8")


def test_the_first_push_after_warming_reads_only_its_own(demo_index, tmp_path, monkeypatch):
    """``warm_pushes`` (the applier, when it starts) reads the live snapshot's grouping and
    names, so that the first push reads neither again."""
    import os
    import shutil

    import index
    from index.store import names
    from index.write import updating
    from index.write.neardup import Grouper

    root = tmp_path / "index"
    shutil.copytree(demo_index, root, copy_function=os.link)
    monkeypatch.setattr(names, "_SEGMENTS", {})
    monkeypatch.setattr(names, "_LAST", [(), {}])
    monkeypatch.setattr(updating, "_groupers", updating._Groupers())
    index.warm_pushes(str(root))
    read, loaded = [], []
    real_names, real_load = names._segment_names, Grouper.load.__func__
    monkeypatch.setattr(names, "_segment_names", lambda leaf: read.append(leaf) or real_names(leaf))
    monkeypatch.setattr(Grouper, "load", classmethod(lambda cls, p: loaded.append(p) or real_load(cls, p)))
    index.PushQueue(root).put([{"title": "Harbour vote", "authors": ["Zed Quaywright"],
                                "url": "https://x.example/w", "text": "The vote was close."}])
    index.apply_pushes(str(root))
    assert (len(read), loaded) == (1, [])


def test_a_merge_keeps_the_grouping_of_people(tmp_path, monkeypatch):
    """Reopened after the applier's merge of pushed segments (every segment id new to it),
    a worker keeps its grouping of speakers and authors: no name is read again, and the
    facets are a fresh open's."""
    from corpus import aliases as corpus_aliases
    from index import SearchIndex, SearchRequest
    from tests.conftest import DEMO

    import index

    root = str(tmp_path / "index")
    index.rebuild(root, [str(DEMO)])
    live = SearchIndex(root, cache_size=0)
    queue = index.PushQueue(root)
    for n in range(12):
        queue.put([{"url": f"https://news.example.org/tide-{n}", "title": f"Tide gauge {n}",
                    "body": f"Gauge {n} read high on Tuesday.", "author": "Ann Lee",
                    "date": f"2024-05-{n + 1:02d}", "lang": "en"}])
        index.apply_pushes(root)
        live.search(SearchRequest(q="tide gauge"))
    calls = []
    real_key = corpus_aliases.name_key
    monkeypatch.setattr(corpus_aliases, "name_key", lambda name: calls.append(name) or real_key(name))
    assert index.merge_segments(root)
    fresh = SearchIndex(root, cache_size=0)
    try:
        request = SearchRequest(q="", per_page=1)
        mine = live.search(request)
        assert calls == []
        assert mine.facets == fresh.search(request).facets
        assert mine.snapshot == SnapshotStore(root).current()
    finally:
        fresh.close()
        live.close()
