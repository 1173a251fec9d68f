"""Search analytics storage: one SQLite file in WAL mode, shared by every gunicorn worker.

Rows are small and bounded by design (issue 26), so anonymous traffic cannot fill the disk:

- ``searches``: one row per answered search (not per answer: the same answer served again
  from a worker's response cache adds 1 to its row's ``repeats``). The id is an integer
  (time-ordered: the time in ms, then random bits; see ``analytics.new_row_id``), the query
  is normalised and cut to ``MAX_QUERY_BYTES`` of UTF-8, the filters are one letter each
  (``FILTER_CODES``), the dropped words are cut to ``MAX_DROPPED_BYTES``: a row is at most
  about 260 bytes on disk, whatever the request held.
- ``clicks``: one row per reported click (the search_id's number, the position, the
  result's id cut to ``MAX_DOC_ID``), unique per search answer and position, so a retried
  report is counted once.
- ``meta``: the key that signs search ids (so every worker accepts the ids the others gave).

Nothing about the reader is stored: no IP, cookie, user agent or user id. Every count in the
report weighs a row by ``1 + repeats``. ``enforce_cap`` keeps the file under a size by
deleting the oldest searches (and their clicks) first; ``purge`` deletes rows past the
retention period. Both delete by id range (ids are time-ordered), never by a scan.

Writers are the recorders of the workers (a batch a transaction, ``busy_timeout`` waits for
the other worker's lock); readers are the admin report, which WAL lets run beside them.
Days are UTC ``YYYY-MM-DD`` strings, so day ranges compare as text. A database written
before this layout (text ids, JSON filters) is converted when it is first opened.
"""
from __future__ import annotations

import json
import math
import secrets
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

