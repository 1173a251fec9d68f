"""Calling every shard of a sharded snapshot: in this process, or on a cluster.

A sharded search asks each shard the same question (``ShardServer.call``) and merges the
answers. Who answers is a backend with one method, ``map``:

    local_shards.LocalShards(index_dir, shards)   each shard opened in this process (no cluster)
    ray_shards.RayShards(...)                     each shard's replicas as Ray actors

``map(snapshot_id, method, args, deadline)`` calls ``method`` on shard k with ``args[k]``
(every shard of the snapshot ``snapshot_id``, so all answers come from one snapshot) and
returns the answers in shard order. A shard that cannot answer within the deadline, on any
replica, raises ``ShardUnavailable``: the search is answered with a 503, never with part of
the results (see README, "Running on a cluster").
"""
from __future__ import annotations

from typing import Any, Protocol

from index.errors import Deadline, IndexUnavailable


class ShardUnavailable(IndexUnavailable):
    """A shard of the live snapshot could not answer (no live replica, or out of time)."""

    def __init__(self, shard: int, reason: str) -> None:
        super().__init__(f"shard {shard} cannot answer: {reason}")
        self.shard = shard


class Shards(Protocol):
    """What a sharded search calls."""

    def map(self, snapshot_id: str, method: str, args: list[tuple],
            deadline: Deadline) -> list[Any]:
        """Return ``method(*args[k])`` of every shard k of ``snapshot_id``, in shard order."""

    def close(self) -> None:
        """Release the shards."""
