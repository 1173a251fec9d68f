"""A sharded search's two rounds run where every shard is: one call instead of two.

The coordinator's two rounds (``coordinator``: prepare, then query) exist because the
query round needs the sums of every shard's prepare answers. A process that holds every
shard of the snapshot (a replica process holding them all, ``ray_replica.layout``'s
default; or this process, ``local_shards``) can add them up itself: the coordinator then
asks it once (``rounds``) and gets each shard's page with the completed statistics, which
it keeps for the next pages of the same words and filters as if it had prepared them. A
call costs ~1 ms of CPU on Ray whatever it carries: for 2 shards, one call a search
instead of two.

    completed(corpus, seen)              the corpus-wide statistics from the shards' answers
    rounds(call, snapshot_id, asked)     prepare and query on every shard, in one process
"""
from __future__ import annotations

from typing import Any, Callable

from index.errors import Deadline
from index.read.matching import Evidence, decide
from index.read.stats import CorpusStats

ROUNDS = "rounds"  # the method name a Shards backend holding every shard answers


def completed(corpus: CorpusStats, seen: list[tuple[dict, list]]) -> CorpusStats:
    """Return ``corpus`` completed with the shards' ``prepare`` answers (their document
    frequencies and relaxed-matching evidence): frequencies added up, and each relaxed node
    decided over all shards (the same nodes, in the same order, on every shard)."""
    total: dict = {}
    for dfs, _ in seen:
        for key, df in dfs.items():
            total[key] = total.get(key, 0) + df
    decisions = [decide(Evidence.total([ev for ev, _ in node]), node[0][1], corpus.live_count)
                 for node in zip(*[evidence for _, evidence in seen], strict=True)]
    return corpus.complete(total, decisions)


def rounds(call: Callable[[int, str, tuple], Any], asked: list[tuple[int, tuple]]
           ) -> list[tuple[Any, CorpusStats]]:
    """Return each shard's ``query`` answer with the completed statistics, for the shards of
    ``asked`` ((shard, query args) pairs, every shard of the snapshot, the same args);
    ``call(shard, method, args)`` runs one shard's method."""
    req, query, ranked, ranking, corpus, budget = asked[0][1]
    deadline = Deadline(budget)
    seen = []
    for k, _ in asked:
        deadline.check()
        seen.append(call(k, "prepare", (req, query, ranking, corpus, deadline.left())))
    whole = completed(corpus, seen)
    answers = []
    for k, _ in asked:
        deadline.check()
        answers.append((call(k, "query", (req, query, ranked, ranking, whole, deadline.left())),
                        whole))
    return answers
