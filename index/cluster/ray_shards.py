"""Cluster mode: every shard of a sharded snapshot served by replicas on a Ray cluster.

    deploy(index_dir, shards, ...)     ``replicas`` actors per group of shards (``ray_replica``)
    RayShards(index_dir, shards, ...)  fanout.Shards over those actors (what search calls)
    connect, start_local, stop         the Ray head (``ray_head``)

The fan-out calls the replicas as plain Ray actors: a call goes from this process to the
replica's process directly (about 1 ms of CPU, both sides), where a Ray Serve handle went
through its router and cost ~5 ms a call. A replica process holds a group of shards
(``ray_replica.layout``: all of them unless told otherwise) and answers a round for all of
them in one call. Each round asks one replica of every group at once, taking the group's
replicas in turn; a replica that fails (dead, restarting) is replaced in the call by the
group's next one, until the query's deadline, and skipped for ``DOWN_FOR`` seconds; a
group none of whose replicas can answer is a ``ShardUnavailable`` (503). Each replica opens
``snapshots/<id>/shard-<k>`` of the index dir itself: the index dir and this checkout must
be paths every node sees (a shared filesystem).
"""
from __future__ import annotations

import contextlib
import importlib
import itertools
import time
from pathlib import Path
from typing import Any

from index.cluster import lines as direct
from index.cluster import ray_replica
from index.cluster.fanout import ShardUnavailable
from index.cluster.ray_head import _ray, connect
from index.cluster.ray_replica import NAMESPACE
from index.errors import Deadline, IndexUnavailable

SERVER = "index.cluster.shard_server:ShardServer"  # what a replica holds; tests name a fake instead
RETRY_PAUSE = 0.02                   # seconds before asking a restarting shard again
DOWN_FOR = 10.0                      # seconds a failed replica is not asked (Ray restarts it)


def deploy(index_dir: str, shards: int, replicas: int, server: str = SERVER,
           redeploy: bool = False, per: int = 0, local: int = 0) -> None:
    """Run ``replicas`` replicas of each group of ``per`` shards (0: all) of ``index_dir``,
    past the first ``local`` (``in_worker``), unless they already run."""
    ray_replica.deploy(_ray(), index_dir, shards, replicas, server, redeploy, per,
                       in_worker(shards, local))


def in_worker(shards: int, local: int) -> int:
    """Return how many of the ``shards`` the calling process opens itself when asked for
    ``local``: at most all but one (a search always has a replica to ask)."""
    return max(0, min(local, shards - 1))


def undeploy(index_dir: str, shards) -> None:
    """Stop the replicas holding the shards numbered in ``shards`` (an int: all of that many)."""
    ray_replica.undeploy(_ray(), index_dir, range(shards) if isinstance(shards, int) else shards)


