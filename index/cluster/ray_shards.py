"""Cluster mode: every shard of a sharded snapshot served by replicas on a Ray cluster.

    connect(address, index_dir)        join a Ray cluster ("local": this machine's)
    start_local(index_dir, host=...)   start a small Ray head in this process, bound to host
    deploy(index_dir, shards, ...)     ``replicas`` actors per shard (``ray_replica``)
    RayShards(index_dir, shards, ...)  fanout.Shards over those actors (what search calls)
    stop()                             Ray down (the head this process started, if any)

The fan-out calls the replicas as plain Ray actors: a call goes from this process to the
replica's process directly (about 1 ms here), where a Ray Serve handle went through its
router and cost ~5 ms of CPU a call. Each search asks one replica of every shard at once,
taking the shard's replicas in turn; a replica that fails (dead, restarting) is replaced in
the call by the shard's next one, until the query's deadline, and skipped for ``DOWN_FOR``
seconds; a shard none of whose replicas can answer is a ``ShardUnavailable`` (503).
Each replica opens ``snapshots/<id>/shard-<k>`` of the index dir itself: the index dir and
this checkout must be paths every node sees (a shared filesystem).

Where Ray listens: a head started here (``make cluster``) is bound to ``host``, 127.0.0.1
unless the operator says otherwise. On 127.0.0.1 every Ray process of the machine (GCS,
raylet, agents, workers) listens on 127.0.0.1 only: Ray does so when
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (its single-machine mode, read when ray is
imported), which this module sets before importing ray for such a head and for every
process that joins it, with Ray's token authentication. On any other address Ray's servers
listen on all interfaces: a firewall must keep them to the cluster's nodes (README,
"Running on a cluster").

``ray`` is imported here only (and by ``ray_build``, through ``_ray``), lazily.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from index.cluster import ray_replica
from index.cluster.fanout import ShardUnavailable
from index.cluster.ray_replica import NAMESPACE, RUNTIME_ENV
from index.errors import Deadline, IndexUnavailable

SERVER = "index.cluster.shard_server:ShardServer"  # what a replica holds; tests name a fake instead
ADDRESS_FILE = "ray-address"         # in the index dir: the head the cluster command started
RAY_CPUS = 2                         # a local head: this machine is shared, keep Ray small
OBJECT_STORE = 100 * 1024 * 1024     # answers are small and inlined: the store holds little
RETRY_PAUSE = 0.02                   # seconds before asking a restarting shard again
DOWN_FOR = 10.0                      # seconds a failed replica is not asked (Ray restarts it)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SINGLE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray binds 127.0.0.1 only


def _ray(address: str | None = None):
    """Import ray quietly (its dependencies warn at import, which the tests turn into
    errors); joining or starting a head on 127.0.0.1 first selects Ray's loopback mode,
    which is read at import."""
    # Ray's crash handler would also take SIGTERM: a stack dump in the log of every gunicorn
    # worker stopped the ordinary way. It is read once, at import.
    os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")
    # A search that fails on one shard leaves the other shards' answers unread, on purpose.
    os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
    if address is not None and _host(address) in LOOPBACK:
        if "ray" in sys.modules and os.environ.get(SINGLE_MACHINE) != "0":
            raise IndexUnavailable(f"Ray was imported before joining {address}: a head on "
                                   f"127.0.0.1 needs {SINGLE_MACHINE}=0 from the start")
        os.environ[SINGLE_MACHINE] = "0"
        # Ray's token authentication (a token in ~/.ray/auth_token, made by the head):
        # the head and every process that joins it must agree on it.
        os.environ.setdefault("RAY_AUTH_MODE", "token")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ray  # noqa: PLC0415 - optional dependency (requirements-cluster.txt)
    return ray


def _host(address: str) -> str:
    return address.removeprefix("ray://").rpartition(":")[0].strip("[]")


def connect(address: str, index_dir: str) -> None:
    """Join the Ray cluster at ``address`` once per process.

    ``local`` means the head the cluster command started on this machine (its address is in
    ``<index_dir>/ray-address``), else a new small head owned by this process. We never use
    Ray's ``auto``: on a shared machine it may find somebody else's cluster.
    """
    if address == "local":
        recorded = Path(index_dir) / ADDRESS_FILE
        found = recorded.read_text().strip() if recorded.exists() else ""
        if not found or not _answers(found):
            start_local(index_dir)
            return
        address = found
    ray = _ray(address)
    if ray.is_initialized():
        return
    if not _answers(address):
        raise IndexUnavailable(f"no Ray cluster answers at {address}")
    with _own_sigterm():
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False,
                 runtime_env=RUNTIME_ENV)


@contextlib.contextmanager
def _own_sigterm():
    """Keep this process's SIGTERM handler: ``ray.init`` replaces it with an immediate exit,
    which would cut a gunicorn worker's requests in flight instead of finishing them."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    try:
        yield
    finally:
        if main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _answers(address: str, timeout: float = 2.0) -> bool:
    """Return True if something listens at the head's address: ``ray.init`` would otherwise
    wait minutes for a head that is not there, past gunicorn's worker timeout."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except (OSError, ValueError):
        return False
    return True


def start_local(index_dir: str, cpus: int = RAY_CPUS, host: str = "127.0.0.1") -> str:
    """Start a Ray head in this process bound to ``host`` (``cpus`` for its tasks; no
    dashboard), record its address for ``local``; return it. It stops with ``stop`` or
    with this process."""
    ray = _ray(f"{host}:0")
    # No idle workers kept for tasks to come (builds start theirs; ~75 MB each).
    os.environ.setdefault("RAY_num_workers_soft_limit", "0")
    where = {} if host in LOOPBACK else {"_node_ip_address": host}
    with _own_sigterm():
        context = ray.init(address="local", num_cpus=cpus, include_dashboard=False,
                           namespace=NAMESPACE,
                           object_store_memory=OBJECT_STORE, log_to_driver=False,
                           runtime_env=RUNTIME_ENV, **where)
    address = context.address_info["gcs_address"]
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    (Path(index_dir) / ADDRESS_FILE).write_text(address)
    return address


def deploy(index_dir: str, shards: int, replicas: int, server: str = SERVER,
           redeploy: bool = False) -> None:
    """Run ``replicas`` replicas of each shard of ``index_dir`` unless they already run."""
    ray_replica.deploy(_ray(), index_dir, shards, replicas, server, redeploy)


def undeploy(index_dir: str, shards) -> None:
    """Stop the replicas of the shards numbered in ``shards`` (an int: all of that many)."""
    ray_replica.undeploy(_ray(), index_dir, range(shards) if isinstance(shards, int) else shards)


def stop() -> None:
    """Leave Ray; stop the head this process started (with its replicas)."""
    ray = _ray()
    if ray.is_initialized():
        ray.shutdown()


class RayShards:
    """``fanout.Shards`` over the replica actors of ``index_dir``'s shards."""

    def __init__(self, index_dir: str, shards: int, address: str, replicas: int,
                 server: str = SERVER) -> None:
        try:
            connect(address, index_dir)
            deploy(index_dir, shards, replicas, server)
        except IndexUnavailable:
            raise
        except Exception as exc:  # a 503 until the cluster is back, never a worker that dies
            raise IndexUnavailable(f"cannot use the Ray cluster at {address}: {exc}") from exc
        self.ray = _ray()
        self.index_dir = str(Path(index_dir).resolve())
        self.replicas: list[list] = [self._handles(k) for k in range(shards)]
        self._turn = itertools.count()
        self._down: dict = {}  # replica (actor id) → until when it is not asked (it failed)

    def _handles(self, shard: int) -> list:
        """Return handles to the replicas of ``shard`` that exist now, by name."""
        handles = []
        for name in ray_replica.replica_names(self.ray, self.index_dir, shard):
            with contextlib.suppress(ValueError):  # gone meanwhile
                handles.append(self.ray.get_actor(name, namespace=NAMESPACE))
        return handles

    def map(self, snapshot_id: str, method: str, args: list[tuple], deadline: Deadline
            ) -> list[Any]:
        """Ask every shard at once (one replica each, in turn); wait for each within the
        deadline, in shard order; ask the shard's next replica when one fails."""
        if len(args) != len(self.replicas):
            raise ValueError(f"{len(args)} argument tuples for {len(self.replicas)} shards")
        turn = next(self._turn)
        pending = [self._send(k, turn, snapshot_id, method, a) for k, a in enumerate(args)]
        if all(sent is not None for sent in pending):  # the usual case: one wait for all
            with contextlib.suppress(self.ray.exceptions.RayError):
                return self.ray.get([ref for _, ref in pending],
                                    timeout=max(deadline.at - time.monotonic(), 0.0))
        return [self._receive(k, turn, pending[k], snapshot_id, method, a, deadline)
                for k, a in enumerate(args)]

    def _send(self, shard: int, turn: int, snapshot_id: str, method: str, args: tuple):
        """Ask one replica of ``shard``; one that failed lately is skipped while another is up."""
        handles, now = self.replicas[shard], time.monotonic()
        if not handles:
            return None
        up = [h for h in handles if self._down.get(_actor(h), 0.0) <= now] or handles
        handle = up[turn % len(up)]
        return handle, handle.call.remote(snapshot_id, method, args)

    def _receive(self, shard: int, turn: int, sent, snapshot_id: str, method: str,
                 args: tuple, deadline: Deadline) -> Any:
        """Return the answer of ``sent`` ((replica, reference) or None: no replica)."""
        ray = self.ray
        reason = "no replica answered"
        while True:
            if sent is None:  # no replica at all (undeployed): look again once, by name
                self.replicas[shard] = self._handles(shard)
                if not self.replicas[shard]:
                    raise ShardUnavailable(shard, "it has no replica")
            else:
                handle, ref = sent
                left = deadline.at - time.monotonic()
                if left <= 0 and not ray.wait([ref], timeout=0)[0]:
                    ray.cancel(ref)
                    raise ShardUnavailable(shard, f"{reason}; out of time")
                try:
                    return ray.get(ref, timeout=max(left, 0.0))
                except ray.exceptions.GetTimeoutError:
                    ray.cancel(ref)
                    raise ShardUnavailable(shard, f"no answer within the time budget "
                                                  f"({reason})") from None
                except ray.exceptions.RayTaskError as exc:  # the shard's own error
                    cause = exc.cause
                    if not isinstance(cause, IndexUnavailable):
                        raise cause from None  # QueryError, QueryTimeout…: the same anywhere
                    reason = f"a replica cannot open the snapshot: {cause}"
                except ray.exceptions.RayActorError as exc:  # dead, or restarting
                    reason = f"a replica failed: {type(exc).__name__}"
                    # calls sent to it while Ray restarts it would wait: ask the others
                    self._down[_actor(handle)] = time.monotonic() + DOWN_FOR
                    self.replicas[shard] = self._handles(shard)
                turn += 1
                time.sleep(min(RETRY_PAUSE, max(0.0, deadline.at - time.monotonic())))
            sent = self._send(shard, turn, snapshot_id, method, args)

    def close(self) -> None:
        """Drop the handles (the replicas stay for the other workers)."""
        self.replicas = [[] for _ in self.replicas]


