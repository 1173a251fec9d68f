"""Search analytics (issue 14, part 3): what readers search for, find, miss and click.

On when ``SEARCH_ANALYTICS_DB`` names a file. Each answered search is recorded by one call
from the search view (``record_search``): the normalised query, the filters set, the page,
the number of results, the time, the words matching did not require and whether typos
matched; never an IP, cookie, user agent or user id. The response
then carries a random ``search_id``, with which the widget reports a click on a result
(``POST /events``: that id, the result's id and its position; 204). ``GET /admin/analytics``
(admin token) reports a range of days; ``/admin/analytics.html`` shows it to editors.

Recording stays off the request path: a row is appended to this worker's in-memory batch
(microseconds) and a writer thread inserts the batches into SQLite (``analytics_store``)
every half second and when the worker exits. The batch is bounded: past
``MAX_PENDING`` rows (the disk stalled for minutes) new rows are dropped and counted in the
log, so a search never waits for the disk. Rows older than ``SEARCH_ANALYTICS_DAYS`` are
deleted by the writer at start and hourly after.

Bounded by design (issue 26): a row has a bounded size (``analytics_store``); an answer the
worker's response cache serves again adds to its search's ``repeats`` instead of a row of
its own; a ``search_id`` is signed (HMAC-SHA256 with a key kept in the database) and names
the time it was given, so ``POST /events`` accepts clicks only for ids this service gave in
the last ``CLICK_MAX_AGE`` seconds; and past ``SEARCH_ANALYTICS_MAX_MB`` the writer deletes
the oldest searches first (checked every ``CAP_SECONDS``).
"""
from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from . import analytics_store as store
from . import metrics
from .settings import SettingsError

log = logging.getLogger(__name__)
MAX_QUERY_CHARS = 200
SEARCH_ID_PATTERN = "^[0-9a-f]{32}$"  # Signer.sign: 16 hex digits of the number, 16 of HMAC
MAX_PENDING = 100_000
FLUSH_SECONDS = 0.5
PURGE_SECONDS = 3600.0
CAP_SECONDS = 10.0          # how often the writer compares the database with its cap
CLICK_MAX_AGE = 86400.0     # a click is accepted for a search_id given this recently
CLICK_CLOCK_SKEW = 300.0    # ... or this far in the future (clocks of workers on other hosts)


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
    (``analytics_store.codes``)."""
    found = {"kind": list(req.kinds), "author": list(req.authors), "lang": list(req.langs),
             "speaker": list(getattr(req, "speakers", ())),
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


_last_row = [0]
_row_lock = threading.Lock()


def new_row_id(now: float) -> int:
    """Return a new search's id: the time in ms, then 14 random bits, then 7 zero bits (the
    number of the answer, see ``Signer``); above the last one this process gave, so a
    process never gives one twice (two workers may, in the same ms, once in 16,384 times:
    ``analytics_store.write`` then counts the second as a repeat of the first).

    Time-ordered ids append to the end of the table's B-tree (8.5 times the insert rate of
    random ids in a table of 200,000 searches) and let retention and the size cap delete
    by id range.

    >>> _last_row[0] = 0  # as in a new process
    >>> a, b = new_row_id(1.0), new_row_id(2.0)
    >>> a < b, a >> 21, a & 127, new_row_id(1.0) > b
    (True, 1000, 0, True)
    """
    row = (int(now * 1000) << (store.RANDOM_BITS + store.ANSWER_BITS)) \
        | (secrets.randbits(store.RANDOM_BITS) << store.ANSWER_BITS)
    with _row_lock:
        if row <= _last_row[0]:
            row = _last_row[0] + (1 << store.ANSWER_BITS)
        _last_row[0] = row
    return row


def new_search_id(now: float) -> str:
    """Return an unsigned search id of the first layout (kept for old callers' tests)."""
    return f"{new_row_id(now):016x}{secrets.token_hex(8)}"


class Signer:
    """Search ids a reader's browser sends back: 16 hex digits of a number (a searches row
    id plus the answer's number in its low bits), then 16 of its HMAC-SHA256."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _mac(self, number: int) -> str:
        return hmac.new(self.key, number.to_bytes(8, "big"), hashlib.sha256).hexdigest()[:16]

    def sign(self, number: int) -> str:
        """Return the search_id of ``number``.

        >>> s = Signer(b"k"); sid = s.sign(1_000_000_000_000 << 21)  # given at 1e9 s
        >>> len(sid), s.verify(sid, 1e9) == int(sid[:16], 16), s.verify(sid[:-1] + "0", 1e9)
        (32, True, None)
        """
        return f"{number:016x}{self._mac(number)}"

    def verify(self, search_id: str, now: float) -> int | None:
        """Return the number of ``search_id`` if this key signed it and it was given within
        the last CLICK_MAX_AGE seconds; else None."""
        try:
            number = int(search_id[:16], 16)
        except ValueError:
            return None
        if len(search_id) != 32 or not hmac.compare_digest(self._mac(number), search_id[16:]):
            return None
        given = (number >> (store.RANDOM_BITS + store.ANSWER_BITS)) / 1000
        return number if now - CLICK_MAX_AGE <= given <= now + CLICK_CLOCK_SKEW else None


class Recorder:
    """This process's batch of rows and the thread that writes them to ``path``."""

    def __init__(self, path: str, days: int, clock: Callable[[], float] = time.time,
                 max_mb: float = 0.0) -> None:
        self.path, self.days, self.clock = path, days, clock
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._lock = threading.Lock()  # guards the batch
        self._writing = threading.Lock()  # one transaction at a time on the connection
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._searches: list[tuple] = []
        self._clicks: list[tuple] = []
        self._repeats: dict[int, int] = {}  # row id -> answers served again from the cache
        # the answers this worker gave while their result objects live (a response cache
        # holds them): id(result) -> [weak reference, row id, day, answers given again]
        self._seen: dict[int, list] = {}
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._conn = None
        self.dropped = 0
        conn = store.connect(path)  # create the file and schema at start: fail early
        try:
            self.signer = Signer(store.signing_key(conn))
        finally:
            conn.close()

    def add_search(self, row: tuple) -> bool:
        """Queue one search row; False if the batch is full (the row is dropped)."""
        return self._add(True, row)

    def add_click(self, row: tuple) -> bool:
        """Queue one click row; False if the batch is full (the row is dropped)."""
        return self._add(False, row)

    def _add(self, search: bool, row: tuple) -> bool:
        with self._lock:  # the lists are swapped by flush: pick one only under the lock
            if self._pid != os.getpid():  # forked (gunicorn worker): the thread stayed behind
                self._pid, self._thread, self._conn = os.getpid(), None, None
                self._searches.clear()
                self._clicks.clear()
                self._repeats.clear()
                self._seen.clear()
            if len(self._searches) + len(self._clicks) >= MAX_PENDING:
                self.dropped += 1
                metrics.ANALYTICS_DROPPED.inc()
                if self.dropped % 1000 == 1:
                    log.warning("analytics: batch full, %d rows dropped so far", self.dropped)
                return False
            (self._searches if search else self._clicks).append(row)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="analytics-writer",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.close)
        return True

    def repeat(self, result: Any, day: str) -> int | None:
        """If ``result`` (the object a response cache hands out again) was answered today
        by this worker, count it as one more search of that row and return the number of
        this answer (its row id plus the answer's number); else None."""
        entry = self._seen.get(id(result))
        if entry is None or entry[0]() is not result or entry[2] != day:
            return None
        with self._lock:
            entry[3] += 1
            self._repeats[entry[1]] = self._repeats.get(entry[1], 0) + 1
            return entry[1] | (entry[3] % (1 << store.ANSWER_BITS))

    def remember(self, result: Any, row: int, day: str) -> None:
        """Note that ``result`` was answered as the search of ``row``: kept as long as the
        result lives (in the response cache), forgotten with it."""
        key, seen = id(result), self._seen
        try:
            ref = weakref.ref(result, lambda _, key=key: seen.pop(key, None))
        except TypeError:  # not weakly referenceable: never recognised again
            return
        seen[key] = [ref, row, day, 0]

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
        with self._lock:
            searches, clicks, repeats = self._searches, self._clicks, self._repeats
            self._searches, self._clicks, self._repeats = [], [], {}
        if not searches and not clicks and not repeats:
            return
        try:
            with self._writing:
                store.write(self._connection(), searches, clicks,
                            [(n, row) for row, n in repeats.items()])
        except Exception:  # noqa: BLE001 (disk full, locked too long: retry, never crash)
            log.exception("analytics: writing %d rows failed; retrying",
                          len(searches) + len(clicks))
            with self._lock:
                self._searches[:0], self._clicks[:0] = searches, clicks
                for row, n in repeats.items():
                    self._repeats[row] = self._repeats.get(row, 0) + n

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


