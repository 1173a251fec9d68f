"""Search analytics storage: one SQLite file in WAL mode, shared by every gunicorn worker.

The tables and the bounds of their rows are ``analytics_schema``'s. This module writes the
workers' batches, keeps the file under its cap and its retention period, and reads the
report.

The report counts a search only when the reader settled on it: a widget answer that was
settled or clicked (a row counts as many searches as its answers that were: the same answer
served again from a worker's cache is one row with ``repeats``). As-you-type requests
("zeppeli", "zeppelin ha") are stored but not counted; searches from other clients (no
widget marker) and with the admin token are counted apart, by source, each row ``1 +
repeats`` times.

Writers are the recorders of the workers (a batch a transaction, ``busy_timeout`` waits for
the other worker's lock); readers are the admin report, which WAL lets run beside them.
``enforce_cap`` keeps the file under a size by deleting the oldest searches (and their
clicks, settles and rule uses) first; ``purge`` deletes rows past the retention period. Both
delete by id range (ids are time-ordered), never by a scan.
"""
from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from typing import Any

from .analytics_schema import (ANSWER_BITS, ANSWERS, CLICK_COLUMNS, FILTER_CODES,
                               MAX_DROPPED_BYTES, MAX_QUERY_BYTES, RANDOM_BITS,
                               SEARCH_COLUMNS, SOURCES, codes, connect, cut, signing_key)

__all__ = ["ANSWER_BITS", "MAX_DROPPED_BYTES", "MAX_QUERY_BYTES", "RANDOM_BITS", "SOURCES",
           "codes", "connect", "cut", "signing_key", "write", "purge", "enforce_cap", "report"]
LOW_POSITION = 3  # a click below this rank "lands low in the list"
CAP_LOW_WATER = 0.9          # enforce_cap deletes down to this share of the cap
DELETE_CHUNK = 20_000        # rows a transaction of enforce_cap deletes at most
CLICKED = f"EXISTS (SELECT 1 FROM clicks WHERE search_id BETWEEN {ANSWERS})"
# A search counts once its reader settled on it (or clicked one of its results).
SETTLED = (f"source = 'widget' AND (EXISTS (SELECT 1 FROM settled WHERE search_id BETWEEN "
           f"{ANSWERS}) OR {CLICKED})")
# How many of a row's answers the readers settled on (or clicked a result of).
SETTLED_ANSWERS = (
    f"((SELECT COUNT(*) FROM settled WHERE search_id BETWEEN {ANSWERS}) + "
    f"(SELECT COUNT(DISTINCT c.search_id) FROM clicks c WHERE c.search_id BETWEEN {ANSWERS} "
    "AND NOT EXISTS (SELECT 1 FROM settled t WHERE t.search_id = c.search_id)))")


def search_of(number: int) -> int:
    """Return the searches row id of a search_id's number (its answer bits cleared)."""
    return number >> ANSWER_BITS << ANSWER_BITS


def write(conn: sqlite3.Connection, searches: Sequence[tuple], clicks: Sequence[tuple],
          settles: Sequence[tuple] = (), repeats: Sequence[tuple[int, int]] = ()) -> None:
    """Insert a batch of search, click and settle rows and add ``repeats`` ((n, id) pairs)
    to searches, in one transaction."""
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
        if settles:
            conn.executemany("INSERT OR IGNORE INTO settled (search_id, ts) VALUES (?, ?)",
                             settles)


def id_before(ts: float) -> int:
    """Return the smallest search id of a search at or after ``ts`` (seconds)."""
    return max(0, int(ts * 1000)) << (RANDOM_BITS + ANSWER_BITS)


def _delete_below(conn: sqlite3.Connection, first: int) -> int:
    """Delete every row of a search whose id is below ``first``; return the searches gone."""
    gone = conn.execute("DELETE FROM searches WHERE id < ?", (first,)).rowcount
    for table in ("clicks", "settled", "rule_uses"):
        conn.execute(f"DELETE FROM {table} WHERE search_id < ?", (first,))
    return gone


def purge(conn: sqlite3.Connection, before_ts: float) -> int:
    """Delete rows older than ``before_ts``; return how many searches went."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        return _delete_below(conn, id_before(before_ts))


def used_bytes(conn: sqlite3.Connection) -> int:
    """Return the bytes of the database's pages in use (free pages are reused by inserts)."""
    size, pages, free = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                         for p in ("page_size", "page_count", "freelist_count"))
    return (pages - free) * size


