"""The Ray head: joining a cluster, or starting a small one in this process (``make cluster``).

    connect(address, index_dir)        join a Ray cluster ("local": this machine's)
    start_local(index_dir, host=...)   start a small Ray head in this process, bound to host
    stop()                             Ray down (the head this process started, if any)
    env_address()                      the address this process joined

Where Ray listens: a head started here (``make cluster``) is bound to ``host``, 127.0.0.1
unless the operator says otherwise. On 127.0.0.1 every Ray process of the machine (GCS,
raylet, agents, workers) listens on 127.0.0.1 only: Ray does so when
``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (its single-machine mode, read when ray is
imported), which this module sets before importing ray for such a head and for every
process that joins it, with Ray's token authentication. On any other address Ray's servers
listen on all interfaces: a firewall must keep them to the cluster's nodes (README,
"Running on a cluster").

What a head started here runs: the GCS, the raylet and its two agents (dashboard agent,
runtime-env agent: the raylet stops without them) and the replicas. Ray also starts an
autoscaler monitor, a log monitor (it streams workers' output to drivers, which we never
ask for: ``log_to_driver=False``) and an API server (usage statistics only without the
dashboard); ``start_local`` stops those three once the head is up: ~200 MB of a ~1 GB
``make cluster``, with nothing of ours using them (``ray status`` and the state API do).

``ray`` is imported by these modules only (``ray_shards``, ``ray_build``, ``ray_replica``
through ``_ray``), lazily.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import warnings
from pathlib import Path

from index.cluster.ray_replica import NAMESPACE, RUNTIME_ENV
from index.errors import IndexUnavailable

ADDRESS_FILE = "ray-address"         # in the index dir: the head the cluster command started
RAY_CPUS = 2                         # a local head: this machine is shared, keep Ray small
OBJECT_STORE = 100 * 1024 * 1024     # answers are small and inlined: the store holds little
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
    _trim(ray)
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    (Path(index_dir) / ADDRESS_FILE).write_text(address)
    return address


def _trim(ray) -> None:
    """Stop the head's processes nothing of ours uses: the autoscaler monitor (a local head
    has a fixed size), the log monitor (no driver takes workers' output) and the API server
    (usage statistics). Ray's own node object stops them, so ``stop`` does not miss them."""
    node = ray._private.worker._global_node
    for kill in (node.kill_monitor, node.kill_log_monitor, node.kill_dashboard):
        with contextlib.suppress(Exception):  # already gone: nothing to stop
            kill(check_alive=False)


def stop() -> None:
    """Leave Ray; stop the head this process started (with its replicas)."""
    ray = _ray()
    if ray.is_initialized():
        ray.shutdown()


def env_address() -> str | None:
    """Return the address this process joined, for the processes it starts."""
    ray = _ray()
    return ray.get_runtime_context().gcs_address if ray.is_initialized() else None

