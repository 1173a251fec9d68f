"""Cluster mode: every shard of a sharded snapshot served by replicas on a Ray cluster.

    connect(address, index_dir)        join a Ray cluster ("local": this machine's)
    start_local(index_dir)             start a small Ray head here; record its address
    deploy(index_dir, shards, ...)     one Serve application per shard, `replicas` replicas each
    RayShards(index_dir, shards, ...)  fanout.Shards over those deployments (what search calls)
    stop()                             Serve and Ray down (what the cluster command does last)

Shard k of index dir D is the Serve deployment ``shard-<k>`` of the application
``search-<digest of D>-shard-<k>``: one application per shard, because Serve gives a handle
by name to any process of the cluster (every gunicorn worker) and an application needs an
ingress deployment that we would otherwise have to run for nothing. Each replica
(``replica.ShardReplica``) holds one ``ShardServer(D, k)``, which opens
``snapshots/<id>/shard-<k>`` itself: D must be a path that every node sees (a shared
filesystem), and so must this checkout (replicas import it).

A search's call goes to one replica of every shard at once; a replica that dies mid-call
(Serve's router then drops it) is asked again through the handle, which picks a live one,
until the query's deadline; a shard with no deployment, or no answer by the deadline, is a
``ShardUnavailable`` (503), never a page without that shard's documents.

``ray`` is imported here only, and lazily: ``make run`` works without it installed.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import signal
import socket
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from index.cluster.fanout import ShardUnavailable
from index.cluster.ray_replica import ShardReplica
from index.errors import Deadline, IndexUnavailable

SERVER = "index.cluster.shard_server:ShardServer"  # what a replica holds; tests name a fake instead
ADDRESS_FILE = "ray-address"         # in the index dir: the head the cluster command started
NAMESPACE = "search"
RAY_CPUS = 2                         # a local head: this machine is shared, keep Ray small
OBJECT_STORE = 200 * 1024 * 1024
RETRY_PAUSE = 0.02                   # seconds before asking again: the router drops a dead replica
PROJECT = str(Path(__file__).resolve().parents[2])  # the checkout: index/cluster/ is two below
# Replicas and tasks import this checkout: the same path on every node, like the index.
RUNTIME_ENV = {"env_vars": {"PYTHONPATH": PROJECT}}


def _ray():
    """Import ray (and Serve) quietly: they raise deprecation warnings of their own
    dependencies at import, which the test suite turns into errors."""
    # Ray's crash handler would also take SIGTERM: a stack dump in the log of every gunicorn
    # worker stopped the ordinary way. It is read once, at import.
    os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ray  # noqa: PLC0415 - optional dependency (requirements-cluster.txt)
        from ray import serve  # noqa: PLC0415
    return ray, serve


def app_name(index_dir: str, shard: int) -> str:
    """Return the Serve application of ``shard`` of ``index_dir`` (stable across processes)."""
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    return f"search-{digest}-shard-{shard}"


def connect(address: str, index_dir: str) -> None:
    """Join the Ray cluster at ``address`` once per process.

    ``local`` means the head the cluster command started on this machine (its address is in
    ``<index_dir>/ray-address``), else a new small Ray instance owned by this process. We
    never use Ray's ``auto``: on a shared machine it may find somebody else's cluster.
    """
    ray, _ = _ray()
    if ray.is_initialized():
        return
    with _own_sigterm():
        _init(ray, address, index_dir)


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


def _init(ray, address: str, index_dir: str) -> None:
    if address == "local":
        recorded = Path(index_dir) / ADDRESS_FILE
        if recorded.exists() and _answers(recorded.read_text().strip()):
            ray.init(address=recorded.read_text().strip(), namespace=NAMESPACE,
                     log_to_driver=False, runtime_env=RUNTIME_ENV)
        else:
            _start(index_dir)
        return
    if not _answers(address):
        raise IndexUnavailable(f"no Ray cluster answers at {address}")
    ray.init(address=address, namespace=NAMESPACE, log_to_driver=False, runtime_env=RUNTIME_ENV)


def _answers(address: str, timeout: float = 2.0) -> bool:
    """Return True if something listens at the head's address: ``ray.init`` would otherwise
    wait minutes for a head that is not there, past gunicorn's worker timeout."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except (OSError, ValueError):
        return False
    return True


def _start(index_dir: str, cpus: int = RAY_CPUS) -> str:
    ray, _ = _ray()
    context = ray.init(num_cpus=cpus, include_dashboard=False, namespace=NAMESPACE,
                       object_store_memory=OBJECT_STORE, log_to_driver=False,
                       runtime_env=RUNTIME_ENV)
    return context.address_info["gcs_address"]


def start_local(index_dir: str, cpus: int = RAY_CPUS) -> str:
    """Start a Ray head in this process (``cpus`` for its tasks), record its address for
    ``local``; return it."""
    with _own_sigterm():
        address = _start(index_dir, cpus)
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    (Path(index_dir) / ADDRESS_FILE).write_text(address)
    return address


