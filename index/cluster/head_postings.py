"""What planning reads of a sharded snapshot's postings, from the shards' posting arrays.

Planning a query on the head (``read.search.plan``) asks which languages' documents hold
its words (``read.language.holders``) and which words neighbour them
(``read.neighbours``), through a snapshot's ``postings`` and ``columns``. The head had
neither, so each of those look-ups decoded Whoosh's blocks of every shard's segments: at
1x FakeNewsNet that was half of a 2-shard search's CPU (about 15 of 32 ms, profiled),
where one index slices its memory-mapped arrays. Here the head answers from the shards'
arrays, which it maps anyway (``pages``): a list is each shard's slice, moved by where the
shard's documents start in the head's reader of every shard, the numbering planning uses.

    HeadPostings(shard_lists, bases)   ``get(reader, field, text)`` as ``PostingLists``
    LangColumns(postings, reader)      each document's language, as ``FacetColumns`` has it
"""
from __future__ import annotations

import numpy as np

from index.cluster.pages import FALLBACK_POSTINGS
from index.read.postings import PostingLists

_NONE = (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))
for _empty in _NONE:
    _empty.flags.writeable = False


class HeadPostings:
    """The posting lists of every shard as one index's: docnums of the head's reader."""

    def __init__(self, shard_lists: list[PostingLists], bases: list[int]) -> None:
        self.shards = [lists.arrays for lists in shard_lists]
        self.bases = bases
        self.fallback = PostingLists(FALLBACK_POSTINGS)  # Whoosh's blocks, as before

    def position_masks(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, position masks) of ``text`` over every shard (``phrases``), or
        None when a shard's arrays have no positions of ``fieldname``."""
        ids, masks = [], []
        for arrays, base in zip(self.shards, self.bases, strict=True):
            found = arrays.position_masks(fieldname, text) if arrays is not None else None
            if found is None:
                return None
            ids.append(found[0] + base if base else found[0])
            masks.append(found[1])
        return np.concatenate(ids).astype(np.int32, copy=False), np.concatenate(masks)

    def get(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (docnums, frequencies) of ``text`` in ``fieldname`` over every shard."""
        ids, tfs = [], []
        for arrays, base in zip(self.shards, self.bases, strict=True):
            found = arrays.get(fieldname, text) if arrays is not None else None
            if found is None:  # a shard without arrays (an incremental change): decode
                return self.fallback.get(reader, fieldname, text)
            if len(found[0]):  # most of a count's look-ups (typo variants, fields) find none
                ids.append(found[0] + base if base else found[0])
                tfs.append(found[1])
        if not ids:
            return _NONE
        found_ids, found_tfs = (ids[0], tfs[0]) if len(ids) == 1 else \
            (np.concatenate(ids), np.concatenate(tfs))
        return found_ids.astype(np.int32, copy=False), found_tfs.astype(np.float32, copy=False)


class LangColumns:
    """Each document's language code (``codes["lang"]``, -1: none) and the languages
    (``values["lang"]``): what ``language.holders`` reads of a snapshot's facet columns."""

    def __init__(self, postings: HeadPostings, reader) -> None:
        langs = sorted(reader.field_terms("lang")) if "lang" in reader.indexed_field_names() \
            else []
        codes = np.full(reader.doc_count_all(), -1, dtype=np.int16)
        for i, lang in enumerate(langs):
            codes[postings.get(reader, "lang", lang)[0]] = i
        codes.flags.writeable = False
        self.values = {"lang": langs}
        self.codes = {"lang": codes}
