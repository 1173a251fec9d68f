"""The analytics database's layout: tables, bounds on every stored value, opening and
converting the databases earlier versions wrote.

Rows are small and bounded by design (issue 26), so anonymous traffic cannot fill the disk:

- ``searches``: one row per answered search (not per answer: the same answer served again
  from a worker's response cache adds 1 to its row's ``repeats``). The id is an integer
  (time-ordered: the time in ms, then random bits, then ``ANSWER_BITS`` for the answer's
  number; see ``analytics_ids``), the query is normalised and cut to ``MAX_QUERY_BYTES`` of
  UTF-8, the filters are one letter each (``FILTER_CODES``), the dropped words are cut to
  ``MAX_DROPPED_BYTES``, ``source`` is one of ``SOURCES``: about 70 bytes on disk for a
  usual search, at most about 260 whatever the request held.
- ``clicks``: one row per reported click (the search_id's number: its search's id plus the
  answer's number, the position, the result's id), unique per answer and position, so a
  retried report is counted once.
- ``settled``: the widget's answers the reader settled on (Enter, or 1.5 s without typing),
  by the search_id's number.
- ``rule_uses``: the editors' rules that steered a search (``rule_uses``).
- ``meta``: the key that signs search ids (so every worker accepts the ids the others gave).

Nothing about the reader is stored: no IP, cookie, user agent or user id. Days are UTC
``YYYY-MM-DD`` strings, so day ranges compare as text.

Earlier layouts are converted when a database is first opened (``PRAGMA user_version``):
the first one (text ids, JSON filters, no source), issue 24's (the same with ``source`` and
``settled``) and issue 25's (with ``rule_uses``) alike.
"""
from __future__ import annotations

import json
import secrets
import sqlite3
from pathlib import Path
from typing import Any