def deploy(index_dir: str, shards: int, replicas: int, server: str = SERVER,
           redeploy: bool = False) -> None:
    """Run ``replicas`` replicas of each shard of ``index_dir`` unless they already run.

    Several gunicorn workers start at once: a file lock lets the first deploy while the
    others wait, then find the applications running and only take handles."""
    _, serve = _ray()
    index_dir = str(Path(index_dir).resolve())
    # The lock lives in the temp dir: the service user may only read the index dir.
    lock_path = Path(tempfile.gettempdir()) / f"{app_name(index_dir, 0)[:-8]}-deploy.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        serve.start(proxy_location="Disabled")  # handles only: no HTTP proxy actors
        running = serve.status().applications
        deployment = serve.deployment(ShardReplica)
        targets = []
        for k in range(shards):
            name = app_name(index_dir, k)
            app = running.get(name)
            if app is not None and not redeploy and app.status in ("RUNNING", "DEPLOYING"):
                continue
            targets.append(serve.RunTarget(deployment.options(
                name=f"shard-{k}", num_replicas=replicas, max_ongoing_requests=8,
                # A dead replica is noticed and replaced within seconds, not the default 10-30.
                health_check_period_s=1, health_check_timeout_s=5,
                # No CPU reserved: builds' tasks get the cores; Serve spreads replicas over nodes.
                ray_actor_options={"num_cpus": 0, "runtime_env": RUNTIME_ENV},
                # A line per call in every replica's log cost ~2 ms a fan-out here.
                logging_config={"enable_access_log": False},
            ).bind(index_dir, k, server), name=name, route_prefix=None))
        if targets:  # all shards at once: they start in parallel
            serve.run_many(targets)


def undeploy(index_dir: str, shards: int) -> None:
    """Delete the shard applications of ``index_dir``."""
    _, serve = _ray()
    for k in range(shards):
        serve.delete(app_name(str(Path(index_dir).resolve()), k))


def stop() -> None:
    """Shut Serve and this process's Ray connection (or head) down."""
    ray, serve = _ray()
    if ray.is_initialized():
        with contextlib.suppress(Exception):
            serve.shutdown()
        ray.shutdown()


class RayShards:
    """``fanout.Shards`` over the Serve deployments of ``index_dir``'s shards."""

    def __init__(self, index_dir: str, shards: int, address: str, replicas: int,
                 server: str = SERVER) -> None:
        try:
            connect(address, index_dir)
            deploy(index_dir, shards, replicas, server)
        except IndexUnavailable:
            raise
        except Exception as exc:  # a 503 until the cluster is back, never a worker that dies
            raise IndexUnavailable(f"cannot use the Ray cluster at {address}: {exc}") from exc
        _, serve = _ray()
        index_dir = str(Path(index_dir).resolve())
        self.handles = [serve.get_deployment_handle(f"shard-{k}", app_name(index_dir, k))
                        for k in range(shards)]

    def map(self, snapshot_id: str, method: str, args: list[tuple],
            deadline: Deadline) -> list[Any]:
        """Ask every shard at once; wait for each within the deadline, in shard order;
        ask again (the router picks a live replica) when a replica fails."""
        if len(args) != len(self.handles):
            raise ValueError(f"{len(args)} argument tuples for {len(self.handles)} shards")
        pending = [self._send(k, snapshot_id, method, a) for k, a in enumerate(args)]
        return [self._receive(k, pending[k], snapshot_id, method, a, deadline)
                for k, a in enumerate(args)]

    def _send(self, shard: int, snapshot_id: str, method: str, args: tuple):
        return self.handles[shard].call.remote(snapshot_id, method, args)

    def _receive(self, shard: int, response, snapshot_id: str, method: str, args: tuple,
                 deadline: Deadline) -> Any:
        ray, serve = _ray()
        failures = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError,
                    ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError,
                    ray.exceptions.TaskCancelledError, serve.exceptions.RayServeException)
        reason = "no replica answered"
        while True:
            left = deadline.at - time.monotonic()
            if left <= 0:
                response.cancel()
                raise ShardUnavailable(shard, f"{reason}; out of time")
            try:
                return response.result(timeout_s=left)
            except TimeoutError:
                response.cancel()
                raise ShardUnavailable(shard, f"no answer within the time budget "
                                              f"({reason})") from None
            except ray.exceptions.RayTaskError as exc:  # the shard's own error
                cause = exc.cause
                if not isinstance(cause, IndexUnavailable):
                    raise cause from None  # QueryError, QueryTimeout…: the same on any replica
                reason = f"a replica cannot open the snapshot: {cause}"
            except serve.exceptions.DeploymentUnavailableError as exc:
                raise ShardUnavailable(shard, f"its deployment is gone: {exc}") from None
            except failures as exc:
                reason = f"a replica failed: {type(exc).__name__}"
            time.sleep(min(RETRY_PAUSE, max(0.0, deadline.at - time.monotonic())))
            response = self._send(shard, snapshot_id, method, args)

    def close(self) -> None:
        """Drop the handles (the deployments stay for the other workers)."""
        self.handles = []


def shards_backend(index_dir: str, address: str, replicas: int):
    """Return the ``SearchIndex(shards_backend=...)`` factory for cluster mode."""
    def make(shards: int) -> RayShards:
        return RayShards(index_dir, shards, address, replicas)
    return make


def replica_actors(index_dir: str, shard: int) -> list[str]:
    """Return the names of the live replica actors of ``shard`` (Serve's namespace)."""
    ray, _ = _ray()
    prefix = f"SERVE_REPLICA::{app_name(str(Path(index_dir).resolve()), shard)}#"
    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith(prefix)]


def kill_replica(name: str) -> None:
    """Kill one replica actor as a crash would (Serve starts a new one)."""
    ray, _ = _ray()
    ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)


def env_address() -> str | None:
    """Return the address this process joined, for the processes it starts."""
    ray, _ = _ray()
    return ray.get_runtime_context().gcs_address if ray.is_initialized() else None