def enforce_cap(conn: sqlite3.Connection, max_bytes: int) -> int:
    """Delete the oldest searches (and their rows) until the pages in use are under
    ``CAP_LOW_WATER`` of ``max_bytes``; return how many searches went. The file itself
    keeps its size: SQLite reuses the freed pages, so it stops growing at about the cap."""
    gone = 0
    for _ in range(1000):  # a chunk a transaction, so writers wait for none of them long
        used = used_bytes(conn)
        if used <= max_bytes:
            return gone
        rows = sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                   for t in ("searches", "clicks", "settled"))
        if not rows:
            return gone
        excess = used - CAP_LOW_WATER * max_bytes
        n = min(DELETE_CHUNK, max(1, math.ceil(excess / (used / rows))))
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            last = conn.execute("SELECT id FROM searches ORDER BY id LIMIT 1 OFFSET ?",
                                (n - 1,)).fetchone()
            first = (1 << 63) - 1 if last is None else last[0] + (1 << ANSWER_BITS)
            gone += _delete_below(conn, first)
    return gone


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# The report reads the range of widget first pages once, into ``s`` with each row's settled
# answers ``n`` (an index on the day made a full scan 20 times slower: one row look-up per
# search), and reaches the clicks from it by id range. Per query: searches (``qs``), clicks
# per answer (``k``), both joined (``qa``); every figure is read from these temporary tables
# and two more scans. "More results" pages are counted apart.
_PAGE_ONE = "FROM searches WHERE day BETWEEN :from AND :to AND page = 1"
_TEMP = (f"""
CREATE TEMP TABLE s AS SELECT id, day, query, filters, results, words_dropped, typos_used,
       repeats, {SETTLED_ANSWERS} AS n {_PAGE_ONE} AND source = 'widget'
""", """
CREATE TEMP TABLE qs AS SELECT query, SUM(n) AS searches, SUM((results = 0) * n) AS zero,
       MAX(CASE WHEN results = 0 THEN day END) AS last_zero_day FROM s WHERE n > 0
GROUP BY query
""", f"""
CREATE TEMP TABLE k AS
SELECT s.query, COUNT(*) AS n, SUM(c.position > {LOW_POSITION}) AS low,
       SUM(c.position) AS positions
FROM s CROSS JOIN clicks c ON c.search_id BETWEEN s.id AND s.id + {(1 << ANSWER_BITS) - 1}
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
_TABLES = ("s", "qs", "k", "qa")


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
    days = _rows(conn, """
        SELECT day, SUM(n) AS searches, SUM((results = 0) * n) AS zero_result_searches,
               SUM((words_dropped IS NOT NULL AND words_dropped != '') * n) AS dropped,
               SUM((typos_used = 1) * n) AS typos, COUNT(words_dropped) + COUNT(typos_used) AS told
        FROM s WHERE n > 0 GROUP BY day ORDER BY day""", ())
    reported = sum(d.pop("told") for d in days)  # 0: the engine does not say (yet)
    dropped = sum(d.pop("dropped") for d in days) if reported else None
    typos = sum(d.pop("typos") for d in days) if reported else None
    for row in days:
        row.pop("dropped", None), row.pop("typos", None)
        row["zero_result_share"] = _share(row["zero_result_searches"], row["searches"])
    more = conn.execute("SELECT COALESCE(SUM(1 + repeats), 0) FROM searches WHERE day "
                        "BETWEEN :from AND :to AND page > 1 AND source = 'widget'",
                        rng).fetchone()[0]
    apart = {row[0]: row[1] for row in conn.execute(
        f"SELECT source, SUM(1 + repeats) {_PAGE_ONE} AND source != 'widget' GROUP BY source",
        rng)}
    unsettled = conn.execute("SELECT COALESCE(SUM(MAX(1 + repeats - n, 0)), 0) FROM s"
                             ).fetchone()[0]
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
        f"COALESCE(SUM((instr(filters, '{c}') > 0) * n), 0) AS {c}"
        for c in FILTER_CODES.values()) + " FROM s", ())[0]
    names = {c: name for name, c in FILTER_CODES.items()}
    filters = sorted(({"filter": names[c], "searches": k} for c, k in used.items() if k),
                     key=lambda f: (-f["searches"], f["filter"]))
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
