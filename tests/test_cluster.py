"""Cluster mode (issue 16): shards as Ray Serve replicas behind the same fan-out interface.

One small local Ray instance serves the whole module (starting Ray takes seconds). The
fan-out is tested against a fake ShardServer (``tests/fake_shards.py``): answers in shard
order, a shard's own error passed through, a replica killed under load with no failed call
and the replica replaced, and a shard with no deployment left failing fast with
ShardUnavailable (the service's 503).
"""
from __future__ import annotations

import threading
import time

import pytest

from index.errors import Deadline, QueryError
from index.fanout import ShardUnavailable

try:
    import index.cluster as cluster
    cluster._ray()
except ImportError as exc:  # pragma: no cover - make test installs requirements-cluster.txt
    pytest.skip(f"ray is not installed ({exc}): make install-cluster", allow_module_level=True)

FAKE = "tests.fake_shards:FakeShardServer"
SHARDS, REPLICAS = 2, 2


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory):
    """A local Ray instance (2 CPUs, no dashboard) for the module; down at the end."""
    index_dir = str(tmp_path_factory.mktemp("cluster-index"))
    started = time.perf_counter()
    cluster.start_local(index_dir)
    print(f"Ray started in {time.perf_counter() - started:.1f} s")
    try:
        yield index_dir
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def fake_shards(ray_cluster):
    """RayShards over 2 fake shards x 2 replicas."""
    started = time.perf_counter()
    shards = cluster.RayShards(ray_cluster, SHARDS, "local", REPLICAS, server=FAKE)
    print(f"deployed in {time.perf_counter() - started:.1f} s")
    yield shards
    shards.close()


def running_replicas(index_dir: str, shard: int) -> int:
    from ray import serve
    app = serve.status().applications.get(cluster.app_name(index_dir, shard))
    return 0 if app is None else app.deployments[f"shard-{shard}"].replica_states.get("RUNNING", 0)


def test_answers_come_back_in_shard_order(fake_shards):
    answers = fake_shards.map("snap-1", "echo", [("a",), ("b",)], Deadline(5))
    assert [a[:3] for a in answers] == [(0, "snap-1", ("a",)), (1, "snap-1", ("b",))]
    started = time.perf_counter()
    for _ in range(50):
        fake_shards.map("snap-1", "echo", [(), ()], Deadline(5))
    print(f"fan-out to 2 shards: {(time.perf_counter() - started) / 50 * 1000:.1f} ms a call")


def test_a_shards_own_error_is_passed_through(fake_shards):
    with pytest.raises(QueryError):
        fake_shards.map("snap-1", "fail", [(), ()], Deadline(5))


def test_a_snapshot_no_replica_can_open_is_a_shard_unavailable(fake_shards):
    started = time.perf_counter()
    with pytest.raises(ShardUnavailable, match="shard 0"):
        fake_shards.map("snap-1", "missing", [(), ()], Deadline(1))
    assert time.perf_counter() - started < 1.5


def test_a_slow_shard_is_unavailable_within_the_deadline(fake_shards):
    started = time.perf_counter()
    with pytest.raises(ShardUnavailable, match="shard 1"):
        fake_shards.map("snap-1", "sleep", [(0,), (3,)], Deadline(0.5))
    assert time.perf_counter() - started < 1.0


def test_a_killed_replica_fails_no_call_and_is_replaced(ray_cluster, fake_shards):
    errors, answered, stop = [], [0], threading.Event()

    def load():  # ~40 calls a second
        while not stop.is_set():
            try:
                fake_shards.map("snap-1", "echo", [(), ()], Deadline(2))
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                errors.append(repr(exc))
            time.sleep(0.025)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        time.sleep(1)
        victims = cluster.replica_actors(ray_cluster, 0)
        assert len(victims) == REPLICAS
        cluster.kill_replica(victims[0])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replaced = set(cluster.replica_actors(ray_cluster, 0)) - set(victims)
            if replaced and running_replicas(ray_cluster, 0) == REPLICAS:
                break
            time.sleep(0.2)
        time.sleep(1)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert answered[0] > 20
    assert victims[0] not in cluster.replica_actors(ray_cluster, 0)
    assert running_replicas(ray_cluster, 0) == REPLICAS


def test_a_shard_without_replicas_fails_fast(ray_cluster, fake_shards):
    from ray import serve
    serve.delete(cluster.app_name(ray_cluster, 1))
    try:
        started = time.perf_counter()
        with pytest.raises(ShardUnavailable, match="shard 1"):
            fake_shards.map("snap-1", "echo", [(), ()], Deadline(2))
        assert time.perf_counter() - started < 2.5
    finally:
        cluster.deploy(ray_cluster, SHARDS, REPLICAS, server=FAKE)
