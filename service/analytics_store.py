"""Search analytics storage: one SQLite file in WAL mode, shared by every gunicorn worker.

Two tables. ``searches``: one row per answered search (a random id, the UTC time and day,
the normalised query, the filters used as JSON, the page, the number of results, and, once
matching relaxes, the words it dropped and whether typos matched). ``clicks``: one row per
reported click (the search's id, the position, the result's id), unique per search and
position, so a retried report is counted once. Nothing about the reader is stored: no IP,
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
    id TEXT PRIMARY KEY,         -- random per search, handed to the widget for its clicks
    ts REAL NOT NULL,            -- seconds since the epoch, UTC
    day TEXT NOT NULL,           -- YYYY-MM-DD, UTC
    query TEXT NOT NULL,         -- normalised: NFKC, case-folded, spaces collapsed
    filters TEXT NOT NULL,       -- JSON object of the filters set (kind, author, lang, from...)
    page INTEGER NOT NULL,
    results INTEGER NOT NULL,    -- total matches
    took_ms REAL,
    words_dropped TEXT,          -- NULL: not reported by the engine; '': none; else the words
    typos_used INTEGER           -- NULL: not reported; 0 or 1
);
CREATE INDEX IF NOT EXISTS searches_day ON searches (day, query);
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
                  "words_dropped", "typos_used")
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
    conn.executescript(SCHEMA)
    return conn


def write(conn: sqlite3.Connection, searches: Sequence[tuple], clicks: Sequence[tuple]) -> None:
    """Insert a batch of search and click rows in one transaction."""
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


def purge(conn: sqlite3.Connection, before_ts: float) -> int:
    """Delete rows older than ``before_ts``; return how many searches went."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        gone = conn.execute("DELETE FROM searches WHERE ts < ?", (before_ts,)).rowcount
        conn.execute("DELETE FROM clicks WHERE ts < ?", (before_ts,))
    return gone


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# First pages only: "More results" requests are counted apart, not as new searches. A click
# counts when its search is in the range (clicks of unknown searches are left out).
_FIRST = "SELECT * FROM searches WHERE day BETWEEN ? AND ? AND page = 1"
_CLICKED = f"""
SELECT c.search_id, c.position, s.query FROM clicks c JOIN ({_FIRST}) s ON s.id = c.search_id
"""


def report(conn: sqlite3.Connection, day_from: str, day_to: str, limit: int) -> dict[str, Any]:
    """Return the analytics of the UTC days ``day_from``..``day_to`` (inclusive)."""
    rng = (day_from, day_to)
    totals = _rows(conn, f"""
        SELECT COUNT(*) AS searches, COALESCE(SUM(results = 0), 0) AS zero_result_searches,
               COALESCE(SUM(words_dropped IS NOT NULL AND words_dropped != ''), 0)
                   AS searches_with_dropped_words,
               COALESCE(SUM(typos_used = 1), 0) AS searches_with_typos,
               COUNT(words_dropped) + COUNT(typos_used) AS relaxation_reported
        FROM ({_FIRST})""", rng)[0]
    if not totals["relaxation_reported"]:  # the engine does not say (yet): unknown, not 0
        totals["searches_with_dropped_words"] = totals["searches_with_typos"] = None
    clicks = _rows(conn, f"""
        SELECT COUNT(*) AS clicks, COUNT(DISTINCT search_id) AS searches_with_clicks,
               AVG(position) AS mean_click_position
        FROM ({_CLICKED})""", rng)[0]
    more = conn.execute("SELECT COUNT(*) FROM searches WHERE day BETWEEN ? AND ? AND page > 1",
                        rng).fetchone()[0]
    n = totals["searches"]
    top = _rows(conn, f"""
        SELECT s.query, COUNT(*) AS searches, SUM(s.results = 0) AS zero_result_searches,
               COALESCE(SUM(c.n), 0) AS clicks, COUNT(c.search_id) AS searches_with_clicks
        FROM ({_FIRST}) s
        LEFT JOIN (SELECT search_id, COUNT(*) AS n FROM clicks GROUP BY search_id) c
               ON c.search_id = s.id
        WHERE s.query != '' GROUP BY s.query ORDER BY searches DESC, s.query LIMIT ?""",
                (*rng, limit))
    for row in top:
        row["click_through_rate"] = _share(row.pop("searches_with_clicks"), row["searches"])
    zero = _rows(conn, f"""
        SELECT query, COUNT(*) AS searches, MAX(day) AS last_day FROM ({_FIRST})
        WHERE results = 0 AND query != '' GROUP BY query ORDER BY searches DESC, query
        LIMIT ?""", (*rng, limit))
    low = _rows(conn, f"""
        SELECT query, COUNT(*) AS clicks, SUM(position > {LOW_POSITION}) AS low_clicks,
               ROUND(AVG(position), 2) AS mean_position, MIN(position) AS best_position
        FROM ({_CLICKED}) WHERE query != '' GROUP BY query
        HAVING SUM(position > {LOW_POSITION}) * 2 >= COUNT(*)
        ORDER BY low_clicks DESC, mean_position DESC, query LIMIT ?""", (*rng, limit))
    days = _rows(conn, f"""
        SELECT day, COUNT(*) AS searches, SUM(results = 0) AS zero_result_searches
        FROM ({_FIRST}) GROUP BY day ORDER BY day""", rng)
    for row in days:
        row["zero_result_share"] = _share(row["zero_result_searches"], row["searches"])
    filters = _rows(conn, f"""
        SELECT j.key AS filter, COUNT(*) AS searches FROM ({_FIRST}) s, json_each(s.filters) j
        GROUP BY j.key ORDER BY searches DESC, j.key""", rng)
    mean = clicks["mean_click_position"]
    return {
        "from": day_from, "to": day_to,
        "searches": n, "more_results_pages": more,
        "zero_result_searches": totals["zero_result_searches"],
        "zero_result_share": _share(totals["zero_result_searches"], n),
        "searches_with_dropped_words": totals["searches_with_dropped_words"],
        "searches_with_typos": totals["searches_with_typos"],
        "clicks": clicks["clicks"], "searches_with_clicks": clicks["searches_with_clicks"],
        "click_through_rate": _share(clicks["searches_with_clicks"], n),
        "mean_click_position": None if mean is None else round(mean, 2),
        "top_queries": top, "top_zero_result_queries": zero, "low_click_queries": low,
        "filters_used": filters, "days": days,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
