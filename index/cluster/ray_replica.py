"""The replicas of a shard on a Ray cluster: plain Ray actors, called directly.

    ShardReplica                      what each replica runs: one ShardServer
    deploy(index_dir, shards, n)      start ``n`` replicas of every shard unless they run
    undeploy(index_dir, shards)       stop them
    replica_names(index_dir, shard)   the names of a shard's replicas (its handles' keys)

Replica r of shard k of index dir D is the named, detached actor ``search-<digest of D>-
shard-<k>-r<r>`` in the namespace ``search``: every process of the cluster (each gunicorn
worker) finds it by name, and it outlives the process that started it. Ray restarts a
replica whose process dies (``max_restarts=-1``); while it restarts, the fan-out asks the
shard's other replicas (``ray_shards.RayShards``). Replicas reserve no CPU (builds' tasks
get the cores) and are spread over the nodes.

A replica opens the live snapshot before it counts as ready, and then follows ``CURRENT``
the way a gunicorn worker does: when a reindex publishes a new snapshot, the replica opens
it within a second, in the background. Opening a shard of FakeNewsNet takes about a second,
longer than many searches' whole budget: without this, the first searches after a deploy, a
restarted replica or a reindex would wait for it and end in 503s.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from index.store.snapshots import SnapshotStore

FOLLOW_EVERY = 1.0  # seconds between looks at CURRENT
NAMESPACE = "search"
CONCURRENCY = 4     # calls a replica runs at once (threads; Whoosh searchers are per thread)
PROJECT = str(Path(__file__).resolve().parents[2])
# Replicas and tasks import this checkout: the same path on every node, like the index.
RUNTIME_ENV = {"env_vars": {"PYTHONPATH": PROJECT}}


class ShardReplica:
    """One replica of a shard: a ShardServer held for the life of the actor."""

    def __init__(self, index_dir: str, shard: int, server: str) -> None:
        module, _, name = server.partition(":")
        self.server = getattr(importlib.import_module(module), name)(index_dir, shard)
        self.store = SnapshotStore(index_dir)
        self.opened = self._open_current(None)
        threading.Thread(target=self._follow, name="follow-current", daemon=True).start()

    def call(self, snapshot_id: str, method: str, args: tuple) -> Any:
        """Answer one call of the fan-out."""
        return self.server.call(snapshot_id, method, args)

    def stats(self) -> dict[str, int | float]:
        """Return this replica's pid, memory (kB) and CPU seconds: what a benchmark weighs."""
        mem = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                   .splitlines() if line.startswith(("VmRSS", "VmHWM")))
        cpu = os.times()
        return {"pid": os.getpid(), "cpu_s": cpu.user + cpu.system,
                **{k: int(v.split()[0]) for k, v in mem.items()}}

    def _open_current(self, opened: str | None) -> str | None:
        """Open the snapshot CURRENT names if it is new; return the one open now."""
        with contextlib.suppress(Exception):  # none yet, not sharded, or half gone: next time
            current = self.store.current()
            if current and current != opened:
                self.server.call(current, "days", ())  # the cheapest call that opens it
                return current
        return opened

    def _follow(self) -> None:
        while True:
            time.sleep(FOLLOW_EVERY)
            self.opened = self._open_current(self.opened)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.server.close()


def shard_name(index_dir: str, shard: int) -> str:
    """Return the name that shard ``shard`` of ``index_dir`` has in every process."""
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    return f"search-{digest}-shard-{shard}"


def replica_names(ray, index_dir: str, shard: int) -> list[str]:
    """Return the names of the replica actors of ``shard`` that exist (running or restarting)."""
    prefix = shard_name(index_dir, shard) + "-r"
    return sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
                  if a["namespace"] == NAMESPACE and a["name"].startswith(prefix))


def deploy(ray, index_dir: str, shards: int, replicas: int, server: str,
           redeploy: bool = False) -> None:
    """Run ``replicas`` replicas of each shard of ``index_dir`` unless they already run.

    Several gunicorn workers start at once: a file lock lets the first deploy while the
    others wait, then find the replicas running and only take handles."""
    index_dir = str(Path(index_dir).resolve())
    # The lock lives in the temp dir: the service user may only read the index dir.
    lock_path = Path(tempfile.gettempdir()) / f"{shard_name(index_dir, 0)[:-8]}-deploy.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if redeploy:
            undeploy(ray, index_dir, range(shards))
        actor = ray.remote(ShardReplica)
        started = []
        for k in range(shards):
            running = set(replica_names(ray, index_dir, k))
            for r in range(replicas):
                name = f"{shard_name(index_dir, k)}-r{r}"
                if name in running:
                    continue
                started.append(actor.options(
                    name=name, namespace=NAMESPACE, lifetime="detached", max_restarts=-1,
                    max_task_retries=0, max_concurrency=CONCURRENCY, num_cpus=0,
                    scheduling_strategy="SPREAD", runtime_env=RUNTIME_ENV,
                ).remote(index_dir, k, server))
        # All at once: they start in parallel; ready once each has opened its shard.
        ray.get([a.stats.remote() for a in started])


def undeploy(ray, index_dir: str, shards) -> None:
    """Stop every replica of the shards ``shards`` (numbers) of ``index_dir`` for good."""
    for k in shards:
        for name in replica_names(ray, index_dir, k):
            with contextlib.suppress(ValueError):  # gone meanwhile
                ray.kill(ray.get_actor(name, namespace=NAMESPACE), no_restart=True)