def shards_backend(index_dir: str, address: str, replicas: int):
    """Return the ``SearchIndex(shards_backend=...)`` factory for cluster mode."""
    def make(shards: int) -> RayShards:
        return RayShards(index_dir, shards, address, replicas)
    return make


def replica_actors(index_dir: str, shard: int) -> list[str]:
    """Return the names of the replica actors of ``shard``."""
    return ray_replica.replica_names(_ray(), index_dir, shard)


def replica_pids(index_dir: str, shard: int, timeout: float = 2.0) -> dict[str, int | None]:
    """Return each replica of ``shard``'s process id (None: not answering now)."""
    ray = _ray()
    pids: dict[str, int | None] = {}
    for name in replica_actors(index_dir, shard):
        try:
            actor = ray.get_actor(name, namespace=NAMESPACE)
            pids[name] = ray.get(actor.stats.remote(), timeout=timeout)["pid"]
        except (ValueError, ray.exceptions.RayError):
            pids[name] = None
    return pids


def kill_replica(name: str) -> None:
    """Kill one replica's process as a crash would (Ray starts it again)."""
    ray = _ray()
    ray.kill(ray.get_actor(name, namespace=NAMESPACE), no_restart=False)


def env_address() -> str | None:
    """Return the address this process joined, for the processes it starts."""
    ray = _ray()
    return ray.get_runtime_context().gcs_address if ray.is_initialized() else None


def _actor(handle) -> Any:
    """A replica's actor id: kept across Ray's restarts (a handle looked up is a new object)."""
    return getattr(handle, "_actor_id", handle)
