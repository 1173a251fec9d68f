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
    ``shard_pages``, each shard makes its rows' hits of the page, as when some run
    elsewhere (``pages.page_hits``), which the tests compare with the coordinator's."""

    def __init__(self, index_dir: str, shards: int, postings_cache: int = POSTINGS_CACHE,
                 one_call: bool = False, shard_pages: bool = False) -> None:
        self.servers = [ShardServer(index_dir, k, postings_cache) for k in range(shards)]
        self.one_call = one_call
        self.shard_pages = shard_pages

    def map(self, snapshot_id: str, method: str, args: list[tuple],
            deadline: Deadline) -> list[Any]:
        if method == ROUNDS:
            deadline.check()
            return rounds(lambda k, m, a: self.servers[k].call(snapshot_id, m, a),
                          list(enumerate(args)))
        answers = []
        for server, shard_args in zip(self.servers, args, strict=True):
            deadline.check()
            answers.append(server.call(snapshot_id, method, shard_args))
        return answers

    def close(self) -> None:
        for server in self.servers:
            server.close()