def record_search(req: Any, result: Any, took_ms: float) -> str | None:
    """Record an answered search; return its ``search_id`` (None when analytics is off).

    An answer this worker's response cache serves again (the same result object) adds one
    to its search's ``repeats`` and gets a search_id of its own (for its clicks)."""
    rec = current_app.extensions.get("analytics")
    if rec is None:
        return None
    now = rec.clock()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    again = rec.repeat(result, day)
    if again is not None:
        return rec.signer.sign(again)
    row = new_row_id(now)
    dropped, typos = relaxation(result)
    if rec.add_search((row, int(now), day, normalise(req.q), store.codes(filters_of(req)),
                       req.page, result.total, round(took_ms, 1),
                       store.cut(dropped, store.MAX_DROPPED_BYTES), typos)):
        rec.remember(result, row, day)
        return rec.signer.sign(row)
    return None


def register(app: Flask) -> None:
    """Turn analytics on for ``app`` when SEARCH_ANALYTICS_DB is set."""
    path = app.config.get("ANALYTICS_DB")
    if not path:
        return
    from . import analytics_views

    try:
        app.extensions["analytics"] = Recorder(path, app.config["ANALYTICS_DAYS"],
                                               max_mb=app.config["ANALYTICS_MAX_MB"])
    except (OSError, sqlite3.Error) as exc:
        raise SettingsError(f"SEARCH_ANALYTICS_DB={path!r}: cannot open it: {exc}") from None
    app.register_blueprint(analytics_views.events)
    if app.config["ADMIN_TOKEN"]:
        app.register_blueprint(analytics_views.admin)


def openapi(paths: dict[str, Any], search_response: dict[str, Any]) -> None:
    """Add the analytics routes and the ``search_id`` field to the OpenAPI document."""
    if not current_app.extensions.get("analytics"):
        return
    from . import analytics_views

    search_response["properties"]["search_id"] = {
        "type": "string", "pattern": SEARCH_ID_PATTERN,
        "description": "present when analytics is on: send it with POST /events"}
    paths.update(analytics_views.openapi_paths(current_app.config))
