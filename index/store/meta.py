"""A snapshot's ``meta.json``: when it was built, its document counts by kind, its languages,
whether it is an incremental change of the one before, and for a sharded snapshot its shard
count. Written by every build, read by the live index, the coordinator and ``make cluster``."""
from __future__ import annotations

import json
import time
from pathlib import Path

META = "meta.json"


def write_meta(path: Path, counts: dict[str, int], langs: set[str], incremental: bool,
                shards: int = 0, next_seq: int = 0) -> None:
    """Write what a build made beside a snapshot's index (``shards``: a sharded one's count,
    ``next_seq``: the place in the corpus, ``seq``, the next document takes)."""
    meta = {"built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": counts, "langs": sorted(langs), "incremental": incremental}
    meta["next_seq"] = next_seq
    if shards:
        meta["shards"] = shards
    (path / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def read_meta(path: Path) -> dict:
    """Return the metadata a build wrote beside a snapshot's index."""
    try:
        return json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"built_at": None, "counts": {}, "langs": []}