VERSION = 2  # PRAGMA user_version of this layout
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY,      -- the time in ms << 21 | 14 random bits << 7 (see analytics)
    ts INTEGER NOT NULL,         -- seconds since the epoch, UTC
    day TEXT NOT NULL,           -- YYYY-MM-DD, UTC
    query TEXT NOT NULL,         -- normalised: NFKC, case-folded, spaces collapsed, <= 150 bytes
    filters TEXT NOT NULL,       -- one letter a filter set, sorted (FILTER_CODES), '' for none
    page INTEGER NOT NULL,
    results INTEGER NOT NULL,    -- total matches
    took_ms REAL,
    words_dropped TEXT,          -- words matching did not require ('': none, NULL: unknown)
    typos_used INTEGER,          -- 1 if a word matched through a typo (NULL: unknown)
    repeats INTEGER NOT NULL DEFAULT 0  -- the same answer served again from a response cache
);
CREATE TABLE IF NOT EXISTS clicks (
    search_id INTEGER NOT NULL,  -- the number in the search_id: its search's id + the answer's
    position INTEGER NOT NULL,   -- 1-based rank of the clicked result in its result list
    doc_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (search_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
"""
SEARCH_COLUMNS = ("id", "ts", "day", "query", "filters", "page", "results", "took_ms",
                  "words_dropped", "typos_used")
CLICK_COLUMNS = ("search_id", "position", "doc_id", "ts")
ANSWER_BITS = 7              # low bits of a search_id number: which answer of the search
RANDOM_BITS = 14             # then random bits, then the time in ms
BUSY_MS = 5000
LOW_POSITION = 3  # a click below this rank "lands low in the list"
MAX_QUERY_BYTES = 150
MAX_DROPPED_BYTES = 40
MAX_DOC_ID = 64
FILTER_CODES = {"kind": "k", "author": "a", "speaker": "s", "lang": "l", "from": "f",
                "to": "t", "sort": "o"}
CAP_LOW_WATER = 0.9          # enforce_cap deletes down to this share of the cap
DELETE_CHUNK = 20_000        # rows a transaction of enforce_cap deletes at most
WAL_LIMIT_BYTES = 4 * 1024 * 1024  # about the 1,000 pages of an automatic checkpoint


def cut(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary.

    >>> cut("naïve", 3), cut("abc", 10)
    ('na', 'abc')
    """
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def search_of(number: int) -> int:
    """Return the searches row id of a search_id's number (its answer bits cleared)."""
    return number >> ANSWER_BITS << ANSWER_BITS


def connect(path: str) -> sqlite3.Connection:
    """Open (creating or converting if needed) the database at ``path`` in WAL mode."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
    conn.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")  # the WAL shrinks back
    if conn.execute("PRAGMA user_version").fetchone()[0] != VERSION:
        _upgrade(conn)
    return conn


def _upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables, converting those of the first layout (text ids, JSON filters)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("PRAGMA user_version").fetchone()[0] == VERSION:
            return  # another worker did it meanwhile
        columns = {row[1]: row[2] for row in conn.execute("PRAGMA table_info(searches)")}
        old = columns.get("id", "").upper() == "TEXT"
        if old:
            conn.execute("ALTER TABLE searches RENAME TO searches_v1")
            conn.execute("ALTER TABLE clicks RENAME TO clicks_v1")
            conn.execute("DROP INDEX IF EXISTS clicks_ts")
        for statement in SCHEMA.split(";"):  # not executescript: it commits first
            if statement.strip():
                conn.execute(statement)
        if old:
            _convert(conn)
        conn.execute(f"PRAGMA user_version = {VERSION}")


def _old_number(search_id: str) -> int | None:
    """The integer id of a first-layout search id (12 hex digits of ms, 20 random)."""
    try:
        ms, rand = int(search_id[:12], 16), int(search_id[12:], 16)
    except ValueError:
        return None
    return (ms << (RANDOM_BITS + ANSWER_BITS)) | ((rand & ((1 << RANDOM_BITS) - 1)) << ANSWER_BITS)


def _convert(conn: sqlite3.Connection) -> None:
    rows = []
    for (sid, ts, day, query, filters, page, results, took, dropped, typos) in conn.execute(
            f"SELECT {', '.join(SEARCH_COLUMNS)} FROM searches_v1"):
        number = _old_number(sid)
        if number is None:
            continue
        try:
            keys = json.loads(filters) if filters else {}
        except ValueError:
            keys = {}
        rows.append((number, int(ts), day, cut(query, MAX_QUERY_BYTES),
                     codes(keys if isinstance(keys, dict) else {}), page, results, took,
                     None if dropped is None else cut(dropped, MAX_DROPPED_BYTES), typos))
    conn.executemany(f"INSERT OR IGNORE INTO searches ({', '.join(SEARCH_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(SEARCH_COLUMNS))})", rows)
    clicks = [(number, position, str(doc)[:MAX_DOC_ID], int(ts))
              for sid, position, doc, ts in conn.execute("SELECT * FROM clicks_v1")
              if (number := _old_number(sid)) is not None]
    conn.executemany("INSERT OR IGNORE INTO clicks VALUES (?, ?, ?, ?)", clicks)
    conn.execute("DROP TABLE searches_v1")
    conn.execute("DROP TABLE clicks_v1")


def codes(filters: dict[str, Any]) -> str:
    """Return the letters of the filters set (``FILTER_CODES``), sorted.

    >>> codes({"author": ["A", "B"], "kind": ["quote"], "from": "2024-01-01"})
    'afk'
    """
    return "".join(sorted(FILTER_CODES[k] for k, v in filters.items() if v and k in FILTER_CODES))


def signing_key(conn: sqlite3.Connection) -> bytes:
    """Return the key that signs search ids, made once per database (shared by workers)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('search_id_key', ?)",
                     (secrets.token_bytes(32),))
    return bytes(conn.execute("SELECT value FROM meta WHERE key = 'search_id_key'").fetchone()[0])


def write(conn: sqlite3.Connection, searches: Sequence[tuple], clicks: Sequence[tuple],
          repeats: Sequence[tuple[int, int]] = ()) -> None:
    """Insert a batch of search and click rows and add ``repeats`` ((n, id) pairs) to
    searches, in one transaction."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if searches:  # the same id from two workers (rare): counted as a repeat
            conn.executemany(
                f"INSERT INTO searches ({', '.join(SEARCH_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(SEARCH_COLUMNS))}) "
                "ON CONFLICT (id) DO UPDATE SET repeats = repeats + 1", searches)
        if repeats:
            conn.executemany("UPDATE searches SET repeats = repeats + ? WHERE id = ?", repeats)
        if clicks:
            conn.executemany(
                f"INSERT OR IGNORE INTO clicks ({', '.join(CLICK_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CLICK_COLUMNS))})", clicks)


def id_before(ts: float) -> int:
    """Return the smallest search id of a search at or after ``ts`` (seconds)."""
    return max(0, int(ts * 1000)) << (RANDOM_BITS + ANSWER_BITS)


def purge(conn: sqlite3.Connection, before_ts: float) -> int:
    """Delete rows older than ``before_ts``; return how many searches went."""
    first = id_before(before_ts)
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        gone = conn.execute("DELETE FROM searches WHERE id < ?", (first,)).rowcount
        conn.execute("DELETE FROM clicks WHERE search_id < ?", (first,))
    return gone


def used_bytes(conn: sqlite3.Connection) -> int:
    """Return the bytes of the database's pages in use (free pages are reused by inserts)."""
    size, pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                         for p in ("page_size", "page_count", "freelist_count"))
    return (pages - free) * size


