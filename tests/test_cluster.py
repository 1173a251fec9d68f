"""Cluster mode (issues 16, 21): the shards of a sharded index as Ray actor replicas, behind the API.

One small local Ray instance serves the whole module (starting it takes seconds), with two
sets of deployments: the demo corpus as 2 real shards x 2 replicas, served through a real
gunicorn (``SEARCH_CLUSTER``), and 2 fake shards (``tests/fake_shards.py``) for the
fan-out's error paths. Checked: the cluster answers ``/search`` exactly like the same sharded
index without a cluster; a replica killed under 40 req/s for 60 s fails no request and is
replaced; a shard with no replica left is the documented 503 within the time budget; the
local head and its processes listen on 127.0.0.1 only.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from index.errors import Deadline, IndexUnavailable, QueryError
from index.cluster.fanout import ShardUnavailable
from tests.conftest import DEMO, TEST_DATA
from tests.servers import Gunicorn, get

from index.cluster import ray_head, ray_shards as cluster
from index.cluster.ray_replica import NAMESPACE

# Not imported here: Ray must be imported after the loopback head's settings (ray_head._ray).
if importlib.util.find_spec("ray") is None:  # pragma: no cover - make test installs it
    pytest.skip("ray is not installed: make install-cluster", allow_module_level=True)

pytestmark = pytest.mark.server
FAKE = "tests.fake_shards:FakeShardServer"
SHARDS, REPLICAS = 2, 2
IN_WORKER = 1  # SEARCH_SHARDS_IN_WORKER's default: shard 0 in each worker, replicas hold shard 1
BUDGET = 2.0
QUERIES = ["wind farm", "library", "Helen Marsh", "budget", "libary", "tram line",
           "what did the danish prime minister say about iran?", '"wind farm" -cable',
           "Windpark", "logements", "strike"]
CORPUS = [str(DEMO), str(TEST_DATA)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def ray_index(tmp_path_factory):
    """A local Ray instance, the demo corpus built on it as 2 shards, and 2 replicas of shard 1
    (shard 0 is opened in each worker, the service's default)."""
    import index

    index_dir = str(tmp_path_factory.mktemp("cluster-index"))
    started = time.perf_counter()
    address = ray_head.start_local(index_dir)
    print(f"\nRay started in {time.perf_counter() - started:.1f} s")
    try:
        started = time.perf_counter()
        index.rebuild(index_dir, CORPUS, shards=SHARDS, cluster=address, workers=2)
        print(f"built on the cluster in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cluster.deploy(index_dir, SHARDS, REPLICAS, local=IN_WORKER)
        print(f"2 replicas of shard 1 deployed in {time.perf_counter() - started:.1f} s")
        yield index_dir
    finally:
        ray_head.stop()


@pytest.mark.parametrize("value", ["somewhere", "10.0.0.5", "http://10.0.0.5:6379/x"])
def test_a_bad_cluster_address_stops_the_service_at_start(value):
    from service import SettingsError, create_app
    with pytest.raises(SettingsError, match="SEARCH_CLUSTER"):
        create_app({"CLUSTER": value})


def test_replica_processes_hold_groups_of_consecutive_shards():
    from index.cluster.ray_replica import _held, group_name, layout
    assert layout(2) == [(0, 1)] and layout(3, 0) == layout(3, 5) == [(0, 1, 2)]
    assert layout(2, 1) == [(0,), (1,)] and layout(5, 2) == [(0, 1), (2, 3), (4,)]
    # past the shards the worker opens itself (``local``)
    assert layout(2, 0, 1) == [(1,)] and layout(4, 2, 1) == [(1, 2), (3,)] and layout(2, 0, 2) == []
    name = group_name("/srv/index", (2, 3)) + "-r1"
    assert list(_held("/srv/index", name)) == [2, 3]
    assert _held("/srv/other", name) is None  # another index dir's replica


def test_an_unreachable_cluster_is_unavailable_at_once(tmp_path):
    # ray.init would wait minutes for a head that is not there: past gunicorn's timeout
    started = time.perf_counter()
    with pytest.raises(IndexUnavailable, match="no Ray cluster answers"):
        ray_head.connect("127.0.0.1:1", str(tmp_path))
    assert time.perf_counter() - started < 5


def serve(index_dir: str, log: str, **settings: str) -> Gunicorn:
    ARTIFACTS.mkdir(exist_ok=True)
    g = Gunicorn({"SEARCH_INDEX_DIR": index_dir, "SEARCH_CACHE_SIZE": "0",
                  "SEARCH_QUERY_TIME_BUDGET": str(BUDGET), **settings},
                 workers=2, log=ARTIFACTS / log)
    try:
        g.wait()
    except Exception:
        g.stop()
        raise
    return g


@pytest.fixture(scope="module")
def on_cluster(ray_index):
    """gunicorn whose workers send the shards' calls to the cluster."""
    g = serve(ray_index, "cluster-gunicorn.log", SEARCH_CLUSTER=ray_head.env_address())
    yield g
    g.stop()


@pytest.fixture(scope="module")
def fake(ray_index, tmp_path_factory):
    """RayShards over 2 fake shards x 2 replicas, a process a shard, in the same Ray instance."""
    index_dir = str(tmp_path_factory.mktemp("fake-index"))
    shards = cluster.RayShards(index_dir, SHARDS, ray_head.env_address(), REPLICAS, server=FAKE,
                               per=1)
    yield shards
    shards.close()
    cluster.undeploy(index_dir, SHARDS)


@pytest.fixture(scope="module")
def grouped(ray_index, tmp_path_factory):
    """RayShards over 2 fake shards held by the same 2 replica processes (the default)."""
    index_dir = str(tmp_path_factory.mktemp("grouped-index"))
    shards = cluster.RayShards(index_dir, SHARDS, ray_head.env_address(), REPLICAS, server=FAKE)
    yield index_dir, shards
    shards.close()
    cluster.undeploy(index_dir, SHARDS)


def search_url(base: str, q: str, **params) -> str:
    return f"{base}/search?{urlencode({'q': q, **params})}"


def running_replicas(index_dir: str, shard: int) -> int:
    return sum(pid is not None for pid in cluster.replica_pids(index_dir, shard).values())


def descendants(pid: int) -> set[int]:
    """Return ``pid`` and every process below it."""
    table = [tuple(map(int, line.split())) for line in subprocess.run(
        ["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout.splitlines()]
    found, grew = {pid}, True
    while grew:
        below = {p for p, parent in table if parent in found}
        grew, found = not below <= found, found | below
    return found


def test_ray_listens_on_127_0_0_1_only(ray_index):
    head = descendants(os.getpid())
    listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True,
                               check=True).stdout.splitlines()
    ours = [line.split()[3] for line in listening
            if any(f"pid={p}," in line for p in head)]
    assert len(ours) >= 5, listening  # GCS, raylet, agents, replicas
    assert all(local.rpartition(":")[0].strip("[]").removeprefix("::ffff:") == "127.0.0.1"
               for local in ours), ours


def test_the_cluster_answers_like_the_same_shards_without_it(ray_index, on_cluster):
    local = serve(ray_index, "cluster-local-gunicorn.log")
    try:
        for q in QUERIES:
            for params in ({}, {"sort": "-date", "per_page": 3, "page": 2}, {"kind": "quote"}):
                status, there = get(search_url(on_cluster.url, q, **params))
                _, here = get(search_url(local.url, q, **params))
                assert status == 200, there
                there.pop("took_ms"), here.pop("took_ms")
                assert there == here, (q, params)
        assert get(search_url(on_cluster.url, "wind farm"))[1]["total"] > 0
        doc_id = get(search_url(on_cluster.url, "wind farm"))[1]["results"][0]["id"]
        assert get(f"{on_cluster.url}/documents/{doc_id}") == get(f"{local.url}/documents/{doc_id}")
    finally:
        local.stop()


def test_a_build_on_the_cluster_writes_what_one_machine_writes(ray_index, tmp_path):
    import index

    here = str(tmp_path / "local")
    index.rebuild(here, CORPUS, shards=SHARDS)
    there_ix, here_ix = index.SearchIndex(ray_index), index.SearchIndex(here)
    try:
        assert there_ix.health()["counts"] == here_ix.health()["counts"]
        for q in QUERIES:
            for req in (index.SearchRequest(q=q), index.SearchRequest(q=q, sort="date")):
                there, here_result = there_ix.search(req), here_ix.search(req)
                assert (there.total, there.hits, there.facets) == \
                    (here_result.total, here_result.hits, here_result.facets), q
    finally:
        there_ix.close()
        here_ix.close()


def test_a_shard_opened_in_the_worker_answers_alongside_the_replicas(ray_index, tmp_path):
    import index
    from index.request import RelatedRequest

    copy = str(tmp_path / "index")  # its own replicas (named by the index dir), undeployed after
    shutil.copytree(ray_index, copy)
    mixed = cluster.RayShards(copy, SHARDS, ray_head.env_address(), 1, local=1)
    there = index.SearchIndex(copy, cache_size=0, shards_backend=lambda n: mixed)
    here = index.SearchIndex(copy, cache_size=0)
    try:
        assert mixed.groups == [(1,)] and len(mixed.local) == 1 and not mixed.one_call
        assert mixed.shard_pages  # the page's hits made by each shard (``pages.page_hits``)
        assert cluster.replica_actors(copy, 0) == [] and len(cluster.replica_actors(copy, 1)) == 1
        for q in QUERIES:
            for req in (index.SearchRequest(q=q), index.SearchRequest(q=q, kinds=("quote",)),
                        index.SearchRequest(q=q, sort="-date", per_page=3, page=2)):
                assert there.search(req) == here.search(req), (q, req)
        doc_id = here.search(index.SearchRequest(q="wind farm")).hits[0].document.id
        assert there.document(doc_id) == here.document(doc_id)
        assert there.related(RelatedRequest(doc_id)) == here.related(RelatedRequest(doc_id))
    finally:
        there.close()
        here.close()
        cluster.undeploy(copy, SHARDS)


def test_a_shards_own_error_is_passed_through(fake):
    assert [a[:3] for a in fake.map("s1", "echo", [("a",), ("b",)], Deadline(5))] == \
        [(0, "s1", ("a",)), (1, "s1", ("b",))]
    with pytest.raises(QueryError):
        fake.map("s1", "fail", [(), ()], Deadline(5))


def test_an_answer_left_unread_on_a_line_is_never_the_next_rounds(fake):
    for _ in range(3):  # lines open to both processes
        fake.map("s1", "echo", [("a",), ("b",)], Deadline(5))
    assert fake.lines.opened
    for _ in range(3):  # shard 0's error stops the round before shard 1's answer is read
        with pytest.raises(QueryError):
            fake.map("s1", "fail", [(), ()], Deadline(5))
        for _ in range(REPLICAS):  # the next rounds, on each replica in turn
            assert [a[:3] for a in fake.map("s1", "echo", [("c",), ("d",)], Deadline(5))] \
                == [(0, "s1", ("c",)), (1, "s1", ("d",))]


def test_a_snapshot_no_replica_can_open_is_a_shard_unavailable(fake):
    started = time.perf_counter()
    with pytest.raises(ShardUnavailable, match="shard 0"):
        fake.map("s1", "missing", [(), ()], Deadline(1))
    assert time.perf_counter() - started < 1.5


def test_a_slow_shard_is_unavailable_within_the_deadline(fake):
    started = time.perf_counter()
    with pytest.raises(ShardUnavailable, match="shard 1"):
        fake.map("s1", "sleep", [(0,), (3,)], Deadline(0.5))
    assert time.perf_counter() - started < 1.0


def test_the_rounds_go_over_direct_lines_once_open_and_through_ray_without(grouped):
    index_dir, shards = grouped
    for _ in range(3 * REPLICAS):  # the first round to each replica asks for its line
        answers = shards.map("s3", "echo", [("a",), ("b",)], Deadline(5))
        assert [a[:3] for a in answers] == [(0, "s3", ("a",)), (1, "s3", ("b",))]
    opened = shards.lines.opened
    assert len(opened) == REPLICAS and not any(line.closed for line in opened)
    for line in opened:  # the replicas' lines listen where Ray does: 127.0.0.1 only
        with socket.socket(fileno=os.dup(line.conn.fileno())) as sock:
            assert sock.getpeername()[0] == "127.0.0.1"
    with pytest.raises(QueryError):  # the shard's own error, over the line
        shards.map("s3", "fail", [(), ()], Deadline(5))
    by_ray = cluster.RayShards(index_dir, SHARDS, ray_head.env_address(), REPLICAS,
                               server=FAKE, lines=False)
    try:
        for _ in range(2):
            assert [a[:3] for a in by_ray.map("s3", "echo", [("a",), ("b",)], Deadline(5))] \
                == [(0, "s3", ("a",)), (1, "s3", ("b",))]
        assert by_ray.lines is None
    finally:
        by_ray.close()


def test_a_replica_process_answers_all_its_shards_in_one_call(grouped):
    index_dir, shards = grouped
    names = cluster.replica_actors(index_dir, 0)
    assert len(names) == REPLICAS and cluster.replica_actors(index_dir, 1) == names
    for _ in range(REPLICAS):  # each replica in turn: both shards, from one process
        answers = shards.map("s2", "echo", [("a",), ("b",)], Deadline(5))
        assert [a[:3] for a in answers] == [(0, "s2", ("a",)), (1, "s2", ("b",))]
        assert answers[0][3] == answers[1][3]
    with pytest.raises(QueryError):
        shards.map("s2", "fail", [(), ()], Deadline(5))
    started = time.perf_counter()
    with pytest.raises(ShardUnavailable, match="shards 0-1"):
        shards.map("s2", "sleep", [(0,), (3,)], Deadline(0.5))
    assert time.perf_counter() - started < 1.0


def test_a_replica_killed_under_its_open_lines_is_skipped_not_waited_for(grouped):
    """A line that breaks (its replica died) sends the round to the group's other replica,
    not through Ray to the same one: a call to a restarting actor waits for its restart
    (1.5 s and more under load, most of a search's time budget)."""
    index_dir, shards = grouped
    for _ in range(3 * REPLICAS):  # a line open to each replica
        shards.map("s5", "echo", [("a",), ("b",)], Deadline(5))
    assert len([line for line in shards.lines.opened if not line.closed]) == REPLICAS
    before = cluster.replica_pids(index_dir, 0)
    victim, other = sorted(before)
    victim_id = ray_head._ray().get_actor(victim, namespace=NAMESPACE)._actor_id
    asked = []  # the calls sent through Ray, by replica
    shards.replicas = [[Recorded(h, asked) for h in handles] for handles in shards.replicas]
    cluster.kill_replica(victim)
    stop = time.monotonic() + 10
    while time.monotonic() < stop:  # its process gone (this machine's)
        try:
            os.kill(before[victim], 0)
        except ProcessLookupError:
            break
        time.sleep(0.02)
    answered = [shards.map("s5", "echo", [("c",), ("d",)], Deadline(5))
                for _ in range(2 * REPLICAS)]
    assert all([a[:3] for a in answers] == [(0, "s5", ("c",)), (1, "s5", ("d",))]
               for answers in answered)
    assert {a[3] for answers in answered for a in answers} == {before[other]}
    assert victim_id not in asked  # its broken line sent no round to it through Ray


class Recorded:
    """A replica's actor handle that notes each round sent through Ray (``call.remote``)."""

    def __init__(self, handle, asked: list) -> None:
        self.handle, self.asked = handle, asked

    def __getattr__(self, name: str):
        found = getattr(self.handle, name)
        if name != "call":
            return found
        recorded = self

        class Call:
            def remote(self, *args):
                recorded.asked.append(recorded.handle._actor_id)
                return found.remote(*args)
        return Call()


def paced_load(url_of, rate: float, seconds: float, threads: int = 4):
    """Send ``rate`` requests a second for ``seconds`` from ``threads`` threads; return
    (answered, failures) where a failure is any non-200 or an exception."""
    failures, answered, lock = [], [0], threading.Lock()
    start = time.monotonic()

    def run(t: int) -> None:
        i = t
        while True:
            due = start + i / rate
            if due - start >= seconds:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                status, body = get(url_of(i), timeout=10)
                ok = status == 200 and body["total"] > 0
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                ok, body = False, repr(exc)
            with lock:
                answered[0] += 1
                if not ok:
                    failures.append((i, body))
            i += threads

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    return workers, answered, failures


LOAD_SECONDS = 30  # the kill at 10 s; Ray restarts a replica in 1.5-5 s


def test_a_killed_replica_under_load_fails_no_request_and_is_replaced(ray_index, on_cluster):
    queries = [q for q in QUERIES if "-" not in q]
    workers, answered, failures = paced_load(
        lambda i: search_url(on_cluster.url, queries[i % len(queries)], page=1 + i % 3),
        rate=40, seconds=LOAD_SECONDS)
    try:
        time.sleep(10)
        before = cluster.replica_pids(ray_index, 1)  # shard 0 is in the workers
        assert len(before) == REPLICAS and None not in before.values()
        victim = sorted(before)[0]
        cluster.kill_replica(victim)
        killed = time.monotonic()
        replaced = None
        while time.monotonic() < killed + 40:
            now = cluster.replica_pids(ray_index, 1, timeout=0.5)
            if now.get(victim) not in (None, before[victim]) and \
                    running_replicas(ray_index, 1) == REPLICAS:
                replaced = time.monotonic() - killed
                break
            time.sleep(0.25)
    finally:
        for w in workers:
            w.join()
    print(f"\n{answered[0]} requests in {LOAD_SECONDS} s, {len(failures)} failed; "
          f"replica replaced after {replaced} s")
    assert failures == []
    assert answered[0] >= 40 * LOAD_SECONDS * 0.95
    assert replaced is not None
    assert running_replicas(ray_index, 1) == REPLICAS
    assert cluster.replica_actors(ray_index, 0) == []  # no replica of the workers' shard


def test_a_shard_without_replicas_is_a_503_within_the_budget(ray_index, on_cluster):
    pids = [pid for pid in cluster.replica_pids(ray_index, 1).values() if pid is not None]
    cluster.undeploy(ray_index, [1])
    try:
        # Ray kills them after saying they are gone: until then their lines still answer
        gone = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < gone:
            time.sleep(0.05)
        for q in ("budget", "harbour"):  # each worker's first call after the delete too
            started = time.perf_counter()
            status, body = get(search_url(on_cluster.url, q), timeout=30)
            took = time.perf_counter() - started
            assert status == 503, body
            assert body["error"]["code"] == "index_unavailable"
            assert took < BUDGET + 1.0
    finally:
        cluster.deploy(ray_index, SHARDS, REPLICAS, local=IN_WORKER)
