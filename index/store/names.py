"""A snapshot's ``names.json``: how many documents each speaker and author value has, over
the whole snapshot (every shard), written when the snapshot is built.

Speakers and authors are grouped by person (``corpus.aliases``) from these counts when a
snapshot is opened, so that every shard of a sharded snapshot groups them alike and one
index and N shards show the same facets and answer the same ``speaker=`` and ``author=``.
"""
from __future__ import annotations

import json
from pathlib import Path

from whoosh.reading import SegmentReader

NAMES = "names.json"
FIELDS = ("speaker", "author")


_SEGMENTS: dict[tuple[str, int], dict[str, dict[str, int]]] = {}  # this process's reads
_LAST: list = [(), {}]  # the segments (in order) and the counts this process wrote last


def write_names(path: Path, indexes: list) -> None:
    """Write the document count of every speaker and author value of ``indexes``
    (``counted``)."""
    counts = counted(indexes)
    (Path(path) / NAMES).write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")


def counted(indexes: list) -> dict[str, dict[str, int]]:
    """Return the document count of every speaker and author value of ``indexes``.

    Counted per segment (Whoosh's document frequencies, deleted documents included, as the
    whole reader counts them) and each segment's counts kept by segment id in this process:
    a segment never changes, so the push applier reads only the segments a push added, and
    when the segments written last are still the first ones, in order (a push appends one;
    deletions do not change the counts), their sum is taken and the new ones added: a push
    costs its own segment, and only a merge sums every segment again."""
    keys, new = [], []
    for ix in indexes:
        toc = ix._read_toc()  # the segments, without opening a reader of each
        for seg in toc.segments:
            key = (seg.segment_id(), seg.doc_count_all())
            keys.append(key)
            if key not in _SEGMENTS:
                new.append((key, ix, toc, seg))
    for key, ix, toc, seg in new:
        reader = SegmentReader(ix.storage, toc.schema, seg, generation=toc.generation)
        try:
            _SEGMENTS[key] = _segment_names(reader)
        finally:
            reader.close()
    done, last = _LAST
    if done and tuple(keys[:len(done)]) == done:
        counts, added = {name: dict(last[name]) for name in FIELDS}, keys[len(done):]
    else:
        counts, added = {name: {} for name in FIELDS}, keys
    for key in added:
        part = _SEGMENTS[key]
        for name in FIELDS:
            into = counts[name]
            for value, n in part[name].items():
                into[value] = into.get(value, 0) + n
    _LAST[:] = [tuple(keys), counts]
    for key in set(_SEGMENTS) - set(keys):
        del _SEGMENTS[key]
    return counts


def _segment_names(leaf) -> dict[str, dict[str, int]]:
    fields = leaf.indexed_field_names()
    return {name: {(text.decode("utf-8") if isinstance(text, bytes) else text): info.doc_frequency()
                   for text, info in leaf.iter_field(name)} if name in fields else {}
            for name in FIELDS}


_read: tuple[bytes, dict | None] = (b"", None)  # the file this process read last, and what it held


def read_names(path: Path) -> dict[str, dict[str, int]] | None:
    """Return the counts ``write_names`` wrote for a snapshot, or None (an older snapshot).
    A file the same as the one read last (a push that named nobody new) is not parsed
    again: the same counts are returned (read-only by convention)."""
    global _read
    try:
        raw = (Path(path) / NAMES).read_bytes()
        last = _read
        if raw == last[0]:
            return last[1]
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    _read = (raw, data)
    return data
