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
``analytics_batch.MAX_PENDING`` rows (the disk stalled for minutes) new rows are dropped and counted in the
log, so a search never waits for the disk. Rows older than ``SEARCH_ANALYTICS_DAYS`` are
deleted by the writer at start and hourly after.

Bounded by design (issue 26): a row has a bounded size (``analytics_schema``); an answer the
worker's response cache serves again adds to its search's ``repeats`` instead of a row of
its own; a ``search_id`` is signed and names the time it was given (``analytics_ids``), so
``POST /events`` accepts settles and clicks only for ids this service gave in the last day;
and past ``SEARCH_ANALYTICS_MAX_MB`` the writer deletes the oldest searches first (checked
every ``CAP_SECONDS``).
"""
from __future__ import annotations

import atexit
import datetime as dt
import hmac
import logging
import os
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from . import analytics_store as store
from . import metrics, rule_uses
from .analytics_batch import Answers, Batch
from .analytics_ids import Signer, new_row_id

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 200
SEARCH_ID_PATTERN = "^[0-9a-f]{32}$"  # analytics_ids.Signer: 16 hex digits of a number, 16 of HMAC
FLUSH_SECONDS = 0.5
PURGE_SECONDS = 3600.0
CAP_SECONDS = 10.0          # how often the writer compares the database with its cap


def normalise(q: str) -> str:
    """Return the query as it is counted: NFKC, case-folded, spaces collapsed, bounded.

    >>> normalise("  Wind   FARM ")
    'wind farm'
    >>> normalise("Straße") == normalise("STRASSE")
    True
    >>> len(normalise("é" * 200).encode())  # at most MAX_QUERY_BYTES of UTF-8
    150
    """
    text = " ".join(unicodedata.normalize("NFKC", q).casefold().split())[:MAX_QUERY_CHARS]
    return store.cut(text, store.MAX_QUERY_BYTES)


def _day(day: int | None) -> str | None:
    return None if day is None else f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def filters_of(req: Any) -> dict[str, Any]:
    """Return the filters a search request set (only those set); stored as their letters
    (``analytics_schema.codes``)."""
    found = {"kind": list(req.kinds), "author": list(req.authors), "lang": list(req.langs),
             "site": list(req.sites), "speaker": list(getattr(req, "speakers", ())),
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


class Recorder:
    """This process's batch of rows and the thread that writes them to ``path``."""

    def __init__(self, path: str, days: int, clock: Callable[[], float] = time.time,
                 max_mb: float = 0.0) -> None:
        self.path, self.days, self.clock = path, days, clock
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.answers = Answers()
        self.batch = Batch()
        self._lock = threading.Lock()  # guards starting the writer thread
        self._writing = threading.Lock()  # one transaction at a time on the connection
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._conn = None
        self.signer = _signer(path)  # creates the file and schema at start: fail early

    def add_search(self, row: tuple) -> bool:
        """Queue one search row; False if the batch is full (the row is dropped)."""
        return self._add("searches", [row])

    def add_click(self, row: tuple) -> bool:
        """Queue one click row; False if the batch is full (the row is dropped)."""
        return self._add("clicks", [row])

    def add_rule_uses(self, rows: list[tuple]) -> None:
        """Queue the rule rows of a search just queued (``rule_uses``)."""
        self._add("rule_uses", rows)

    def add_settle(self, row: tuple) -> bool:
        """Queue one settled answer (its number, the time); False if the batch is full."""
        return self._add("settles", [row])

    def _add(self, kind: str, rows: list[tuple]) -> bool:
        with self._lock:
            if self._pid != os.getpid():  # forked (gunicorn worker): the thread stayed behind
                self._pid, self._thread, self._conn = os.getpid(), None, None
                self.batch.clear()
                self.answers.clear()
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="analytics-writer",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.close)
        if self.batch.add(kind, rows):
            return True
        metrics.ANALYTICS_DROPPED.inc(len(rows))
        if self.batch.dropped % 1000 == 1:
            log.warning("analytics: batch full, %d rows dropped so far", self.batch.dropped)
        return False

    def _run(self) -> None:
        next_purge = next_cap = 0.0
        while not self._stop.is_set():
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            if time.monotonic() >= next_purge:
                self._purge()
                next_purge = time.monotonic() + PURGE_SECONDS
            self.flush()
            if self.max_bytes and time.monotonic() >= next_cap:
                self._cap()
                next_cap = time.monotonic() + CAP_SECONDS

    def _connection(self):
        if self._conn is None:
            self._conn = store.connect(self.path)
        return self._conn

    def flush(self) -> None:
        """Write the queued rows now (a failed write keeps them for the next try)."""
        rows = self.batch.take()
        repeats = self.answers.take()
        if not any(rows.values()) and not repeats:
            return
        try:
            with self._writing:
                store.write(self._connection(), rows["searches"], rows["clicks"],
                            rows["settles"], repeats)
                if rows["rule_uses"]:
                    rule_uses.write(self._connection(), rows["rule_uses"])
        except Exception:  # noqa: BLE001 (disk full, locked too long: retry, never crash)
            log.exception("analytics: writing %d rows failed; retrying",
                          sum(len(r) for r in rows.values()))
            self.batch.give_back(rows)
            self.answers.give_back(repeats)

    def _cap(self) -> None:
        """Delete the oldest rows while the database is over its cap."""
        try:
            with self._writing:
                gone = store.enforce_cap(self._connection(), self.max_bytes)
        except Exception:  # noqa: BLE001
            log.exception("analytics: keeping the database under its cap failed")
            return
        if gone:
            metrics.ANALYTICS_CAPPED.inc(gone)
            log.info("analytics: deleted the %d oldest searches (the database is capped at "
                     "%d MB)", gone, self.max_bytes // (1024 * 1024))

    def _purge(self) -> None:
        try:
            with self._writing:
                gone = store.purge(self._connection(), self.clock() - self.days * 86400)
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


    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).date()


def _signer(path: str) -> Signer:
    conn = store.connect(path)
    try:
        return Signer(store.signing_key(conn))
    finally:
        conn.close()


def report(rec: Recorder, day_from: str, day_to: str, limit: int) -> dict[str, Any]:
    """Read the report of a range of UTC days (this process's rows written first)."""
    rec.flush()
    conn = store.connect(rec.path)
    try:
        return store.report(conn, day_from, day_to, limit)
    finally:
        conn.close()


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
    """Record an answered search; return its ``search_id`` (None when analytics is off).

    An answer this worker's response cache serves again (the same result object) adds one
    to its search's ``repeats`` and gets a search_id of its own (for its settle and clicks).
    """
    rec = current_app.extensions.get("analytics")
    if rec is None:
        return None
    now = rec.clock()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    again = rec.answers.repeat(result, day)
    if again is not None:
        return rec.signer.sign(again)
    row = new_row_id(now)
    dropped, typos = relaxation(result)
    if rec.add_search((row, int(now), day, normalise(req.q), store.codes(filters_of(req)),
                       req.page, result.total, round(took_ms, 1),
                       store.cut(dropped, store.MAX_DROPPED_BYTES), typos, source())):
        rec.answers.remember(result, row, day)
        return rec.signer.sign(row)
    return None