class RayShards:
    """``fanout.Shards`` over the replica actors of ``index_dir``'s shards, ``per`` shards
    a replica process (0: all; ``ray_replica.layout``): a round of a search is one call to
    one replica of each group. The first ``local`` shards (at most all but one) are opened
    in this process instead and answered here while the replicas answer theirs. With
    ``lines``, each thread sends its rounds over a direct line to each replica (``lines``)
    and through Ray when a line cannot."""

    def __init__(self, index_dir: str, shards: int, address: str, replicas: int,
                 server: str = SERVER, per: int = 0, local: int = 0,
                 lines: bool = True) -> None:
        local = in_worker(shards, local)
        try:
            connect(address, index_dir)
            deploy(index_dir, shards, replicas, server, per=per, local=local)
        except IndexUnavailable:
            raise
        except Exception as exc:  # a 503 until the cluster is back, never a worker that dies
            raise IndexUnavailable(f"cannot use the Ray cluster at {address}: {exc}") from exc
        self.ray = _ray()
        self.index_dir = str(Path(index_dir).resolve())
        self.shards = shards
        self.groups = ray_replica.layout(shards, per, local)
        listed = ray_replica.listed_replicas(self.ray, self.index_dir)
        self.replicas: list[list] = [self._handles(g, listed) for g in self.groups]
        self.local = [_server(server)(index_dir, k) for k in range(local)]
        # a replica holds every shard: both rounds in one call (``rounds``)
        self.one_call = len(self.groups) == 1 and not local
        # shards here and on replicas: each makes its rows' hits, side by side (``pages``)
        self.shard_pages = bool(local)
        self._turn = itertools.count()
        self._down: dict = {}  # replica (actor id) → until when it is not asked (it failed)
        self.lines = direct.Lines(self.ray, DOWN_FOR) if lines else None

    def _handles(self, group: tuple[int, ...], listed: list[str] | None = None) -> list:
        """Return handles to the replicas of ``group`` that exist now, by name (``listed``:
        every replica's name, when listed already)."""
        handles = []
        for name in ray_replica.group_replicas(self.ray, self.index_dir, group, listed):
            with contextlib.suppress(ValueError):  # gone meanwhile
                handles.append(self.ray.get_actor(name, namespace=NAMESPACE))
        return handles

    def map(self, snapshot_id: str, method: str, args: list[tuple], deadline: Deadline
            ) -> list[Any]:
        """Ask every group of shards at once (one replica each, in turn); answer the local
        shards meanwhile; wait for each group within the deadline; ask the group's next
        replica when one fails. Return the answers in shard order."""
        if len(args) != self.shards:
            raise ValueError(f"{len(args)} argument tuples for {self.shards} shards")
        turn = next(self._turn)
        asked = [[(k, args[k]) for k in group] for group in self.groups]
        pending = [self._send(g, turn, snapshot_id, method, a) for g, a in enumerate(asked)]
        try:
            here = []
            for k, server in enumerate(self.local):  # while the replicas answer theirs
                deadline.check()
                here.append(server.call(snapshot_id, method, args[k]))
            answers = None
            if all(sent is not None and not isinstance(sent[1], direct.Line)
                   for sent in pending):  # through Ray: one wait for all
                with contextlib.suppress(self.ray.exceptions.RayError):
                    answers = [ray_replica.answers(a) for a in self.ray.get(
                        [ref for _, ref in pending], timeout=deadline.left())]
            if answers is None:
                answers = [self._receive(g, turn, pending[g], snapshot_id, method, a, deadline)
                           for g, a in enumerate(asked)]
        finally:  # a line whose answer this round did not read is closed
            _abandon(pending)
        return here + [answer for group in answers for answer in group]

    def _send(self, g: int, turn: int, snapshot_id: str, method: str, asked: list,
              by_ray: bool = False):
        """Ask one replica of group ``g`` (on its line, unless ``by_ray``); one that failed
        lately is skipped while another is up."""
        handles, now = self.replicas[g], time.monotonic()
        if not handles:
            return None
        up = [h for h in handles if self._down.get(_actor(h), 0.0) <= now] or handles
        handle = up[turn % len(up)]
        line = None if by_ray or self.lines is None else self.lines.line(handle, _actor(handle))
        if line is not None:
            try:
                line.send(snapshot_id, method, asked)
                return handle, line
            except direct.LineBroken:  # its process is gone, most likely: ask another
                if self._failed(g, handle):
                    return self._send(g, turn, snapshot_id, method, asked)
        return handle, handle.call.remote(snapshot_id, method, asked)

    def _failed(self, g: int, handle) -> bool:
        """Skip the replica ``handle`` of group ``g`` for ``DOWN_FOR`` seconds: a call sent
        to it while Ray restarts it would wait for the restart. Return whether another
        replica of the group is up to ask instead."""
        now = time.monotonic()
        self._down[_actor(handle)] = now + DOWN_FOR
        return any(self._down.get(_actor(h), 0.0) <= now for h in self.replicas[g])

    def _receive(self, g: int, turn: int, sent, snapshot_id: str, method: str,
                 asked: list, deadline: Deadline) -> list:
        """Return the answers of ``sent`` ((replica, reference) or None: no replica)."""
        ray, shards = self.ray, self.groups[g]
        reason = "no replica answered"
        while True:
            if sent is None:  # no replica at all (undeployed): look again once, by name
                self.replicas[g] = self._handles(shards)
                if not self.replicas[g]:
                    raise ShardUnavailable(shards, "it has no replica")
            elif isinstance(sent[1], direct.Line):
                handle, line = sent
                try:
                    found = line.receive(deadline)
                    if found is None:
                        raise ShardUnavailable(shards, f"no answer within the time budget "
                                                       f"({reason})")
                    return ray_replica.answers(found)
                except direct.LineBroken:  # closed: its process died, most likely
                    if not self._failed(g, handle):  # the only one: the same, through Ray
                        sent = self._send(g, turn, snapshot_id, method, asked, by_ray=True)
                        continue
                    reason = "a replica's line broke"
                except IndexUnavailable as exc:
                    if isinstance(exc, ShardUnavailable):
                        raise
                    reason = f"a replica cannot open the snapshot: {exc}"
                    if deadline.expired():
                        raise ShardUnavailable(shards, f"{reason}; out of time") from None
                turn += 1
                time.sleep(min(RETRY_PAUSE, deadline.left()))
            else:
                handle, ref = sent
                if deadline.expired() and not ray.wait([ref], timeout=0)[0]:
                    ray.cancel(ref)
                    raise ShardUnavailable(shards, f"{reason}; out of time")
                try:
                    return ray_replica.answers(ray.get(ref, timeout=deadline.left()))
                except ray.exceptions.GetTimeoutError:
                    ray.cancel(ref)
                    raise ShardUnavailable(shards, f"no answer within the time budget "
                                                   f"({reason})") from None
                except ray.exceptions.RayTaskError as exc:  # the shard's own error
                    cause = exc.cause
                    if not isinstance(cause, IndexUnavailable):
                        raise cause from None  # QueryError, QueryTimeout…: the same anywhere
                    reason = f"a replica cannot open the snapshot: {cause}"
                except ray.exceptions.RayActorError as exc:  # dead, or restarting
                    reason = f"a replica failed: {type(exc).__name__}"
                    self._failed(g, handle)
                    self.replicas[g] = self._handles(shards)
                turn += 1
                time.sleep(min(RETRY_PAUSE, deadline.left()))
            sent = self._send(g, turn, snapshot_id, method, asked)

    def close(self) -> None:
        """Drop the handles (the replicas stay for the other workers); close the shards
        opened here."""
        self.replicas = [[] for _ in self.replicas]
        if self.lines is not None:
            self.lines.close()
        for server in self.local:
            server.close()
        self.local = []


