"""Search analytics (issue 14, part 3): what readers search for, find, miss and click.

On when ``SEARCH_ANALYTICS_DB`` names a file. Each answered search is recorded by one call
from the search view (``record_search``): the normalised query, the filters set, the page,
the number of results, the time, the words matching did not require, whether typos
matched, and where it came from (``via=widget``: the widget; the admin token: admin; else
api); never an IP, cookie, user agent or user id. The response then carries a random
``search_id``, with which the widget reports that the reader settled on the search (``POST
/events`` ``{"search_id", "type": "search"}``: Enter, or 1.5 s without typing) and a click on
a result (that id, the result's id and its position; 204). Only settled (or clicked)
widget searches count as searches in the report: search-as-you-type asks on every pause. ``GET /admin/analytics``
(admin token) reports a range of days; ``/admin/analytics.html`` shows it to editors.

Recording stays off the request path: a row is appended to this worker's in-memory batch
(microseconds) and a writer thread inserts the batches into SQLite (``analytics_store``)
every half second and when the worker exits. The batch is bounded: past
``MAX_PENDING`` rows (the disk stalled for minutes) new rows are dropped and counted in the
log, so a search never waits for the disk. Rows older than ``SEARCH_ANALYTICS_DAYS`` are
deleted by the writer at start and hourly after.
"""
from __future__ import annotations

import atexit
import datetime as dt
import hmac
import json
import logging
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from . import analytics_store as store
from . import metrics, rule_uses

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 200
SEARCH_ID_PATTERN = "^[0-9a-f]{32}$"  # new_search_id
MAX_PENDING = 100_000
FLUSH_SECONDS = 0.5
PURGE_SECONDS = 3600.0


def normalise(q: str) -> str:
    """Return the query as it is counted: NFKC, case-folded, spaces collapsed, bounded.

    >>> normalise("  Wind   FARM ")
    'wind farm'
    >>> normalise("Straße") == normalise("STRASSE")
    True
    """
    return " ".join(unicodedata.normalize("NFKC", q).casefold().split())[:MAX_QUERY_CHARS]


def _day(day: int | None) -> str | None:
    return None if day is None else f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def filters_of(req: Any) -> dict[str, Any]:
    """Return the filters a search request set (only those set), as stored."""
    found = {"kind": list(req.kinds), "author": list(req.authors), "lang": list(req.langs),
             "site": list(req.sites),
             "from": _day(req.day_from), "to": _day(req.day_to)}
    if req.q.strip() and req.sort != "relevance":
        found["sort"] = req.sort
    return {k: v for k, v in found.items() if v}


def relaxation(result: Any) -> tuple[str, int]:
    """Return (the words matching did not require, space-separated; 1 if typos matched).

    ``not_required`` are the words the best result lacks once matching relaxed; stop words
    the engine never searched (``ignored``) are not counted as dropped.
    """
    return " ".join(result.not_required), int(bool(result.typos))


def new_search_id(now: float) -> str:
    """Return a search id: 12 hex digits of milliseconds, then 80 random bits.

    Time-ordered ids append to the end of the key's B-tree: 8.5 times the insert rate of
    random ids in a table of 200,000 searches.

    >>> a, b = new_search_id(1.0), new_search_id(2.0)
    >>> len(a), a < b, a[:12]
    (32, True, '0000000003e8')
    """
    return f"{int(now * 1000):012x}{secrets.token_hex(10)}"


