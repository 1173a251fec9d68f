"""The shards of a sharded snapshot opened in this process (no cluster): the ``fanout.Shards``
backend of a sharded index served by one machine, and of the tests."""
from __future__ import annotations

from typing import Any

from index.cluster.rounds import ROUNDS, rounds
from index.cluster.shard_server import ShardServer
from index.errors import Deadline
from index.read.postings import POSTINGS_CACHE


class LocalShards:
    """Every shard opened in this process and called one after the other. With
    ``one_call``, the coordinator asks for both rounds of a search at once (``rounds``):
    the same work in another order, which the tests compare with two rounds. With
    ``first``, the answers of that many first shards are given to ``meanwhile`` before the
    others are asked, as ``RayShards(local=...)`` does while its replicas answer (the tests
    compare that path too)."""

    def __init__(self, index_dir: str, shards: int, postings_cache: int = POSTINGS_CACHE,
                 one_call: bool = False, first: int = 0) -> None:
        self.servers = [ShardServer(index_dir, k, postings_cache) for k in range(shards)]
        self.one_call, self.first = one_call, first

    def map(self, snapshot_id: str, method: str, args: list[tuple], deadline: Deadline,
            meanwhile=None) -> list[Any]:
        if method == ROUNDS:
            deadline.check()
            return rounds(lambda k, m, a: self.servers[k].call(snapshot_id, m, a),
                          list(enumerate(args)))
        answers = []
        for k, (server, shard_args) in enumerate(zip(self.servers, args, strict=True)):
            if k == self.first and k and meanwhile is not None:
                meanwhile(answers, lambda: False)  # the others: not asked yet
            deadline.check()
            answers.append(server.call(snapshot_id, method, shard_args))
        return answers

    def close(self) -> None:
        for server in self.servers:
            server.close()