def shards_backend(index_dir: str, address: str, replicas: int, per: int = 0, local: int = 0,
                   lines: bool = True):
    """Return the ``SearchIndex(shards_backend=...)`` factory for cluster mode (``per``
    shards a replica process, 0: all; the first ``local`` shards opened in the worker;
    ``lines``: rounds over direct lines to the replicas, ``lines``)."""
    def make(shards: int) -> RayShards:
        return RayShards(index_dir, shards, address, replicas, per=per, local=local,
                         lines=lines)
    return make


def _server(server: str):
    """Return the class ``server`` names (``module:Class``), as a replica imports it."""
    module, _, name = server.partition(":")
    return getattr(importlib.import_module(module), name)


def replica_actors(index_dir: str, shard: int) -> list[str]:
    """Return the names of the replica actors holding ``shard``."""
    return ray_replica.replica_names(_ray(), index_dir, shard)


def replica_pids(index_dir: str, shard: int, timeout: float = 2.0) -> dict[str, int | None]:
    """Return the process id of each replica holding ``shard`` (None: not answering now)."""
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


def _abandon(pending: list) -> None:
    """Close the lines of ``pending`` ((replica, Line or reference) or None) whose answer
    was not read (``lines.Line.abandon``)."""
    for sent in pending:
        if sent is not None and isinstance(sent[1], direct.Line):
            sent[1].abandon()


def _actor(handle) -> Any:
    """A replica's actor id: kept across Ray's restarts (a handle looked up is a new object)."""
    return getattr(handle, "_actor_id", handle)