def enforce_cap(conn: sqlite3.Connection, max_bytes: int) -> int:
    """Delete the oldest searches (and their clicks) until the pages in use are under
    ``CAP_LOW_WATER`` of ``max_bytes``; return how many searches went. The file itself
    keeps its size: SQLite reuses the freed pages, so it stops growing at about the cap."""
    gone = 0
    for _ in range(1000):  # a chunk a transaction, so writers wait for none of them long
        used = used_bytes(conn)
        if used <= max_bytes:
            return gone
        rows = conn.execute("SELECT COUNT(*) FROM searches").fetchone()[0] \
            + conn.execute("SELECT COUNT(*) FROM clicks").fetchone()[0]
        if not rows:
            return gone
        excess = used - CAP_LOW_WATER * max_bytes
        n = min(DELETE_CHUNK, max(1, math.ceil(excess / (used / rows))))
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            last = conn.execute("SELECT id FROM searches ORDER BY id LIMIT 1 OFFSET ?",
                                (n - 1,)).fetchone()
            if last is None:  # fewer searches than that: all of them, and every click
                gone += conn.execute("DELETE FROM searches").rowcount
                conn.execute("DELETE FROM clicks")
                continue
            gone += conn.execute("DELETE FROM searches WHERE id <= ?", (last[0],)).rowcount
            conn.execute("DELETE FROM clicks WHERE search_id < ?", (last[0] + (1 << ANSWER_BITS),))
    return gone


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any] | dict) -> list[dict[str, Any]]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# The report reads the range of first-page searches in full scans (an index on the day made
# it 20 times slower: one row look-up per search) and reaches them from the clicks by id
# (clicks are fewer). Per query: searches (``qs``), clicks per answer (``k``), both joined
# (``qa``); every figure is read from these temporary tables and two more scans. A row
# counts ``1 + repeats`` searches. "More results" pages are counted apart; clicks of
# searches outside the range are left out.
_N = "(1 + repeats)"
_RANGE = "FROM searches WHERE day BETWEEN :from AND :to AND page = 1"
_TEMP = (f"""
CREATE TEMP TABLE qs AS SELECT query, SUM({_N}) AS searches, SUM((results = 0) * {_N}) AS zero,
       MAX(CASE WHEN results = 0 THEN day END) AS last_zero_day {_RANGE} GROUP BY query
""", f"""
CREATE TEMP TABLE k AS
SELECT s.query, COUNT(*) AS n, SUM(c.position > {LOW_POSITION}) AS low,
       SUM(c.position) AS positions
FROM clicks c CROSS JOIN searches s ON s.id = c.search_id >> {ANSWER_BITS} << {ANSWER_BITS}
WHERE s.day BETWEEN :from AND :to AND s.page = 1 GROUP BY c.search_id
""", """
CREATE TEMP TABLE qa AS
SELECT qs.query, qs.searches, qs.zero AS zero_result_searches, qs.last_zero_day,
       COALESCE(kq.clicks, 0) AS clicks, COALESCE(kq.clicked, 0) AS searches_with_clicks,
       COALESCE(kq.low, 0) AS low_clicks, COALESCE(kq.positions, 0) AS positions
FROM qs LEFT JOIN (SELECT query, SUM(n) AS clicks, COUNT(*) AS clicked, SUM(low) AS low,
                          SUM(positions) AS positions FROM k GROUP BY query) kq
       ON kq.query = qs.query
""")
_TABLES = ("qs", "k", "qa")


