"""The replicas of a sharded index on a Ray cluster: plain Ray actors, called directly.

    ShardReplica                      what each replica runs: one ShardServer per shard it holds
    answers(answered)                 the answers of its ``call`` (sent pickled)
    layout(shards, per, local)        the groups of shards one replica process holds
    deploy(index_dir, shards, n)      start ``n`` replicas of every group unless they run
    undeploy(index_dir, shards)       stop the replicas holding those shards
    replica_names(index_dir, shard)   the names of the replicas holding a shard

A replica process holds a group of consecutive shards (``per`` a process; 0, the default:
all of them) and answers a round of the fan-out for all of its shards in one call: a call
costs about 1 ms of CPU (both sides) whatever it carries, so one process holding the 2
shards of ``make cluster`` halves the calls of a search, and holds one Python and one Ray
worker instead of two (~65 MB each). On a cluster of several machines, ``per`` is the
shards one machine should hold. Replica r of the group of shards a..b of index dir D is
the named, detached actor ``search-<digest of D>-shards-<a>-<b>-r<r>`` in the namespace
``search``: every process of the cluster (each gunicorn worker) finds it by name, and it
outlives the process that started it. Ray restarts a replica whose process dies
(``max_restarts=-1``); while it restarts, the fan-out asks the group's other replicas
(``ray_shards.RayShards``). Replicas reserve no CPU (builds' tasks get the cores) and are
spread over the nodes.

A replica opens the live snapshot before it counts as ready, and then follows ``CURRENT``
the way a gunicorn worker does: when a reindex publishes a new snapshot, the replica opens
it within a second, in the background. Opening a shard of FakeNewsNet takes about a second,
longer than many searches' whole budget: without this, the first searches after a deploy, a
restarted replica or a reindex would wait for it and end in 503s.
"""
from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import importlib
import os
import pickle
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from index.cluster import lines
from index.cluster.rounds import ROUNDS, rounds
from index.store.snapshots import SnapshotStore

FOLLOW_EVERY = 1.0  # seconds between looks at CURRENT
NAMESPACE = "search"
CONCURRENCY = 4     # calls a replica runs at once (threads; Whoosh searchers are per thread)
PROJECT = str(Path(__file__).resolve().parents[2])
# Replicas and tasks import this checkout: the same path on every node, like the index.
RUNTIME_ENV = {"env_vars": {"PYTHONPATH": PROJECT}}


class ShardReplica:
    """One replica of a group of shards: a ShardServer per shard, held for the life of the
    actor."""

    def __init__(self, index_dir: str, shards: tuple[int, ...], server: str) -> None:
        module, _, name = server.partition(":")
        kind = getattr(importlib.import_module(module), name)
        self.servers = {k: kind(index_dir, k) for k in shards}
        self.store = SnapshotStore(index_dir)
        self.opened = self._open_current(None)
        self._line: tuple | None = None
        self._line_lock = threading.Lock()
        threading.Thread(target=self._follow, name="follow-current", daemon=True).start()

    def call(self, snapshot_id: str, method: str, asked: list[tuple[int, tuple]]) -> bytes:
        """Answer one round of the fan-out for the shards of ``asked`` ((shard, args) pairs),
        one after the other, in their order; ``rounds``: both rounds of a search, when this
        replica holds every shard. The answers go back pickled (``answers``): a shard's page
        is a dozen small numpy arrays, which Ray would serialize one buffer each (~0.2 ms
        more a call, both sides)."""
        if method == ROUNDS:
            found = rounds(lambda k, m, a: self.servers[k].call(snapshot_id, m, a), asked)
        else:
            found = [self.servers[k].call(snapshot_id, method, args) for k, args in asked]
        return pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)

    def line(self) -> tuple[tuple[str, int], bytes]:
        """Return the address and key of this replica's direct line (``lines``), listening on
        the address Ray knows this node by; opened on the first ask."""
        with self._line_lock:
            if self._line is None:
                import ray  # noqa: PLC0415 - in a replica, under Ray
                self._line = lines.serve(self.call, ray.util.get_node_ip_address())
            return self._line

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
                for server in self.servers.values():
                    server.call(current, "days", ())  # the cheapest call that opens it
                # An open shard is hundreds of thousands of long-lived objects: keep them
                # out of the collector's full scans, as a gunicorn worker does (they are
                # still freed by reference counting when the snapshot is closed).
                gc.freeze()
                return current
        return opened

    def _follow(self) -> None:
        while True:
            time.sleep(FOLLOW_EVERY)
            self.opened = self._open_current(self.opened)

    def __del__(self) -> None:
        for server in getattr(self, "servers", {}).values():  # none if __init__ failed
            with contextlib.suppress(Exception):
                server.close()


