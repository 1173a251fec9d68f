"""Calling every shard of a sharded snapshot: in this process, or on a cluster.

A sharded search asks each shard the same question (``ShardServer.call``) and merges the
answers. Who answers is a backend with one method, ``map``:

    local_shards.LocalShards(index_dir, shards)   each shard opened in this process (no cluster)
    ray_shards.RayShards(...)                     each shard's replicas as Ray actors

A backend whose one process holds every shard says so with ``one_call = True``: the
coordinator then asks it for both rounds of a search at once (``rounds``). One that answers
some shards in this process and the rest elsewhere says ``shard_pages = True``: each shard
then makes its rows' hits of the page, side by side (``pages.page_hits``).

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
    """A shard of the live snapshot could not answer (no live replica, or out of time); or
    a group of shards that one replica process holds (``shards``)."""

    def __init__(self, shards: tuple[int, ...], reason: str) -> None:
        what = f"shard {shards[0]}" if len(shards) == 1 else f"shards {shards[0]}-{shards[-1]}"
        super().__init__(f"{what} cannot answer: {reason}")
        self.shard, self.shards = shards[0], shards


class Shards(Protocol):
    """What a sharded search calls."""

    one_call: bool  # one process holds every shard: both rounds of a search in one call
    shard_pages: bool  # the shards make the page's hits (``pages.page_hits``)

    def map(self, snapshot_id: str, method: str, args: list[tuple],
            deadline: Deadline) -> list[Any]:
        """Return ``method(*args[k])`` of every shard k of ``snapshot_id``, in shard order."""

    def close(self) -> None:
        """Release the shards."""
