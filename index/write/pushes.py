"""Documents pushed over the admin API: queued on disk, applied in batches, kept by rebuilds.

Layout under the index directory::

    pushes/pending/<batch>.jsonl      accepted, not yet in the live snapshot
    pushes/applied/<batch>.jsonl      in the live snapshot (the journal a full rebuild replays)
    pushes/quarantine/<batch>.jsonl   a batch that cannot be read or applied, set aside
    pushes/quarantine/<batch>.why     ... and why (JSON: reason, when, from where)

A batch is one request: a file of operations, one a line, ``{"op": "put", "id": ...,
"doc": {...}, "source": "push:<batch>:<n>"}`` (``doc`` as the client sent it, in any form
``python -m corpus`` reads; ``id`` the id of the article or bio it gives) or ``{"op":
"delete", "id": ...}``. It is written to a temp name and renamed, so a batch is either
wholly queued or not at all; names sort by arrival (they start with the time in ns).

Records are framed so that no document can break them: each is ``json.dumps`` with
``ensure_ascii=True``, so a line holds only ASCII and every character a document may hold
(U+2028, U+2029, U+0085, form feeds, ...) is an escape; files are split on ``\\n`` alone,
never with ``str.splitlines`` (which also splits at those characters and once made one
pushed document stop every later apply and every rebuild). A batch that still cannot be
read (a hand-edited or truncated file, a journal written by an older version that some
other reader chokes on) is moved to ``quarantine/`` with its reason and skipped: the batches
before and after it apply as if it had never been pushed.

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
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import Article, Bio, Problem, Quote, Record, extract_objects

PUSHES = "pushes"
BATCH = ".jsonl"
WHY = ".why"
MAX_REASON = 500  # characters of a quarantine reason kept
log = logging.getLogger(__name__)


class BadBatch(ValueError):
    """A batch file that cannot be read as operations (the message says where and why)."""


@dataclass
class Changes:
    """What a set of operations does to the index: records to put, ids to delete."""

    records: list[Record] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ops: list[dict[str, Any]] = field(default_factory=list)  # the last operation on each id
    bad: list[tuple[Path, str]] = field(default_factory=list)  # batches skipped, and why

    @property
    def ids(self) -> set[str]:
        """Return every article or bio id these changes decide (put or deleted)."""
        return {r.id for r in self.records if not isinstance(r, Quote)} | set(self.deletes)


def encode(op: dict[str, Any]) -> bytes:
    r"""Return one journal record: ASCII-only JSON and a newline.

    >>> encode({"op": "delete", "id": "a\u2028b\x85"})
    b'{"op":"delete","id":"a\\u2028b\\u0085"}\n'
    """
    return json.dumps(op, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def batch_time(path: Path) -> float | None:
    """Return when a batch was queued (seconds since the epoch), from its name."""
    head = path.name.split("-", 1)[0].split(".", 1)[0]
    return int(head) / 1e9 if head.isdigit() else None


def read_batch(path: Path) -> list[dict[str, Any]]:
    """Return the operations of the batch at ``path``; raise BadBatch if any line is not one.

    Lines are split at ``\\n`` only; a line is decoded on its own (UTF-8) and must be a JSON
    object ``{"op": "put", "doc": {...}}`` or ``{"op": "delete", "id": "..."}``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # applied and moved meanwhile: read it where it went
        data = (path.parent.parent / "applied" / path.name).read_bytes()
    ops = []
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            op = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BadBatch(f"line {n}: not UTF-8 at byte {exc.start}") from None
        except RecursionError:
            raise BadBatch(f"line {n}: nested too deeply") from None
        except ValueError as exc:
            raise BadBatch(f"line {n}: malformed JSON: {exc}"[:MAX_REASON]) from None
        ops.append(_checked(op, n))
    return ops


def _checked(op: Any, n: int) -> dict[str, Any]:
    if not isinstance(op, dict):
        raise BadBatch(f"line {n}: a JSON {type(op).__name__}, not an operation")
    kind = op.get("op")
    if kind == "delete":
        if not isinstance(op.get("id"), str) or not op["id"]:
            raise BadBatch(f"line {n}: a delete without an id")
    elif kind == "put":
        if not isinstance(op.get("doc"), dict):
            raise BadBatch(f"line {n}: a put without a document object")
        if "id" in op and not isinstance(op["id"], str):
            raise BadBatch(f"line {n}: a put whose id is not a string")
        op.setdefault("source", f"push:?:{n}")
    else:
        raise BadBatch(f"line {n}: unknown operation {str(kind)[:40]!r}")
    return op


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


def new_batch_name() -> str:
    """Return a new batch name: the time in ns (so names sort by arrival), pid, random."""
    return f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}"


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


def write_batch(path: Path, ops: list[dict[str, Any]], tmp: Path) -> None:
    """Write ``ops`` to ``path`` whole or not at all: to ``tmp``, synced, then renamed."""
    with open(tmp, "wb") as fh:
        for op in ops:
            fh.write(encode(op))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


_write_batch = write_batch  # the name the first writer of compacted batches used


def _ops(paths: Iterable[Path], bad: list[tuple[Path, str]] | None) -> Iterator[dict[str, Any]]:
    for path in paths:
        try:
            ops = read_batch(path)
        except (BadBatch, OSError) as exc:
            if bad is None or isinstance(exc, FileNotFoundError):
                raise
            bad.append((path, str(exc) if isinstance(exc, BadBatch) else f"unreadable: {exc}"))
            continue
        yield from ops


def changes(paths: Iterable[Path], read_ids: bool = False,
            on_bad: Callable[[Path, str], None] | None = None) -> Changes:
    """Return the net changes of the batches at ``paths``: the last operation on an id wins.

    A batch that cannot be read is skipped whole and listed in ``Changes.bad``. With
    ``read_ids``, only ``ops`` is wanted (compaction): a put that names its id is not
    extracted."""
    puts: dict[str, list[Record]] = {}  # article or bio id -> its records
    deletes: dict[str, None] = {}
    last: dict[str, dict[str, Any]] = {}  # id -> the operation that decides it
    out = Changes()
    for op in _ops(paths, out.bad):
        if op["op"] == "delete":
            puts.pop(op["id"], None)
            deletes[op["id"]] = None
            last.pop(op["id"], None)
            last[op["id"]] = op
            continue
        if read_ids and op.get("id"):
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
        last[head.id] = {**op, "id": head.id}
    out.records = [r for records in puts.values() for r in records]
    out.deletes = list(deletes)
    out.ops = list(last.values())
    if on_bad is not None:
        for path, reason in out.bad:
            on_bad(path, reason)
    return out
