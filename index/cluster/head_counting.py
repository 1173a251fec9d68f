"""The prepare round counted on the coordinator: one call a shard a search.

A sharded search's prepare round (``shard_server.prepare``: ``counting.Counter`` on each
shard, summed by ``rounds.completed``) only counts document sets built from postings, and
the head maps every shard's posting arrays already (``head_postings``). Documents are
disjoint over the shards, so a set's size over the head's numbering of every shard is the
sum of the shards' sizes, and the relaxed-matching evidence adds up the same way
(``matching.Evidence.total``): the head counts the prepare itself, and each shard gets one
call, the query round, which the shards answer side by side.

The head has no facet columns, so a request with filters (their documents' mask, the
evidence's ``eligible``) is still prepared by the shards (``countable``).

    countable(req)                          True if the head can count ``req``'s prepare
    counted(head, query, corpus, deadline)  ``corpus`` completed, as the shards' prepare
"""
from __future__ import annotations

import numpy as np

from index.cluster.counting import Counter
from index.cluster.rounds import completed
from index.errors import Deadline
from index.read.stats import CorpusStats
from index.request import SearchRequest
from index.schema import TEXT_FIELDS


def countable(req: SearchRequest) -> bool:
    """Return True if ``req`` has no filter (the head cannot make their mask)."""
    return not (req.kinds or req.langs or req.authors or req.speakers or req.sites
                or req.day_from is not None or req.day_to is not None
                or req.scope is not None)


def counted(head, query, corpus: CorpusStats, deadline: Deadline) -> CorpusStats:
    """Return ``corpus`` completed with ``query``'s frequencies and relaxed-matching
    decisions over every shard, counted on ``head`` (what ``rounds.completed`` makes of the
    shards' ``prepare`` answers)."""
    seen = corpus.collect()
    Counter(_Whole(head), None, deadline, seen).count(query)
    return completed(corpus, [(seen.seen_dfs, seen.seen_evidence)])


class _Whole:
    """The head as ``Counter`` reads a snapshot: its searcher over every shard, the shards'
    posting arrays in its numbering, the scored fields and its live documents."""

    def __init__(self, head) -> None:
        self.searcher = head.searcher
        self.postings = _Once(head.postings)
        self.stats = _Scored()
        self.columns = _Live(head)


class _Once:
    """The head's posting lists for one count, each looked up and joined over the shards
    once: a count asks for a quarter of its lists again (a phrase's words and the same
    word's forms, a word's field under two nodes)."""

    def __init__(self, postings) -> None:
        self.postings = postings
        self.found: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def get(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        found = self.found.get((fieldname, text))
        if found is None:
            found = self.found[fieldname, text] = self.postings.get(reader, fieldname, text)
        return found

    def position_masks(self, fieldname: str, text: str):
        return self.postings.position_masks(fieldname, text)


class _Scored:
    @staticmethod
    def has(fieldname: str) -> bool:
        return fieldname in TEXT_FIELDS  # a shard's ``FieldStats``' fields


class _Live:
    def __init__(self, head) -> None:
        self.head = head

    def live_ids(self) -> np.ndarray:
        return self.head.live_ids()
