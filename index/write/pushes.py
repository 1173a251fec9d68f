"""Documents pushed over the admin API: queued on disk, applied in batches, kept by rebuilds.

Layout under the index directory::

    pushes/pending/<batch>.jsonl   accepted, not yet in the live snapshot
    pushes/applied/<batch>.jsonl   in the live snapshot (the journal a full rebuild replays)

A batch is one request: a file of operations, one a line, ``{"op": "put", "doc": {...},
"source": "push:<batch>:<n>"}`` (``doc`` as the client sent it, in any form
``python -m corpus`` reads) or ``{"op": "delete", "id": ...}``. It is written to a temp name
and renamed, so a batch is either wholly queued or not at all; names sort by arrival.

Whoever holds the index writer lock applies what is pending: the push flusher (an
incremental snapshot a moment after a push), ``reindex --incremental``, or a full rebuild.
A full rebuild replays the whole journal (applied, then pending) over what it read from the
corpus, the last operation on an id winning, so a push is never lost to a rebuild, whether
it came before the rebuild or while it ran. A document once pushed stays until it is deleted
over the API; but the applied journal does not grow with every push: each full rebuild first
compacts it (``PushQueue.compact``) into one batch holding only the last operation on each id.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import Article, Bio, Problem, Quote, Record, extract_objects

PUSHES = "pushes"


@dataclass
class Changes:
    """What a set of operations does to the index: records to put, ids to delete."""

    records: list[Record] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ops: list[dict[str, Any]] = field(default_factory=list)  # the last operation on each id

    @property
    def ids(self) -> set[str]:
        """Return every article or bio id these changes decide (put or deleted)."""
        return {r.id for r in self.records if not isinstance(r, Quote)} | set(self.deletes)


class PushQueue:
    """The pending and applied push batches of one index directory."""

    def __init__(self, index_dir: str | os.PathLike[str]) -> None:
        self.root = Path(index_dir) / PUSHES
        self.pending_dir = self.root / "pending"
        self.applied_dir = self.root / "applied"

    def _write(self, ops: list[dict[str, Any]]) -> str:
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        batch = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}"
        _write_batch(self.pending_dir / f"{batch}.jsonl", ops, self.pending_dir / f".{batch}.tmp")
        return batch

    def put(self, docs: list[dict[str, Any]]) -> str:
        """Queue documents to add or replace; return the batch id."""
        batch = f"{time.time_ns():020d}"
        return self._write([{"op": "put", "doc": d, "source": f"push:{batch}:{n}"}
                            for n, d in enumerate(docs, start=1)])

    def delete(self, ids: Iterable[str]) -> str:
        """Queue documents to delete (with their quotes); return the batch id."""
        return self._write([{"op": "delete", "id": i} for i in ids])

    def pending(self) -> list[Path]:
        """Return the pending batch files, oldest first."""
        return sorted(self.pending_dir.glob("*.jsonl")) if self.pending_dir.is_dir() else []

    def journal(self, compact: bool = False) -> list[Path]:
        """Return every batch file, applied and pending, in arrival order (with ``compact``,
        the applied ones compacted first: the caller holds the writer lock)."""
        if compact:
            self.compact()
        applied = sorted(self.applied_dir.glob("*.jsonl")) if self.applied_dir.is_dir() else []
        return sorted(applied + self.pending(), key=lambda p: p.name)

    def mark_applied(self, batches: Iterable[Path]) -> None:
        """Move batches now in the live snapshot to the journal of applied ones."""
        self.applied_dir.mkdir(parents=True, exist_ok=True)
        for path in batches:
            try:
                os.replace(path, self.applied_dir / path.name)
            except FileNotFoundError:  # another writer got there first
                pass

    def compact(self) -> int:
        """Rewrite the applied batches as one holding the last operation on each id (the
        caller holds the writer lock); return how many batch files it replaced.

        Crash-safe: the compacted batch replaces the newest applied file in one rename and
        only then are the older ones removed; a replay of what a crash leaves (some older
        files, then the compacted one) still ends with the last operation on each id."""
        applied = sorted(self.applied_dir.glob("*.jsonl")) if self.applied_dir.is_dir() else []
        if len(applied) < 2:
            return 0
        _write_batch(applied[-1], changes(applied).ops,
                     self.applied_dir / f".compact.{os.getpid()}.tmp")
        for path in applied[:-1]:
            path.unlink(missing_ok=True)
        return len(applied)

    def counts(self) -> dict[str, int]:
        """Return the number of pending and applied batches."""
        return {"pending": len(self.pending()), "applied": len(self.journal()) - len(self.pending())}


def _write_batch(path: Path, ops: list[dict[str, Any]], tmp: Path) -> None:
    """Write ``ops`` to ``path`` whole or not at all: to ``tmp``, synced, then renamed."""
    with open(tmp, "w", encoding="utf-8") as fh:
        for op in ops:
            fh.write(json.dumps(op, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _ops(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:  # applied and moved meanwhile: read it where it went
            text = (path.parent.parent / "applied" / path.name).read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)


def changes(paths: Iterable[Path]) -> Changes:
    """Return the net changes of the batches at ``paths``: the last operation on an id wins."""
    puts: dict[str, list[Record]] = {}  # article or bio id -> its records
    deletes: dict[str, None] = {}
    last: dict[str, dict[str, Any]] = {}  # id -> the operation that decides it
    out = Changes()
    for op in _ops(paths):
        if op.get("op") == "delete":
            puts.pop(op["id"], None)
            deletes[op["id"]] = None
            last.pop(op["id"], None)
            last[op["id"]] = op
            continue
        records, problems = extract_objects([op["doc"]], [op["source"]])
        out.problems += problems
        head = next((r for r in records if isinstance(r, (Article, Bio))), None)
        if head is None:
            continue
        deletes.pop(head.id, None)
        puts.pop(head.id, None)  # a put replaces an earlier one (dict order: latest last)
        puts[head.id] = records
        last.pop(head.id, None)
        last[head.id] = op
    out.records = [r for records in puts.values() for r in records]
    out.deletes = list(deletes)
    out.ops = list(last.values())
    return out
