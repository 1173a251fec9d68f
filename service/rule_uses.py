"""Editors' rules in the search analytics: which searches a rule steered, and the clicks
its pinned documents got.

One row per (search, rule, pinned document shown), or (search, rule, "") for a rule that
listed no pin on that search (it hid documents, or its pins did not pass the filters), in
the analytics database beside ``searches`` and ``clicks``. Rows are queued with the
search's own row by the worker's recorder (``analytics.Recorder``), written by its thread,
and deleted with the searches (after ``SEARCH_ANALYTICS_DAYS``, or past the size cap).
First pages only, as searches are counted. A click on a pinned document is a row of ``clicks`` with the same
search id and document id.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from . import analytics_store

DAYS = 30  # the window the editors' listing reports


def rows(search_id: int, applied: Any, hits: Sequence[Any], now: float) -> list[tuple]:
    """Return the rows of one first-page search (its searches row id) steered by
    ``applied.rules``."""
    now = int(now)
    shown = [h.document.id for h in hits if h.pinned]
    out = []
    for rule in applied.rules:
        mine = [d for d in shown if d in rule.pin]
        out += [(search_id, rule.id, d, now) for d in mine] or [(search_id, rule.id, "", now)]
    return out


def write(conn: sqlite3.Connection, batch: Sequence[tuple]) -> None:
    """Insert a batch in one transaction (the table is ``analytics_schema``'s)."""
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR IGNORE INTO rule_uses VALUES (?, ?, ?, ?)", batch)


def summary(rec: Any, rule_ids: list[str], days: int = DAYS) -> dict[str, dict] | None:
    """Return, per rule, its searches, pinned documents shown and clicks on them over the
    last ``days`` days (None when analytics is off)."""
    if rec is None:
        return None
    found = {rid: {"days": days, "searches": 0, "pinned_shown": 0, "pinned_clicks": 0}
             for rid in rule_ids}
    rec.flush()
    conn = analytics_store.connect(rec.path)
    try:
        since = rec.clock() - days * 86400
        for rid, searches, shown, clicks in conn.execute("""
                SELECT u.rule_id, COUNT(DISTINCT u.search_id), SUM(u.doc_id != ''),
                       COUNT(c.search_id)
                FROM rule_uses u LEFT JOIN clicks c
                     ON c.search_id BETWEEN u.search_id AND u.search_id + ?
                     AND c.doc_id = u.doc_id AND u.doc_id != ''
                WHERE u.ts >= ? GROUP BY u.rule_id""", ((1 << analytics_store.ANSWER_BITS) - 1, since)):
            if rid in found:
                found[rid].update(searches=searches, pinned_shown=shown, pinned_clicks=clicks)
    finally:
        conn.close()
    return found
