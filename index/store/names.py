"""A snapshot's ``names.json``: how many documents each speaker and author value has, over
the whole snapshot (every shard), written when the snapshot is built.

Speakers and authors are grouped by person (``corpus.aliases``) from these counts when a
snapshot is opened, so that every shard of a sharded snapshot groups them alike and one
index and N shards show the same facets and answer the same ``speaker=`` and ``author=``.
"""
from __future__ import annotations

import json
from pathlib import Path

NAMES = "names.json"
FIELDS = ("speaker", "author")


_SEGMENTS: dict[tuple[str, int], dict[str, dict[str, int]]] = {}  # this process's reads


def write_names(path: Path, indexes: list) -> None:
    """Write the document count of every speaker and author value of ``indexes``.

    Counted per segment (Whoosh's document frequencies, deleted documents included, as the
    whole reader counts them) and each segment's counts kept by segment id in this process:
    a segment never changes, so the push applier reads only the segments a push added."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FIELDS}
    seen = set()
    for ix in indexes:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                key = (leaf.segment().segment_id(), leaf.doc_count_all())
                seen.add(key)
                part = _SEGMENTS.get(key)
                if part is None:
                    part = _SEGMENTS[key] = _segment_names(leaf)
                for name in FIELDS:
                    into = counts[name]
                    for value, n in part[name].items():
                        into[value] = into.get(value, 0) + n
    for key in set(_SEGMENTS) - seen:
        del _SEGMENTS[key]
    (Path(path) / NAMES).write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")


def _segment_names(leaf) -> dict[str, dict[str, int]]:
    fields = leaf.indexed_field_names()
    return {name: {(text.decode("utf-8") if isinstance(text, bytes) else text): info.doc_frequency()
                   for text, info in leaf.iter_field(name)} if name in fields else {}
            for name in FIELDS}


def read_names(path: Path) -> dict[str, dict[str, int]] | None:
    """Return the counts ``write_names`` wrote for a snapshot, or None (an older snapshot)."""
    try:
        data = json.loads((Path(path) / NAMES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