VERSION = 3  # PRAGMA user_version of this layout
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id INTEGER PRIMARY KEY,      -- the time in ms << 21 | 14 random bits << 7 (analytics_ids)
    ts INTEGER NOT NULL,         -- seconds since the epoch, UTC
    day TEXT NOT NULL,           -- YYYY-MM-DD, UTC
    query TEXT NOT NULL,         -- normalised: NFKC, case-folded, spaces collapsed, <= 150 bytes
    filters TEXT NOT NULL,       -- one letter a filter set, sorted (FILTER_CODES), '' for none
    page INTEGER NOT NULL,
    results INTEGER NOT NULL,    -- total matches
    took_ms REAL,
    words_dropped TEXT,          -- words matching did not require ('': none, NULL: unknown)
    typos_used INTEGER,          -- 1 if a word matched through a typo (NULL: unknown)
    source TEXT NOT NULL DEFAULT 'api',  -- widget, api (no widget marker) or admin (token)
    repeats INTEGER NOT NULL DEFAULT 0   -- the same answer served again from a response cache
);
CREATE TABLE IF NOT EXISTS settled (
    search_id INTEGER PRIMARY KEY,  -- the number of a widget answer the reader settled on
    ts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS clicks (
    search_id INTEGER NOT NULL,  -- the number in the search_id: its search's id + the answer's
    position INTEGER NOT NULL,   -- 1-based rank of the clicked result in its result list
    doc_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (search_id, position)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rule_uses (
    search_id INTEGER NOT NULL,  -- the searches row
    rule_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,        -- a pinned document the search listed, '' for none
    ts INTEGER NOT NULL,
    PRIMARY KEY (search_id, rule_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rule_uses_rule ON rule_uses (rule_id, ts);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
"""
TABLES = ("searches", "settled", "clicks", "rule_uses")
SEARCH_COLUMNS = ("id", "ts", "day", "query", "filters", "page", "results", "took_ms",
                  "words_dropped", "typos_used", "source")
SOURCES = ("widget", "api", "admin")
CLICK_COLUMNS = ("search_id", "position", "doc_id", "ts")
ANSWER_BITS = 7              # low bits of a search_id number: which answer of the search
RANDOM_BITS = 14             # then random bits, then the time in ms
ANSWERS = f"searches.id AND searches.id + {(1 << ANSWER_BITS) - 1}"  # a row's answer numbers
BUSY_MS = 5000
MAX_QUERY_BYTES = 150
MAX_DROPPED_BYTES = 40
FILTER_CODES = {"kind": "k", "author": "a", "speaker": "s", "lang": "l", "site": "w",
                "from": "f", "to": "t", "sort": "o"}
WAL_LIMIT_BYTES = 4 * 1024 * 1024  # about the 1,000 pages of an automatic checkpoint


def cut(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` bytes of UTF-8, at a character boundary.

    >>> cut("naïve", 3), cut("abc", 10)
    ('na', 'abc')
    """
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def codes(filters: dict[str, Any]) -> str:
    """Return the letters of the filters set (``FILTER_CODES``), sorted.

    >>> codes({"author": ["A", "B"], "kind": ["quote"], "from": "2024-01-01"})
    'afk'
    """
    return "".join(sorted(FILTER_CODES[k] for k, v in filters.items() if v and k in FILTER_CODES))


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


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    return {row[1]: row[2].upper() for row in conn.execute(f"PRAGMA table_info({table})")}


def _upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables, converting those of an earlier layout (text ids, JSON filters)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        if conn.execute("PRAGMA user_version").fetchone()[0] == VERSION:
            return  # another worker did it meanwhile
        old = [t for t in TABLES if _columns(conn, t).get("search_id" if t != "searches"
                                                           else "id") == "TEXT"]
        for table in old:
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")
        conn.execute("DROP INDEX IF EXISTS clicks_ts")
        conn.execute("DROP INDEX IF EXISTS rule_uses_rule")
        if "source" not in _columns(conn, "searches") and "searches" not in old \
                and _columns(conn, "searches"):  # integer ids without a source (issue 26's first)
            conn.execute("ALTER TABLE searches ADD COLUMN source TEXT NOT NULL DEFAULT 'api'")
        for statement in SCHEMA.split(";"):  # not executescript: it commits first
            if statement.strip():
                conn.execute(statement)
        for table in old:
            _CONVERT[table](conn)
            conn.execute(f"DROP TABLE {table}_v1")
        conn.execute(f"PRAGMA user_version = {VERSION}")


def old_number(search_id: str) -> int | None:
    """Return the integer id of an earlier layout's search id (12 hex digits of ms, then
    20 random ones), None if it is not one.

    >>> old_number("0000000003e8" + "f" * 20) >> (RANDOM_BITS + ANSWER_BITS), old_number("x")
    (1000, None)
    """
    try:
        ms, rand = int(search_id[:12], 16), int(search_id[12:] or "x", 16)
    except (TypeError, ValueError):
        return None
    return (ms << (RANDOM_BITS + ANSWER_BITS)) | ((rand & ((1 << RANDOM_BITS) - 1)) << ANSWER_BITS)


def _convert_searches(conn: sqlite3.Connection) -> None:
    source = "source" if "source" in _columns(conn, "searches_v1") else "'api'"
    rows = []
    for (sid, ts, day, query, filters, page, results, took, dropped, typos, src) in conn.execute(
            f"SELECT {', '.join(SEARCH_COLUMNS[:-1])}, {source} FROM searches_v1"):
        number = old_number(sid)
        if number is None:
            continue
        try:
            keys = json.loads(filters) if filters else {}
        except ValueError:
            keys = {}
        rows.append((number, int(ts), day, cut(query, MAX_QUERY_BYTES),
                     codes(keys if isinstance(keys, dict) else {}), page, results, took,
                     None if dropped is None else cut(dropped, MAX_DROPPED_BYTES), typos,
                     src if src in SOURCES else "api"))
    conn.executemany(f"INSERT OR IGNORE INTO searches ({', '.join(SEARCH_COLUMNS)}) "
                     f"VALUES ({', '.join('?' * len(SEARCH_COLUMNS))})", rows)


def _converted(conn: sqlite3.Connection, table: str, width: int) -> None:
    """Copy ``table``'s old rows with their search id (the first column) as a number."""
    rows = [(number, *rest[:-1], int(rest[-1]))
            for sid, *rest in conn.execute(f"SELECT * FROM {table}_v1")
            if (number := old_number(sid)) is not None]
    conn.executemany(f"INSERT OR IGNORE INTO {table} VALUES ({', '.join('?' * width)})", rows)


_CONVERT = {"searches": _convert_searches,
            "settled": lambda conn: _converted(conn, "settled", 2),
            "clicks": lambda conn: _converted(conn, "clicks", 4),
            "rule_uses": lambda conn: _converted(conn, "rule_uses", 4)}


def signing_key(conn: sqlite3.Connection) -> bytes:
    """Return the key that signs search ids, made once per database (shared by workers)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('search_id_key', ?)",
                     (secrets.token_bytes(32),))
    return bytes(conn.execute("SELECT value FROM meta WHERE key = 'search_id_key'").fetchone()[0])
