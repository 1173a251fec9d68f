"""Popular searches: what readers searched for most over the last days, and settled on.

Built from the search analytics (``SEARCH_ANALYTICS_DB``) by a thread in each worker, when
the worker's app starts and every ``SEARCH_POPULAR_REFRESH`` seconds, never on a request: the
one list that ``GET /popular``, ``/suggest`` with little or nothing typed, the widget's empty
state and a search that finds nothing (its ``popular``) read.

A query is popular when, over the last ``SEARCH_POPULAR_DAYS`` UTC days of the widget's
first pages (``via=widget``; scripts and the admin token are not readers):

- it found results and a reader clicked one of them (a click is a reader who settled on it;
  a zero-result search or one nobody opened a result of is not a recommendation),
- it is not a fragment typed on the way to another: a query that another clicked query
  starts with, ending inside that query's word ("wind fa" on the way to "wind farm"),
- its words are not in the editors' block list (``editor_state``: any blocked word or run
  of words, so "crash" blocks "plane crash").

Queries are merged by their words (case, spaces and punctuation do not count: "Wind farm?"
and "wind farm" are one) and shown in the form readers used most; ranked by searches that
got a click, then by settled searches (``analytics_store.SETTLED``: a pause, Enter or a
click; as-you-type requests do not count). The block list applies when the list is served, so an
editor's block takes effect at once.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import analytics_store
from .rules import words

log = logging.getLogger(__name__)
KEPT = 100        # queries kept per refresh (the block list may take some out)
LIMIT = (1, 20, 10)  # lowest, highest, default of ``limit``
FIRST_WAIT = 2.0  # seconds GET /popular waits for the worker's first list

QUERIES = f"""
SELECT query, SUM({analytics_store.SETTLED}) AS searches, SUM(results > 0) AS found,
       SUM(results > 0 AND {analytics_store.CLICKED})
FROM searches
WHERE day BETWEEN ? AND ? AND page = 1 AND query != '' AND source = 'widget'
GROUP BY query
"""

@dataclass(frozen=True)
class Query:
    """One popular query: its words, the form shown, searches with a click, searches."""

    words: tuple[str, ...]
    text: str
    settled: int
    searches: int


def build(rows: list[tuple[str, int, int, int]], keep: int = KEPT) -> list[Query]:
    """Return the popular queries of per-query rows (query, searches, found, settled).

    >>> [q.text for q in build([("wind fa", 3, 3, 1), ("wind farm", 5, 5, 4), ("Wind farm?", 1, 1, 1),
    ...                         ("zeppelin", 9, 0, 0), ("harbour", 2, 2, 0)])]
    ['wind farm']
    """
    merged: dict[tuple[str, ...], list] = {}
    for query, searches, found, settled in rows:
        said = words(query)
        if not said:
            continue
        entry = merged.setdefault(said, [Counter(), 0, 0])
        entry[0][query] += searches
        entry[1] += settled or 0
        entry[2] += searches
    kept = {said: e for said, e in merged.items() if e[1] > 0}
    texts = sorted(" ".join(said) for said in kept)
    fragments = set()
    for i, text in enumerate(texts):  # a longer query starting with this one follows it
        for other in texts[i + 1:]:
            if not other.startswith(text):
                break
            if other[len(text)] != " ":
                fragments.add(tuple(text.split()))
                break
    found = [Query(said, e[0].most_common(1)[0][0], e[1], e[2])
             for said, e in kept.items() if said not in fragments]
    found.sort(key=lambda q: (-q.settled, -q.searches, q.text))
    return found[:keep]


def blocked_by(query: Query, blocked: frozenset[str]) -> bool:
    """Return True if a blocked word or run of words is in ``query``."""
    said = query.words
    for entry in blocked:
        run = words(entry)
        if run and any(said[i:i + len(run)] == run for i in range(len(said) - len(run) + 1)):
            return True
    return False


class Popular:
    """This worker's popular queries, refreshed by a thread from the analytics at ``path``."""

    def __init__(self, path: str, days: int, every: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.path, self.days, self.every, self.clock = path, days, every, clock
        self.queries: list[Query] = []
        self.refreshed: float | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()  # one refresh at a time: the last one read wins
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the refresher unless it runs (again in a forked process, where it does not)."""
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="popular",
                                                    daemon=True)
                    self._thread.start()

    def current(self, wait: float = 0.0) -> list[Query]:
        """Return the last list (``wait`` seconds for the first one); never reads the
        analytics itself."""
        self.start()
        if wait:
            self._ready.wait(wait)
        return self.queries

    def _run(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a locked or broken database: try again later
                log.exception("popular searches: refresh failed")
            self._ready.set()
            time.sleep(self.every)

    def refresh(self) -> None:
        """Read the last days' queries and rebuild the list now."""
        today = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()
        first = today - dt.timedelta(days=self.days - 1)
        with self._refreshing:
            conn = analytics_store.connect(self.path)
            try:
                rows = conn.execute(QUERIES, (first.isoformat(), today.isoformat())).fetchall()
            finally:
                conn.close()
            self.queries = build(rows)
            self.refreshed = self.clock()


def served(popular: Popular | None, blocked: frozenset[str], limit: int, prefix: str = "",
           wait: float = 0.0) -> list[str]:
    """Return up to ``limit`` popular queries not blocked (starting with ``prefix``)."""
    if popular is None:
        return []
    start = " ".join(words(prefix))
    out = []
    for query in popular.current(wait):
        if len(out) == limit:
            break
        if (not start or " ".join(query.words).startswith(start)) \
                and not blocked_by(query, blocked):
            out.append(query.text)
    return out


def admin_listing(popular: Popular | None, blocked: frozenset[str]) -> dict[str, Any]:
    """The list as editors see it: every query kept, with its counts and whether blocked."""
    queries = popular.current(FIRST_WAIT) if popular is not None else []
    return {"queries": [{"query": q.text, "searches": q.searches, "settled": q.settled,
                         "blocked": blocked_by(q, blocked)} for q in queries],
            "blocked": sorted(blocked),
            "refreshed": None if popular is None or popular.refreshed is None else
            dt.datetime.fromtimestamp(popular.refreshed, dt.timezone.utc).isoformat()}
