"""A stand-in for ``index.cluster.shard_server.ShardServer`` in cluster tests: same constructor and ``call``,
answers that say which shard and process answered, and errors on request."""
from __future__ import annotations

import os
import time
from typing import Any

from index.errors import IndexUnavailable, QueryError


class FakeShardServer:
    """Answers ``echo`` (shard, snapshot, args, pid), ``sleep`` and ``fail``/``missing``."""

    def __init__(self, index_dir: str, shard: int, postings_cache: int = 0) -> None:
        self.index_dir, self.shard = index_dir, shard

    def call(self, snapshot_id: str, method: str, args: tuple) -> Any:
        if method == "echo":
            return (self.shard, snapshot_id, args, os.getpid())
        if method == "sleep":
            time.sleep(args[0])
            return self.shard
        if method == "fail":
            raise QueryError("the query cannot be run")
        if method == "missing":
            raise IndexUnavailable(f"no snapshot {snapshot_id} in shard {self.shard}")
        raise AttributeError(method)

    def close(self) -> None:
        pass
