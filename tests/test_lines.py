"""The replicas' direct lines (``index.cluster.lines``), without Ray: a real socket on
127.0.0.1, the key's challenge, answers, the shard's errors, deadlines, and the pool that
opens a line once the replica's address is in (a stand-in for Ray's handle)."""
from __future__ import annotations

import pickle
import time

import pytest

from index.cluster import lines
from index.errors import Deadline, IndexUnavailable, QueryError


def answer(snapshot_id: str, method: str, asked: list) -> bytes:
    """What ``ShardReplica.call`` does, for a stand-in shard."""
    if method == "fail":
        raise QueryError("the query cannot be run")
    if method == "missing":
        raise IndexUnavailable(f"no snapshot {snapshot_id}")
    if method == "sleep":
        time.sleep(asked[0][1][0])
    return pickle.dumps([(k, snapshot_id, method, args) for k, args in asked])


@pytest.fixture(scope="module")
def served():
    return lines.serve(answer, "127.0.0.1")


def test_a_line_carries_rounds_and_the_shards_errors(served):
    address, key = served
    assert address[0] == "127.0.0.1"
    line = lines.Line.open(address, key)
    big = "x" * 100_000  # over 16 kB: two writes a message (no 40 ms wait, no cut)
    for n in range(3):
        line.send("s1", "query", [(0, (n, big)), (1, ("b",))])
        assert pickle.loads(line.receive(Deadline(5))) == \
            [(0, "s1", "query", (n, big)), (1, "s1", "query", ("b",))]
    line.send("s1", "fail", [(0, ())])
    with pytest.raises(QueryError):
        line.receive(Deadline(5))
    line.send("s1", "missing", [(0, ())])
    with pytest.raises(IndexUnavailable, match="no snapshot s1"):
        line.receive(Deadline(5))
    line.send("s2", "query", [(0, ())])  # the line still works after the errors
    assert pickle.loads(line.receive(Deadline(5))) == [(0, "s2", "query", ())]
    line.close()


def test_a_line_with_an_answer_to_come_is_closed_when_abandoned(served):
    line = lines.Line.open(*served)
    line.send("s1", "query", [(0, ())])
    line.receive(Deadline(5))
    line.abandon()  # its answer read: kept
    assert not line.closed
    line.send("s1", "query", [(0, ())])
    line.abandon()  # its answer unread: it would be the next round's
    assert line.closed


def test_a_line_without_the_key_is_refused_and_others_go_on(served):
    address, key = served
    with pytest.raises(lines.LineBroken):
        lines.Line.open(address, b"not the key" * 3)
    line = lines.Line.open(address, key)
    line.send("s1", "query", [(0, ())])
    assert pickle.loads(line.receive(Deadline(5))) == [(0, "s1", "query", ())]
    line.close()


def test_no_answer_within_the_deadline_closes_the_line(served):
    line = lines.Line.open(*served)
    line.send("s1", "sleep", [(0, (3.0,))])
    started = time.perf_counter()
    assert line.receive(Deadline(0.2)) is None  # not the 3 s the shard takes
    assert time.perf_counter() - started < 2.5 and line.closed
    with pytest.raises(lines.LineBroken):
        line.send("s1", "query", [(0, ())])


def test_nothing_listening_is_a_broken_line(served):
    with pytest.raises(lines.LineBroken):
        lines.Line.open(("127.0.0.1", 1), served[1])


class _Ref:
    def __init__(self, value) -> None:
        self.value = value


class _Ray:
    """Ray's ``wait`` and ``get`` over refs that are ready at once (``ready``) or never."""

    def __init__(self) -> None:
        self.ready = False

    def wait(self, refs, timeout):
        return (refs, []) if self.ready else ([], refs)

    def get(self, ref):
        if isinstance(ref.value, Exception):
            raise ref.value
        return ref.value


class _Handle:
    def __init__(self, value) -> None:
        self.asked = 0
        self.value = value
        self.line = self

    def remote(self):
        self.asked += 1
        return _Ref(self.value)


def test_the_pool_opens_a_line_once_the_address_is_in_and_drops_a_refused_one(served):
    ray = _Ray()
    pool = lines.Lines(ray, down_for=60)
    handle = _Handle(served)
    assert pool.line(handle, "a") is None  # address asked: the round goes through Ray
    ray.ready = True
    line = pool.line(handle, "a")
    assert line is not None and pool.line(handle, "a") is line and handle.asked == 1
    line.send("s1", "query", [(0, ())])
    assert pickle.loads(line.receive(Deadline(5))) == [(0, "s1", "query", ())]
    line.close()  # broken: asked again
    again = pool.line(handle, "a")
    assert again is not None and again is not line and handle.asked == 2
    gone = _Handle(RuntimeError("the actor died"))
    assert pool.line(gone, "b") is None and pool.line(gone, "b") is None
    assert gone.asked == 1  # not asked again for ``down_for`` seconds
    pool.close()
    assert again.closed