class Recorder:
    """This process's batch of rows and the thread that writes them to ``path``."""

    def __init__(self, path: str, days: int, clock: Callable[[], float] = time.time) -> None:
        self.path, self.days, self.clock = path, days, clock
        self._lock = threading.Lock()  # guards the batch
        self._writing = threading.Lock()  # one transaction at a time on the connection
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._searches: list[tuple] = []
        self._clicks: list[tuple] = []
        self._rule_uses: list[tuple] = []  # editors' rules that steered a search (rule_uses)
        self._settles: list[tuple] = []
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._conn = None
        self.dropped = 0
        store.connect(path).close()  # create the file and schema at start: fail early

    def add_search(self, row: tuple) -> bool:
        """Queue one search row; False if the batch is full (the row is dropped)."""
        return self._add(True, row)

    def add_click(self, row: tuple) -> bool:
        """Queue one click row; False if the batch is full (the row is dropped)."""
        return self._add(False, row)

    def add_rule_uses(self, rows: list[tuple]) -> None:
        """Queue the rule rows of a search just queued (``rule_uses``)."""
        with self._lock:
            if len(self._rule_uses) < MAX_PENDING:
                self._rule_uses.extend(rows)

    def add_settle(self, row: tuple) -> bool:
        """Queue one settled search (its id, the time); False if the batch is full."""
        return self._add(None, row)

    def _add(self, search: bool | None, row: tuple) -> bool:
        with self._lock:  # the lists are swapped by flush: pick one only under the lock
            if self._pid != os.getpid():  # forked (gunicorn worker): the thread stayed behind
                self._pid, self._thread, self._conn = os.getpid(), None, None
                self._searches.clear()
                self._clicks.clear()
                self._settles.clear()
                self._rule_uses.clear()
            if len(self._searches) + len(self._clicks) + len(self._settles) >= MAX_PENDING:
                self.dropped += 1
                metrics.ANALYTICS_DROPPED.inc()
                if self.dropped % 1000 == 1:
                    log.warning("analytics: batch full, %d rows dropped so far", self.dropped)
                return False
            (self._settles if search is None else self._searches if search
             else self._clicks).append(row)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="analytics-writer",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.close)
        return True

    def _run(self) -> None:
        next_purge = 0.0
        while not self._stop.is_set():
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            if time.monotonic() >= next_purge:
                self._purge()
                next_purge = time.monotonic() + PURGE_SECONDS
            self.flush()

    def _connection(self):
        if self._conn is None:
            self._conn = store.connect(self.path)
        return self._conn

    def flush(self) -> None:
        """Write the queued rows now (a failed write keeps them for the next try)."""
        with self._lock:
            searches, clicks, settles = self._searches, self._clicks, self._settles
            uses = self._rule_uses
            self._searches, self._clicks, self._settles, self._rule_uses = [], [], [], []
        if not searches and not clicks and not settles and not uses:
            return
        try:
            with self._writing:
                store.write(self._connection(), searches, clicks, settles)
                if uses:
                    rule_uses.write(self._connection(), uses)
        except Exception:  # noqa: BLE001 (disk full, locked too long: retry, never crash)
            log.exception("analytics: writing %d rows failed; retrying",
                          len(searches) + len(clicks) + len(settles))
            with self._lock:
                self._searches[:0], self._clicks[:0] = searches, clicks
                self._rule_uses[:0] = uses
                self._settles[:0] = settles

    def _purge(self) -> None:
        try:
            with self._writing:
                gone = store.purge(self._connection(), self.clock() - self.days * 86400)
                rule_uses.purge(self._connection(), self.clock() - self.days * 86400)
        except Exception:  # noqa: BLE001
            log.exception("analytics: deleting old rows failed")
            return
        if gone:
            log.info("analytics: deleted %d searches older than %d days", gone, self.days)

    def close(self) -> None:
        """Stop the writer and write what is left (at exit and when the app is closed)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread() \
                and self._pid == os.getpid():
            thread.join(10)
        self.flush()
        with self._writing:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def report(self, day_from: str, day_to: str, limit: int) -> dict[str, Any]:
        """Read the report of a range of UTC days (this process's rows written first)."""
        self.flush()
        conn = store.connect(self.path)
        try:
            return store.report(conn, day_from, day_to, limit)
        finally:
            conn.close()

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()


def recorder() -> Recorder | None:
    """Return the app's recorder, or None when analytics is off."""
    return current_app.extensions.get("analytics")


def source() -> str:
    """Return where this search request came from: admin (the token), widget or api."""
    token = current_app.config.get("ADMIN_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    given = header[len("Bearer "):].strip() if header.startswith("Bearer ") else \
        (request.authorization.password or "") if request.authorization is not None else ""
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return "admin"
    return "widget" if request.args.get("via") == "widget" else "api"


def record_search(req: Any, result: Any, took_ms: float) -> str | None:
    """Record an answered search; return its ``search_id`` (None when analytics is off)."""
    rec = current_app.extensions.get("analytics")
    if rec is None:
        return None
    now = rec.clock()
    search_id = new_search_id(now)
    dropped, typos = relaxation(result)
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    filters = json.dumps(filters_of(req), ensure_ascii=False, separators=(",", ":"))
    if rec.add_search((search_id, now, day, normalise(req.q), filters, req.page,
                       result.total, took_ms, dropped, typos, source())):
        return search_id
    return None
