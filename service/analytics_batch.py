"""What a worker holds before its writer thread writes it: the batch of rows (``Batch``)
and the answers it gave while their result objects live (``Answers``).

The batch is bounded: past ``MAX_PENDING`` rows (the disk stalled for minutes) new rows are
dropped and counted, so a search never waits for the disk. An answer the worker's response
cache serves again (the same result object) is a repeat of its search's row, not a row of
its own; the repeats are written with the next batch.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any

from .analytics_schema import ANSWER_BITS

MAX_PENDING = 100_000
KINDS = ("searches", "clicks", "settles", "rule_uses")


class Batch:
    """Rows of each kind not yet written, swapped out whole by the writer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[str, list[tuple]] = {k: [] for k in KINDS}
        self.dropped = 0

    def add(self, kind: str, rows: list[tuple]) -> bool:
        """Queue ``rows`` of ``kind``; False if the batch is full (they are dropped and
        counted; the rule uses of a search are dropped silently, as their search was)."""
        with self._lock:
            if kind == "rule_uses":
                if len(self._rows[kind]) < MAX_PENDING:
                    self._rows[kind].extend(rows)
                return True
            if sum(len(self._rows[k]) for k in KINDS[:3]) >= MAX_PENDING:
                self.dropped += len(rows)
                return False
            self._rows[kind].extend(rows)
            return True

    def take(self) -> dict[str, list[tuple]]:
        """Return every queued row by kind, leaving the batch empty."""
        with self._lock:
            taken, self._rows = self._rows, {k: [] for k in KINDS}
        return taken

    def give_back(self, taken: dict[str, list[tuple]]) -> None:
        """Queue rows whose write failed again, before the newer ones."""
        with self._lock:
            for kind, rows in taken.items():
                self._rows[kind][:0] = rows

    def clear(self) -> None:
        """Forget every row (a forked worker starts afresh)."""
        with self._lock:
            for rows in self._rows.values():
                rows.clear()


class Answers:
    """The answers this worker gave while their result objects live (a response cache holds
    them), so that one served again is counted as a repeat of its row, not a row of its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # id(result) -> [weak reference, row id, day, answers given again]
        self._seen: dict[int, list] = {}
        self._repeats: dict[int, int] = {}  # row id -> answers served again, not yet written

    def repeat(self, result: Any, day: str) -> int | None:
        """If ``result`` was answered today by this worker, count it as one more search of
        that row and return the number of this answer; else None."""
        entry = self._seen.get(id(result))
        if entry is None or entry[0]() is not result or entry[2] != day:
            return None
        with self._lock:
            entry[3] += 1
            self._repeats[entry[1]] = self._repeats.get(entry[1], 0) + 1
            return entry[1] | (entry[3] % (1 << ANSWER_BITS))

    def remember(self, result: Any, row: int, day: str) -> None:
        """Note that ``result`` was answered as the search of ``row``: kept as long as the
        result lives (in the response cache), forgotten with it."""
        key, seen = id(result), self._seen
        try:
            ref = weakref.ref(result, lambda _, key=key: seen.pop(key, None))
        except TypeError:  # not weakly referenceable: never recognised again
            return
        seen[key] = [ref, row, day, 0]

    def take(self) -> list[tuple[int, int]]:
        """Return the repeats not yet written, as (n, row id) pairs, and forget them."""
        with self._lock:
            repeats, self._repeats = self._repeats, {}
        return [(n, row) for row, n in repeats.items()]

    def give_back(self, pairs: list[tuple[int, int]]) -> None:
        """Keep repeats whose write failed for the next one."""
        with self._lock:
            for n, row in pairs:
                self._repeats[row] = self._repeats.get(row, 0) + n

    def clear(self) -> None:
        """Forget everything (a forked worker starts afresh)."""
        with self._lock:
            self._seen.clear()
            self._repeats.clear()
