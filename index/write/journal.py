"""The push journal's records: one batch a file, one operation a line, framed so that no
document can break them, and read back into the net changes of a run of batches.

A batch is one request: a file of operations, one a line, ``{"op": "put", "id": ...,
"doc": {...}, "source": "push:<batch>:<n>"}`` (``doc`` as the client sent it, in any form
``python -m corpus`` reads; ``id`` the id of the article or bio it gives) or ``{"op":
"delete", "id": ...}``. It is written to a temp name, synced and renamed
(``write_batch``), so a batch is either wholly queued or not at all; names sort by arrival
(they start with the time in ns).

Records are framed so that no document can break them: each is ``json.dumps`` with
``ensure_ascii=True``, so a line holds only ASCII and every character a document may hold
(U+2028, U+2029, U+0085, form feeds, ...) is an escape; files are split on ``\\n`` alone,
never with ``str.splitlines`` (which also splits at those characters and once made one
pushed document stop every later apply and every rebuild). A batch that still cannot be
read raises ``BadBatch``; ``changes`` lists it in ``Changes.bad`` for the queue to
quarantine, and reads the others.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import Article, Bio, Problem, Quote, Record, extract_objects

MAX_REASON = 500  # characters of a reason kept (a bad line's, a quarantine's)


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


def new_batch_name() -> str:
    """Return a new batch name: the time in ns (so names sort by arrival), pid, random."""
    return f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}"


def write_batch(path: Path, ops: list[dict[str, Any]], tmp: Path) -> None:
    """Write ``ops`` to ``path`` whole or not at all: to ``tmp``, synced, then renamed."""
    with open(tmp, "wb") as fh:
        for op in ops:
            fh.write(encode(op))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
