"""A reindex killed with SIGKILL at several points: the live index keeps serving, no lock
stays stuck, leftovers are cleaned, and the next reindex succeeds.

Each run is a real ``python`` process that rebuilds the index and kills itself (SIGKILL, no
cleanup of any kind) at one point of the build, chosen by patching the function it reaches
at that moment.
"""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest

import index
from index import SearchIndex, SearchRequest, SnapshotStore
from tests.conftest import DEMO, ROOT, TEST_DATA

SCRIPT = """
import os, signal, sys
sys.path.insert(0, {root!r})
import index
from index.store import snapshots
from index.write import fast_segments, segment_batches

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

point = {point!r}
if point == "after-lock":            # early: the lock is held, the build dir just made
    original = snapshots.SnapshotStore.new_building_dir
    def patched(self, *a, **k):
        result = original(self, *a, **k)
        die()
    snapshots.SnapshotStore.new_building_dir = patched
elif point == "mid-write":           # documents half added
    original_add = fast_segments.SegmentBuilder.add
    count = [0]
    def patched(self, fields):
        count[0] += 1
        if count[0] == 60:
            die()
        return original_add(self, fields)
    fast_segments.SegmentBuilder.add = patched
elif point == "during-commit":       # the segment's files written, not yet the index's TOC
    segment_batches.commit = die
elif point == "before-switch":       # complete snapshot on disk, pointer not yet switched
    snapshots.SnapshotStore.publish = lambda self, *a, **k: die()
index.rebuild({index_dir!r}, [{demo!r}, {data!r}])
"""
POINTS = ["after-lock", "mid-write", "during-commit", "before-switch"]


@pytest.fixture
def live(tmp_path):
    index_dir = str(tmp_path / "ix")
    index.rebuild(index_dir, [str(DEMO)])
    return index_dir


@pytest.mark.parametrize("point", POINTS)
def test_killed_reindex_leaves_the_live_index_serving(live, point):
    store = SnapshotStore(live)
    ix = SearchIndex(live)
    before = store.current()
    total = ix.search(SearchRequest(q="wind farm")).total
    code = SCRIPT.format(root=str(ROOT), point=point, index_dir=live, demo=str(DEMO),
                         data=str(TEST_DATA))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]

    assert store.current() == before  # nothing switched
    assert SearchIndex(live).search(SearchRequest(q="wind farm")).total == total
    assert ix.search(SearchRequest(q="zephyrine")).total == 0

    index.rebuild(live, [str(DEMO), str(TEST_DATA)])  # the lock is free, leftovers go
    assert store.current() != before
    assert ix.search(SearchRequest(q="zephyrine")).total > 0
    leftovers = [p.name for p in store.snapshots.iterdir() if p.name.endswith(".building")]
    assert leftovers == []
    assert sorted(p.name for p in store.snapshots.iterdir()) == sorted(
        [store.current(), store.previous()])
