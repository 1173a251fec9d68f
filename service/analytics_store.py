"""Search analytics storage: one SQLite file in WAL mode, shared by every gunicorn worker.

Three tables. ``searches``: one row per answered search (a random id, the UTC time and day,
the normalised query, the filters used as JSON, the page, the number of results, once
matching relaxes the words it dropped and whether typos matched, and its ``source``: widget,
api or admin). ``clicks``: one row per reported click (the search's id, the position, the
result's id), unique per search and position, so a retried report is counted once.
``settled``: the widget's searches the reader settled on (Enter, or 1.5 s without typing).

The report counts a search only when the reader settled on it: a widget search that was
settled or clicked. As-you-type requests ("zeppeli", "zeppelin ha") are stored but not
counted; searches from other clients (no widget marker) and with the admin token are
counted apart, by source. Nothing about the reader is stored: no IP,
cookie, user agent or user id.

Writers are the recorders of the workers (a batch a transaction, ``busy_timeout`` waits for
the other worker's lock); readers are the admin report, which WAL lets run beside them.
Days are UTC ``YYYY-MM-DD`` strings, so day ranges compare as text.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id TEXT PRIMARY KEY,         -- time-ordered, then random; handed to the widget for clicks
    ts REAL NOT NULL,            -- seconds since the epoch, UTC
    day TEXT NOT NULL,           -- YYYY-MM-DD, UTC
    query TEXT NOT NULL,         -- normalised: NFKC, case-folded, spaces collapsed
    filters TEXT NOT NULL,       -- JSON object of the filters set (kind, author, lang, from...)
    page INTEGER NOT NULL,
    results INTEGER NOT NULL,    -- total matches
    took_ms REAL,
    words_dropped TEXT,          -- words matching did not require ('': none; NULL: unknown)
    typos_used INTEGER,          -- 1 if a word matched through a typo (NULL: unknown)
    source TEXT NOT NULL DEFAULT 'api'  -- widget, api (no widget marker) or admin (token)
);
CREATE TABLE IF NOT EXISTS settled (
    search_id TEXT PRIMARY KEY,  -- a widget search the reader settled on
    ts REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clicks (
    search_id TEXT NOT NULL,
    position INTEGER NOT NULL,   -- 1-based rank of the clicked result in its result list
    doc_id TEXT NOT NULL,
    ts REAL NOT NULL,
    PRIMARY KEY (search_id, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS clicks_ts ON clicks (ts);
"""
SEARCH_COLUMNS = ("id", "ts", "day", "query", "filters", "page", "results", "took_ms",
                  "words_dropped", "typos_used", "source")
SOURCES = ("widget", "api", "admin")
CLICK_COLUMNS = ("search_id", "position", "doc_id", "ts")
BUSY_MS = 5000
LOW_POSITION = 3  # a click below this rank "lands low in the list"


def connect(path: str) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` in WAL mode."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'searches'").fetchone() and \
            "source" not in {row[1] for row in conn.execute("PRAGMA table_info(searches)")}:
        conn.execute("ALTER TABLE searches ADD COLUMN source TEXT NOT NULL DEFAULT 'api'")
    conn.executescript(SCHEMA)
    return conn


def write(conn: sqlite3.Connection, searches: Sequence[tuple], clicks: Sequence[tuple],
          settles: Sequence[tuple] = ()) -> None:
    """Insert a batch of search, click and settle rows in one transaction."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if searches:
            conn.executemany(
                f"INSERT OR IGNORE INTO searches ({', '.join(SEARCH_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(SEARCH_COLUMNS))})", searches)
        if clicks:
            conn.executemany(
                f"INSERT OR IGNORE INTO clicks ({', '.join(CLICK_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CLICK_COLUMNS))})", clicks)
        if settles:
            conn.executemany("INSERT OR IGNORE INTO settled (search_id, ts) VALUES (?, ?)",
                             settles)


def purge(conn: sqlite3.Connection, before_ts: float) -> int:
    """Delete rows older than ``before_ts``; return how many searches went."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        gone = conn.execute("DELETE FROM searches WHERE ts < ?", (before_ts,)).rowcount
        conn.execute("DELETE FROM clicks WHERE ts < ?", (before_ts,))
        conn.execute("DELETE FROM settled WHERE ts < ?", (before_ts,))
    return gone


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# The report reads the range of first-page searches in full scans (an index on the day made
# it 20 times slower: one row look-up per search) and reaches them from the clicks by id
# (clicks are fewer). Per query: searches (``qs``), clicks per search (``k``), both joined
# (``qa``); every figure is read from these temporary tables and two more scans. "More
# results" pages are counted apart; clicks of searches outside the range are left out.
_PAGE_ONE = "FROM searches WHERE day BETWEEN :from AND :to AND page = 1"
# A search counts once its reader settled on it (or clicked one of its results).
SETTLED = ("source = 'widget' AND (EXISTS (SELECT 1 FROM settled WHERE search_id = searches.id)"
           " OR EXISTS (SELECT 1 FROM clicks WHERE search_id = searches.id))")
_RANGE = f"{_PAGE_ONE} AND {SETTLED}"
_TEMP = (f"""
CREATE TEMP TABLE qs AS SELECT query, COUNT(*) AS searches, SUM(results = 0) AS zero,
       MAX(CASE WHEN results = 0 THEN day END) AS last_zero_day {_RANGE} GROUP BY query
""", f"""
CREATE TEMP TABLE k AS
SELECT s.query, COUNT(*) AS n, SUM(c.position > {LOW_POSITION}) AS low,
       SUM(c.position) AS positions
FROM clicks c CROSS JOIN searches s ON s.id = c.search_id
WHERE s.day BETWEEN :from AND :to AND s.page = 1 AND s.source = 'widget'
GROUP BY c.search_id
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
        SELECT day, COUNT(*) AS searches, SUM(results = 0) AS zero_result_searches,
               SUM(words_dropped IS NOT NULL AND words_dropped != '') AS dropped,
               SUM(typos_used = 1) AS typos, COUNT(words_dropped) + COUNT(typos_used) AS told
        {_RANGE} GROUP BY day ORDER BY day""", rng)
    reported = sum(d.pop("told") for d in days)  # 0: the engine does not say (yet)
    dropped = sum(d.pop("dropped") for d in days) if reported else None
    typos = sum(d.pop("typos") for d in days) if reported else None
    for row in days:
        row.pop("dropped", None), row.pop("typos", None)
        row["zero_result_share"] = _share(row["zero_result_searches"], row["searches"])
    more = conn.execute("SELECT COUNT(*) FROM searches WHERE day BETWEEN :from AND :to "
                        "AND page > 1 AND source = 'widget'", rng).fetchone()[0]
    apart = {row[0]: row[1] for row in conn.execute(
        f"SELECT source, COUNT(*) {_PAGE_ONE} AND source != 'widget' GROUP BY source", rng)}
    unsettled = conn.execute(f"SELECT COUNT(*) {_PAGE_ONE} AND source = 'widget' "
                             f"AND NOT ({SETTLED})", rng).fetchone()[0]
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
    filters = _rows(conn, f"""
        SELECT j.key AS filter, COUNT(*) AS searches FROM (SELECT filters {_RANGE}) s,
               json_each(s.filters) j WHERE s.filters != '{{}}'
        GROUP BY j.key ORDER BY searches DESC, j.key""", rng)
    n, clicks = totals["searches"], totals["clicks"]
    return {
        "from": rng["from"], "to": rng["to"],
        "searches": n, "more_results_pages": more, "unsettled_searches": unsettled,
        "api_searches": apart.get("api", 0), "admin_searches": apart.get("admin", 0),
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
