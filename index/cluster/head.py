"""The head of a sharded snapshot: what the coordinator (``coordinator``) reads itself.

``Head`` is what the front door opens of a sharded snapshot: the term dictionaries of all
shards read as one (a Whoosh ``MultiReader`` over their segments), so expansion, typo
variants, completions and did-you-mean see the whole corpus's words and frequencies, and the
corpus-wide statistics (documents, average field lengths), and the statistics the prepare
round gathered, per words and filters. It reads postings only to plan (through the shards'
arrays, ``head_postings``); the shards evaluate queries.
"""
from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.reading import MultiReader
from whoosh.searching import Searcher

from index.analysis import query_langs
from index.cluster import pages
from index.cluster.facet_codes import Table
from index.cluster.fanout import Shards
from index.cluster.head_postings import HeadPostings, LangColumns
from index.errors import Deadline
from index.read.live import Opened
from index.read.stats import CorpusStats, average_lengths, recency_basis
from index.schema import TEXT_FIELDS
from index.store.arrays import PostingArrays
from index.store.snapshots import shard_dir

PREPARED = 256  # requests whose corpus-wide statistics the head keeps


class Head(Opened):
    """The whole corpus's terms and statistics of one sharded snapshot."""

    def __init__(self, snapshot_id: str, path: Path, meta: dict[str, Any]) -> None:
        super().__init__()
        self.snapshot_id = snapshot_id
        self.path = path
        self.meta = meta
        self.shards = int(meta["shards"])
        self.indexes = [whoosh_index.open_dir(str(shard_dir(path, k)))
                        for k in range(self.shards)]
        reader = self._reader()
        self.langs = query_langs(_lang_counts(reader))
        self.size = self.doc_count = reader.doc_count_all()
        self.live_count = reader.doc_count()
        self.avg = average_lengths(reader, TEXT_FIELDS)
        reader.close()
        arrays = []
        for k, ix in enumerate(self.indexes):
            with ix.reader() as shard_reader:
                arrays.append(PostingArrays.open(shard_dir(path, k), ix, shard_reader))
        self._arrays = _SummedArrays(arrays)
        # every shard has posting arrays: the coordinator counts the prepare round itself
        # (``head_counting``; False: the shards prepare, as before)
        self.counts = all(a is not None for a in arrays)
        # where each shard's documents and segments start in the reader of every shard
        # (the coordinator reads the page's stored fields through it: ``pages``)
        self.bases: list[int] = []
        self.leaves: list[slice] = []
        docs = first = 0
        for ix in self.indexes:
            with ix.reader() as shard_reader:
                n, size = len(shard_reader.leaf_readers()), shard_reader.doc_count_all()
            self.bases.append(docs)
            self.leaves.append(slice(first, first + n))
            docs, first = docs + size, first + n
        self.shard_postings = [pages.new_postings(a) for a in arrays]
        # what planning reads (the languages holding a query's words, neighbours): the
        # shards' arrays, not Whoosh's blocks (``head_postings``)
        self.postings = HeadPostings(self.shard_postings, self.bases)
        self._lang_columns: LangColumns | None = None
        self._corpus: CorpusStats | None = None
        self._facts: pages.PageFacts | None = None
        self._facet_table: Table | None = None
        self._prepared: OrderedDict[tuple, CorpusStats] = OrderedDict()
        self._live_ids: np.ndarray | None = None

    def _reader(self) -> MultiReader:
        """Return one reader over every segment of every shard, in shard order."""
        leaves = [leaf for ix in self.indexes for leaf, _ in ix.reader().leaf_readers()]
        return MultiReader(leaves)

    def _new_searcher(self) -> Searcher:
        return Searcher(self._reader())

    @property
    def columns(self) -> LangColumns:
        """Each document's language, as planning reads a snapshot's facet columns."""
        if self._lang_columns is None:
            self._lang_columns = LangColumns(self.postings, self.searcher().reader())
        return self._lang_columns

    def live_ids(self) -> np.ndarray:
        """Return every live document of every shard in the head's numbering, ascending."""
        if self._live_ids is None:
            reader = self.searcher().reader()
            ids = (np.arange(self.doc_count, dtype=np.int64) if self.live_count == self.doc_count
                   else np.fromiter(reader.all_doc_ids(), dtype=np.int64))
            ids.flags.writeable = False
            self._live_ids = ids
        return self._live_ids

    def has_prepared(self, key: tuple) -> bool:
        """Return True if the statistics of the request ``key`` are kept (``prepared``)."""
        return key in self._prepared

    def prepared(self, key: tuple, prepare: Callable[[], CorpusStats]) -> CorpusStats:
        """Return the statistics of the request ``key`` (see ``_matching``), prepared once
        and kept for the next pages, orders and facet clicks of the same words and filters."""
        found = self._prepared.get(key)
        if found is None:
            found = prepare()
            with self._lock:
                self._prepared[key] = found
                while len(self._prepared) > PREPARED:
                    self._prepared.popitem(last=False)
        return found

    def corpus(self, shards: Shards, deadline: Deadline) -> CorpusStats:
        """Return the corpus-wide statistics (the days come from the shards, once)."""
        if self._corpus is None:
            counted = shards.map(self.snapshot_id, "days", [()] * self.shards, deadline)
            days, where = np.unique(np.concatenate([d for d, _ in counted]), return_inverse=True)
            counts = np.bincount(where, weights=np.concatenate([c for _, c in counted]),
                                 minlength=len(days)).astype(np.int64)
            self._corpus = CorpusStats(self.doc_count, self.live_count, self.avg,
                                       recency_basis(days, counts))
        return self._corpus


    def page_facts(self, shards: Shards, deadline: Deadline) -> pages.PageFacts:
        """Return what the page's hits need of every shard (asked once per snapshot)."""
        if self._facts is None:
            sid, n = self.snapshot_id, self.shards
            found = shards.map(sid, "page_facts", [()] * n, deadline)
            authors = sorted({a for _, bios in found for a in bios})
            counts = shards.map(sid, "articles_by", [(authors,)] * n, deadline)
            self._facts = pages.PageFacts(
                {name: shown for canonical, _ in found for name, shown in canonical.items()},
                {a: sum(c[i] for c in counts) for i, a in enumerate(authors)})
        return self._facts

    def facet_table(self, shards: Shards, deadline: Deadline) -> Table:
        """Return where every shard's facet codes fall among all their values (asked once
        per snapshot; ``facet_codes``)."""
        if self._facet_table is None:
            self._facet_table = Table(shards.map(self.snapshot_id, "facet_values",
                                                 [()] * self.shards, deadline))
        return self._facet_table


class _SummedArrays:
    """The shards' posting arrays, asked only for term frequencies (the vocabulary's): a
    term's frequency in the corpus is the sum of its shards'."""

    def __init__(self, shards: list) -> None:
        self.shards = shards

    def frequencies(self, fieldname: str, texts: list[str]):
        if any(arrays is None for arrays in self.shards):
            return None
        found = [arrays.frequencies(fieldname, texts) for arrays in self.shards]
        return None if any(f is None for f in found) else sum(found)


def _lang_counts(reader) -> Counter:
    """Return the documents per language (what queries expand into)."""
    if "lang" not in reader.indexed_field_names():
        return Counter()
    return Counter({lang: reader.doc_frequency("lang", lang)
                    for lang in reader.field_terms("lang")})
