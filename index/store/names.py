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


def write_names(path: Path, indexes: list) -> None:
    """Write the document count of every speaker and author value of ``indexes``."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FIELDS}
    for ix in indexes:
        with ix.reader() as reader:
            fields = reader.indexed_field_names()
            for name in FIELDS:
                if name in fields:
                    into = counts[name]
                    for text, info in reader.iter_field(name):
                        value = text.decode("utf-8") if isinstance(text, bytes) else text
                        into[value] = into.get(value, 0) + info.doc_frequency()
    (Path(path) / NAMES).write_text(json.dumps(counts, ensure_ascii=False), encoding="utf-8")


def read_names(path: Path) -> dict[str, dict[str, int]] | None:
    """Return the counts ``write_names`` wrote for a snapshot, or None (an older snapshot)."""
    try:
        data = json.loads((Path(path) / NAMES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