def answers(answered: bytes | list) -> list[Any]:
    """Return the answers of a replica's ``call`` (``ShardReplica.call``; a list: a replica
    started by the code before, which sent them as they are)."""
    return pickle.loads(answered) if isinstance(answered, bytes) else answered


def layout(shards: int, per: int = 0, local: int = 0) -> list[tuple[int, ...]]:
    """Return the groups of consecutive shards one replica process holds, ``per`` a group
    (0: one group of all), of the ``shards`` past the first ``local`` (those the calling
    process opens itself, ``ray_shards.RayShards``)."""
    held = shards - local
    if held <= 0:
        return []
    per = per if 0 < per < held else held
    return [tuple(range(a, min(a + per, shards))) for a in range(local, shards, per)]


def _prefix(index_dir: str) -> str:
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    return f"search-{digest}-shards-"


def group_name(index_dir: str, group: tuple[int, ...]) -> str:
    """Return the name (without ``-r<r>``) that the group of shards ``group`` of
    ``index_dir`` has in every process."""
    return f"{_prefix(index_dir)}{group[0]}-{group[-1]}"


def _held(index_dir: str, name: str) -> range | None:
    """Return the shards the replica named ``name`` holds (None: not one of ``index_dir``'s)."""
    prefix = _prefix(index_dir)
    if not name.startswith(prefix):
        return None
    first, _, rest = name[len(prefix):].partition("-")
    last, _, _ = rest.partition("-r")
    return range(int(first), int(last) + 1)


def listed_replicas(ray, index_dir: str) -> list[str]:
    """Return the names of every replica actor of ``index_dir`` (one look at Ray's list)."""
    return sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
                  if a["namespace"] == NAMESPACE and _held(index_dir, a["name"]) is not None)


def group_replicas(ray, index_dir: str, group: tuple[int, ...],
                   listed: list[str] | None = None) -> list[str]:
    """Return the names of the replica actors of ``group`` that exist (running or restarting);
    ``listed``: every replica of ``index_dir`` (``listed_replicas``), when listed already."""
    prefix = group_name(index_dir, group) + "-r"
    return [n for n in (listed if listed is not None else listed_replicas(ray, index_dir))
            if n.startswith(prefix)]


def replica_names(ray, index_dir: str, shard: int) -> list[str]:
    """Return the names of the replica actors holding ``shard`` (in any group)."""
    return [n for n in listed_replicas(ray, index_dir) if shard in _held(index_dir, n)]


def deploy(ray, index_dir: str, shards: int, replicas: int, server: str,
           redeploy: bool = False, per: int = 0, local: int = 0) -> None:
    """Run ``replicas`` replicas of each group of ``per`` shards (``layout``, past the first
    ``local``) of ``index_dir`` unless they already run.

    Several gunicorn workers start at once: a file lock lets the first deploy while the
    others wait, then find the replicas running and only take handles."""
    index_dir = str(Path(index_dir).resolve())
    # The lock lives in the temp dir: the service user may only read the index dir.
    lock_path = Path(tempfile.gettempdir()) / f"{_prefix(index_dir)}deploy.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if redeploy:
            undeploy(ray, index_dir, range(shards))
        actor = ray.remote(ShardReplica)
        started, running = [], set(listed_replicas(ray, index_dir))
        for group in layout(shards, per, local):
            for r in range(replicas):
                name = f"{group_name(index_dir, group)}-r{r}"
                if name in running:
                    continue
                started.append(actor.options(
                    name=name, namespace=NAMESPACE, lifetime="detached", max_restarts=-1,
                    max_task_retries=0, max_concurrency=CONCURRENCY, num_cpus=0,
                    scheduling_strategy="SPREAD", runtime_env=RUNTIME_ENV,
                ).remote(index_dir, group, server))
        # All at once: they start in parallel; ready once each has opened its shards.
        ray.get([a.stats.remote() for a in started])


def undeploy(ray, index_dir: str, shards) -> None:
    """Stop every replica holding any of the shards ``shards`` (numbers) of ``index_dir``
    for good."""
    shards = set(shards)
    for name in listed_replicas(ray, index_dir):
        if shards & set(_held(index_dir, name)):
            with contextlib.suppress(ValueError):  # gone meanwhile
                ray.kill(ray.get_actor(name, namespace=NAMESPACE), no_restart=True)
