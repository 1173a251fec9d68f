"""What can go wrong on the read side, as types: the service picks a status by type alone.

    SearchError              base of all of them
    ├── QueryError           the query cannot be run as written (400)
    │   └── QueryTooLong     the query is longer than the hard cap (413)
    ├── QueryTimeout         the query ran past its time budget (503)
    └── IndexUnavailable     no index can be opened: none built yet, missing or corrupt (503)

The messages of ``QueryError``, ``QueryTooLong`` and ``QueryTimeout`` reach the client (they
say what to change in the query); an ``IndexUnavailable`` message names paths and causes, so
the service logs it and tells the client only that the index is unavailable
(``service/errors.py``, ``ENGINE_ERRORS``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field


class SearchError(RuntimeError):
    """Base of the errors the read side raises."""


class QueryError(SearchError, ValueError):
    """The query cannot be run as written; the message says how to fix it."""


class QueryTooLong(QueryError):
    """The query is longer than the index layer accepts."""


class QueryTimeout(SearchError):
    """The query ran past its time budget."""


class IndexUnavailable(SearchError):
    """No index can be opened (none built yet, missing or corrupt)."""


@dataclass
class Deadline:
    """A point in time after which work stops with QueryTimeout."""

    seconds: float
    at: float = field(init=False)

    def __post_init__(self) -> None:
        self.at = time.monotonic() + self.seconds

    def expired(self) -> bool:
        """Return True once the budget is spent."""
        return time.monotonic() > self.at

    def left(self) -> float:
        """Return the seconds left, at least a millisecond: a timeout to wait with, or the
        budget handed to work done elsewhere (a shard past it stops at once)."""
        return max(self.at - time.monotonic(), 0.001)

    def check(self) -> None:
        """Raise QueryTimeout once the budget is spent."""
        if time.monotonic() > self.at:
            raise QueryTimeout(f"the query took longer than its {self.seconds:g} s budget; "
                               "make it more specific")
