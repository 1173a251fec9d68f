"""Cluster mode (issue 16): the shards of a sharded index as Ray Serve replicas, behind the API.

One small local Ray instance serves the whole module (starting it takes seconds), with two
sets of deployments: the demo corpus as 2 real shards x 2 replicas, served through a real
gunicorn (``SEARCH_CLUSTER``), and 2 fake shards (``tests/fake_shards.py``) for the
fan-out's error paths. Checked: the cluster answers ``/search`` exactly like the same sharded
index without a cluster; a replica killed under 40 req/s for 60 s fails no request and is
replaced; a shard with no replica left is the documented 503 within the time budget.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from index.errors import Deadline, IndexUnavailable, QueryError
from index.cluster.fanout import ShardUnavailable
from tests.conftest import DEMO, TEST_DATA
from tests.servers import Gunicorn, get

try:
    from index.cluster import ray_shards as cluster
    cluster._ray()
except ImportError as exc:  # pragma: no cover - make test installs requirements-cluster.txt
    pytest.skip(f"ray is not installed ({exc}): make install-cluster", allow_module_level=True)

pytestmark = pytest.mark.server
FAKE = "tests.fake_shards:FakeShardServer"
SHARDS, REPLICAS = 2, 2
BUDGET = 2.0
QUERIES = ["wind farm", "library", "Helen Marsh", "budget", "libary", "tram line",
           "what did the danish prime minister say about iran?", '"wind farm" -cable',
           "Windpark", "logements", "strike"]
CORPUS = [str(DEMO), str(TEST_DATA)]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def ray_index(tmp_path_factory):
    """A local Ray instance, the demo corpus built on it as 2 shards, and 2 replicas of each."""
    import index

    index_dir = str(tmp_path_factory.mktemp("cluster-index"))
    started = time.perf_counter()
    address = cluster.start_local(index_dir)
    print(f"\nRay started in {time.perf_counter() - started:.1f} s")
    try:
        started = time.perf_counter()
        index.rebuild(index_dir, CORPUS, shards=SHARDS, cluster=address, workers=2)
        print(f"built on the cluster in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        cluster.deploy(index_dir, SHARDS, REPLICAS)
        print(f"2 shards x 2 replicas deployed in {time.perf_counter() - started:.1f} s")
        yield index_dir
    finally:
        cluster.stop()


@pytest.mark.parametrize("value", ["somewhere", "10.0.0.5", "http://10.0.0.5:6379/x"])
def test_a_bad_cluster_address_stops_the_service_at_start(value):
    from service import SettingsError, create_app
    with pytest.raises(SettingsError, match="SEARCH_CLUSTER"):
        create_app({"CLUSTER": value})


def test_an_unreachable_cluster_is_unavailable_at_once(tmp_path):
    # ray.init would wait minutes for a head that is not there: past gunicorn's timeout
    ray, _ = cluster._ray()
    started = time.perf_counter()
    with pytest.raises(IndexUnavailable, match="no Ray cluster answers"):
        cluster._init(ray, "127.0.0.1:1", str(tmp_path))
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
    g = serve(ray_index, "cluster-gunicorn.log", SEARCH_CLUSTER=cluster.env_address())
    yield g
    g.stop()


@pytest.fixture(scope="module")
def fake(ray_index, tmp_path_factory):
    """RayShards over 2 fake shards x 2 replicas, in the same Ray instance."""
    index_dir = str(tmp_path_factory.mktemp("fake-index"))
    shards = cluster.RayShards(index_dir, SHARDS, cluster.env_address(), REPLICAS, server=FAKE)
    yield shards
    shards.close()
    cluster.undeploy(index_dir, SHARDS)


def search_url(base: str, q: str, **params) -> str:
    return f"{base}/search?{urlencode({'q': q, **params})}"


def running_replicas(index_dir: str, shard: int) -> int:
    from ray import serve as ray_serve
    app = ray_serve.status().applications.get(cluster.app_name(index_dir, shard))
    return 0 if app is None else app.deployments[f"shard-{shard}"].replica_states.get("RUNNING", 0)


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


def test_a_shards_own_error_is_passed_through(fake):
    assert [a[:3] for a in fake.map("s1", "echo", [("a",), ("b",)], Deadline(5))] == \
        [(0, "s1", ("a",)), (1, "s1", ("b",))]
    with pytest.raises(QueryError):
        fake.map("s1", "fail", [(), ()], Deadline(5))


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


def test_a_killed_replica_under_load_fails_no_request_and_is_replaced(ray_index, on_cluster):
    queries = [q for q in QUERIES if "-" not in q]
    workers, answered, failures = paced_load(
        lambda i: search_url(on_cluster.url, queries[i % len(queries)], page=1 + i % 3),
        rate=40, seconds=60)
    try:
        time.sleep(10)
        victims = cluster.replica_actors(ray_index, 0)
        assert len(victims) == REPLICAS
        cluster.kill_replica(victims[0])
        killed = time.monotonic()
        replaced = None
        while time.monotonic() < killed + 40:
            new = set(cluster.replica_actors(ray_index, 0)) - set(victims)
            if new and running_replicas(ray_index, 0) == REPLICAS:
                replaced = time.monotonic() - killed
                break
            time.sleep(0.25)
    finally:
        for w in workers:
            w.join()
    print(f"\n{answered[0]} requests in 60 s, {len(failures)} failed; "
          f"replica replaced after {replaced} s")
    assert failures == []
    assert answered[0] >= 40 * 60 * 0.95
    assert replaced is not None
    assert running_replicas(ray_index, 0) == REPLICAS


def test_a_shard_without_replicas_is_a_503_within_the_budget(ray_index, on_cluster):
    from ray import serve as ray_serve
    ray_serve.delete(cluster.app_name(ray_index, 1))
    try:
        for q in ("budget", "harbour"):  # each worker's first call after the delete too
            started = time.perf_counter()
            status, body = get(search_url(on_cluster.url, q), timeout=30)
            took = time.perf_counter() - started
            assert status == 503, body
            assert body["error"]["code"] == "index_unavailable"
            assert took < BUDGET + 1.0
    finally:
        cluster.deploy(ray_index, SHARDS, REPLICAS)