def report(conn: sqlite3.Connection, day_from: str, day_to: str, limit: int) -> dict[str, Any]:
    """Return the analytics of the UTC days ``day_from``..``day_to`` (inclusive)."""
    rng = {"from": day_from, "to": day_to}

    def drop() -> None:
        for table in _TABLES:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    drop()
    try:
        with conn:  # one read transaction: every figure from the same rows
            conn.execute("BEGIN")
            for sql in _TEMP:
                conn.execute(sql, rng if ":from" in sql else ())
            return _read(conn, rng, limit)
    finally:
        drop()


def _read(conn: sqlite3.Connection, rng: dict[str, str], limit: int) -> dict[str, Any]:
    totals = _rows(conn, """
        SELECT COALESCE(SUM(searches), 0) AS searches,
               COALESCE(SUM(zero_result_searches), 0) AS zero_result_searches,
               COALESCE(SUM(clicks), 0) AS clicks,
               COALESCE(SUM(searches_with_clicks), 0) AS searches_with_clicks,
               SUM(positions) AS positions FROM qa""", ())[0]
    days = _rows(conn, f"""
        SELECT day, SUM({_N}) AS searches, SUM((results = 0) * {_N}) AS zero_result_searches,
               SUM((words_dropped IS NOT NULL AND words_dropped != '') * {_N}) AS dropped,
               SUM((typos_used = 1) * {_N}) AS typos,
               COUNT(words_dropped) + COUNT(typos_used) AS told
        {_RANGE} GROUP BY day ORDER BY day""", rng)
    reported = sum(d.pop("told") for d in days)  # 0: the engine does not say (yet)
    dropped = sum(d.pop("dropped") for d in days) if reported else None
    typos = sum(d.pop("typos") for d in days) if reported else None
    for row in days:
        row.pop("dropped", None), row.pop("typos", None)
        row["zero_result_share"] = _share(row["zero_result_searches"], row["searches"])
    more = conn.execute(f"SELECT COALESCE(SUM({_N}), 0) FROM searches WHERE day BETWEEN :from "
                        "AND :to AND page > 1", rng).fetchone()[0]
    top = _rows(conn, """
        SELECT query, searches, zero_result_searches, clicks, searches_with_clicks FROM qa
        WHERE query != '' ORDER BY searches DESC, query LIMIT ?""", (limit,))
    for row in top:
        row["click_through_rate"] = _share(row.pop("searches_with_clicks"), row["searches"])
    zero = _rows(conn, """
        SELECT query, zero_result_searches AS searches, last_zero_day AS last_day FROM qa
        WHERE zero_result_searches > 0 AND query != ''
        ORDER BY zero_result_searches DESC, query LIMIT ?""", (limit,))
    low = _rows(conn, """
        SELECT query, clicks, low_clicks, ROUND(1.0 * positions / clicks, 2) AS mean_position
        FROM qa WHERE query != '' AND clicks > 0 AND low_clicks * 2 >= clicks
        ORDER BY low_clicks DESC, mean_position DESC, query LIMIT ?""", (limit,))
    used = _rows(conn, "SELECT " + ", ".join(
        f"COALESCE(SUM((instr(filters, '{c}') > 0) * {_N}), 0) AS {c}"
        for c in FILTER_CODES.values()) + f" {_RANGE}", rng)[0]
    names = {c: name for name, c in FILTER_CODES.items()}
    filters = sorted(({"filter": names[c], "searches": n} for c, n in used.items() if n),
                     key=lambda f: (-f["searches"], f["filter"]))
    n, clicks = totals["searches"], totals["clicks"]
    return {
        "from": rng["from"], "to": rng["to"],
        "searches": n, "more_results_pages": more,
        "zero_result_searches": totals["zero_result_searches"],
        "zero_result_share": _share(totals["zero_result_searches"], n),
        "searches_with_dropped_words": dropped, "searches_with_typos": typos,
        "clicks": clicks, "searches_with_clicks": totals["searches_with_clicks"],
        "click_through_rate": _share(totals["searches_with_clicks"], n),
        "mean_click_position": round(totals["positions"] / clicks, 2) if clicks else None,
        "top_queries": top, "top_zero_result_queries": zero, "low_click_queries": low,
        "filters_used": filters, "days": days,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
