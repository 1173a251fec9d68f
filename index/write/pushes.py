"""Documents pushed over the admin API: queued on disk, applied in batches, kept by rebuilds.

Layout under the index directory::

    pushes/pending/<batch>.jsonl      accepted, not yet in the live snapshot
    pushes/applied/<batch>.jsonl      in the live snapshot (the journal a full rebuild replays)
    pushes/quarantine/<batch>.jsonl   a batch that cannot be read or applied, set aside
    pushes/quarantine/<batch>.why     ... and why (JSON: reason, when, from where)

The batches' records and how they are read are ``journal``'s: any Unicode survives them, and
a batch that cannot be read (a hand-edited or truncated file, a journal written by an older
version that some other reader chokes on) is moved to ``quarantine/`` with its reason and
skipped: the batches before and after it apply as if it had never been pushed.

Whoever holds the index writer lock applies what is pending: the push applier (see
``service/applier.py``), ``reindex --incremental``, or a full rebuild. A full rebuild
replays the whole journal (applied, then pending) over what it read from the corpus, the
last operation on an id winning, so a push is never lost to a rebuild, whether it came
before the rebuild or while it ran. A document once pushed stays until it is deleted over
the API; but the applied journal does not grow with every push: the applier compacts it in
the background, and each full rebuild first (``PushQueue.compact``), into one batch holding
only the last operation on each id.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index.write.journal import (MAX_REASON, BadBatch, Changes, batch_time, changes, encode,
                                 new_batch_name, read_batch, write_batch)

__all__ = ["BadBatch", "Changes", "PushQueue", "batch_time", "changes", "encode",
           "new_batch_name", "read_batch", "write_batch"]
PUSHES = "pushes"
BATCH = ".jsonl"
WHY = ".why"
log = logging.getLogger(__name__)


class PushQueue:
    """The pending, applied and quarantined push batches of one index directory."""

    def __init__(self, index_dir: str | os.PathLike[str]) -> None:
        self.root = Path(index_dir) / PUSHES
        self.pending_dir = self.root / "pending"
        self.applied_dir = self.root / "applied"
        self.quarantine_dir = self.root / "quarantine"

    def _write(self, ops: list[dict[str, Any]], batch: str | None = None) -> str:
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        batch = batch or new_batch_name()
        write_batch(self.pending_dir / f"{batch}{BATCH}", ops, self.pending_dir / f".{batch}.tmp")
        return batch

    def put(self, docs: list[dict[str, Any]], ids: list[str | None] | None = None) -> str:
        """Queue documents to add or replace (``ids``: the id each gives, when known, which
        lets compaction keep the last operation on an id without extracting anything);
        return the batch id."""
        batch = new_batch_name()
        ids = ids or [None] * len(docs)
        return self._write([{"op": "put", **({"id": i} if i else {}), "doc": d,
                             "source": f"push:{batch}:{n}"}
                            for n, (d, i) in enumerate(zip(docs, ids), start=1)], batch)

    def delete(self, ids: Iterable[str]) -> str:
        """Queue documents to delete (with their quotes); return the batch id."""
        return self._write([{"op": "delete", "id": i} for i in ids])

    def pending(self) -> list[Path]:
        """Return the pending batch files, oldest first."""
        return _batches(self.pending_dir)

    def applied(self) -> list[Path]:
        """Return the applied batch files, oldest first."""
        return _batches(self.applied_dir)

    def journal(self, compact: bool = False) -> list[Path]:
        """Return every batch file, applied and pending, in arrival order (with ``compact``,
        the applied ones compacted first: the caller holds the writer lock)."""
        if compact:
            self.compact()
        return sorted(self.applied() + self.pending(), key=lambda p: p.name)

    def mark_applied(self, batches: Iterable[Path]) -> None:
        """Move batches now in the live snapshot to the journal of applied ones."""
        self.applied_dir.mkdir(parents=True, exist_ok=True)
        for path in batches:
            try:
                os.replace(path, self.applied_dir / path.name)
            except FileNotFoundError:  # another writer got there first
                pass

    def quarantine(self, path: Path, reason: str) -> None:
        """Set the batch at ``path`` aside with ``reason``; it is never applied or replayed."""
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        why = {"batch": path.stem, "reason": reason[:MAX_REASON], "at": time.time(),
               "was": path.parent.name}
        tmp = self.quarantine_dir / f".{path.stem}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(why, ensure_ascii=True), encoding="ascii")
        os.replace(tmp, self.quarantine_dir / f"{path.stem}{WHY}")
        try:
            os.replace(path, self.quarantine_dir / path.name)
        except FileNotFoundError:
            pass
        log.error("push batch %s quarantined (%s): %s", path.stem, path.parent.name, reason)

    def quarantined(self, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
        """Return how many batches are quarantined and the newest ``limit`` of them, newest
        first (batch, reason, at)."""
        if not self.quarantine_dir.is_dir():
            return 0, []
        names = sorted(e.name for e in os.scandir(self.quarantine_dir) if e.name.endswith(WHY))
        shown = []
        for name in reversed(names[-limit:] if limit else []):
            try:
                shown.append(json.loads((self.quarantine_dir / name).read_text(encoding="ascii")))
            except (OSError, ValueError):
                shown.append({"batch": name[:-len(WHY)], "reason": "(unreadable)"})
        return len(names), shown

    def read(self, paths: Iterable[Path], read_ids: bool = False) -> Changes:
        """Return the net changes of ``paths``, quarantining every batch that cannot be read
        (the caller holds the writer lock)."""
        out = changes(paths, read_ids=read_ids)
        for path, reason in out.bad:
            self.quarantine(path, reason)
        return out

    def compact(self) -> int:
        """Rewrite the applied batches as one holding the last operation on each id (the
        caller holds the writer lock); return how many batch files it replaced.

        Crash-safe: the compacted batch replaces the newest applied file in one rename and
        only then are the older ones removed; a replay of what a crash leaves (some older
        files, then the compacted one) still ends with the last operation on each id."""
        applied = self.applied()
        if len(applied) < 2:
            return 0
        net = self.read(applied, read_ids=True)
        readable = [p for p in applied if p.exists()]
        if not readable:
            return 0
        write_batch(readable[-1], net.ops, self.applied_dir / f".compact.{os.getpid()}.tmp")
        for path in readable[:-1]:
            path.unlink(missing_ok=True)
        return len(applied)

    def stats(self, now: float | None = None) -> dict[str, Any]:
        """Return the queue's figures: pending batches and bytes, the oldest pending one's
        age in seconds, applied and quarantined batches (a directory listing, no reading)."""
        now = time.time() if now is None else now
        pending = _entries(self.pending_dir)
        oldest = min((t for t in (batch_time(Path(e.name)) for e in pending) if t), default=None)
        return {"pending": len(pending), "pending_bytes": sum(_size(e) for e in pending),
                "oldest_pending_seconds": round(max(0.0, now - oldest), 3) if oldest else 0.0,
                "applied": len(_entries(self.applied_dir)),
                "applied_bytes": sum(_size(e) for e in _entries(self.applied_dir)),
                "quarantined": self.quarantined(0)[0]}

    def counts(self) -> dict[str, int]:
        """Return the number of pending and applied batches."""
        return {"pending": len(_entries(self.pending_dir)), "applied": len(_entries(self.applied_dir))}


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            return [e for e in it if e.name.endswith(BATCH) and not e.name.startswith(".")]
    except FileNotFoundError:
        return []


def _size(entry: os.DirEntry) -> int:
    try:
        return entry.stat().st_size
    except OSError:
        return 0


def _batches(folder: Path) -> list[Path]:
    return sorted(Path(e.path) for e in _entries(folder))
