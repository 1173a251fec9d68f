"""The analytics attack of the hostile benchmark (issue 26), and the database's figures.

``analytics_attack``: searches with 20 ``author=`` values of 200 characters and unique
500-character queries, click reports for forged search ids, and one client flooding
/events with real ids, while a reader clicks now and then (its clicks must all count).
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import threading
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from .attacks import Client


def analytics_attack(port: int, stop: threading.Event, out: dict) -> list[threading.Thread]:
    """Hostile searches and click reports until ``stop``; a reader's clicks beside them."""
    lock = threading.Lock()
    tally: Counter = Counter()
    rng = random.Random(26)
    authors = [f"{n:02d} " + "author name " * 16 for n in range(20)]

    def searches() -> None:
        client = Client(port)
        while not stop.is_set():  # unique, 480 characters, cheap to search (no such words)
            q = " ".join("qx" + "".join(rng.choice("bcdfghjklmnpvwz") for _ in range(13))
                         for _ in range(32))[:480]
            params = [("q", q), ("per_page", "1"), ("typos", "0")] + [("author", a) for a in authors]
            try:
                status, _, _ = client.call("GET", "/search?" + urllib.parse.urlencode(params))
            except OSError:
                status = 0
            with lock:
                tally[f"search {status}"] += 1
        client.close()

    def forged() -> None:
        client = Client(port)
        while not stop.is_set():
            body = json.dumps({"search_id": os.urandom(16).hex(), "id": "x" * 200,
                               "position": rng.randint(1, 10000)}).encode()
            try:
                status, _, _ = client.call("POST", "/events", body, {"Content-Type": "text/plain",
                                                                     "X-Forwarded-For": "198.51.100.9"})
            except OSError:
                status = 0
            with lock:
                tally[f"forged {status}"] += 1
        client.close()

    def flooder() -> None:
        client = Client(port)
        sid, n = None, 0
        while not stop.is_set():
            if n % 20 == 0:
                _, body, _ = client.call("GET", "/search?q=court&per_page=1")
                sid = (body or {}).get("search_id")
            n += 1
            body = json.dumps({"search_id": sid, "id": "doc", "position": 1 + n % 50}).encode()
            try:
                status, _, _ = client.call("POST", "/events", body, {"Content-Type": "text/plain",
                                                                     "X-Forwarded-For": "198.51.100.66"})
            except OSError:
                status = 0
            with lock:
                tally[f"flood {status}"] += 1
        client.close()

    def reader() -> None:
        client = Client(port)
        n = 0
        while not stop.wait(0.5):
            n += 1
            _, body, _ = client.call("GET", "/search?q=election&per_page=3")
            if not body or not body.get("results"):
                continue
            click = json.dumps({"search_id": body["search_id"], "id": body["results"][0]["id"],
                                "position": 1}).encode()
            try:
                status, _, _ = client.call("POST", "/events", click, {
                    "Content-Type": "text/plain", "X-Forwarded-For": f"203.0.113.{n % 200}"})
            except OSError:
                status = 0
            with lock:
                tally[f"reader {status}"] += 1
        client.close()

    threads = [threading.Thread(target=f, daemon=True) for f in (searches, searches, forged, flooder, reader)]
    for t in threads:
        t.start()
    out["tally"] = tally
    return threads


def analytics_figures(db: Path) -> dict[str, Any]:
    """The analytics database now: files' size, rows, searches counted, bytes a row."""
    from service import analytics_store as store
    conn = sqlite3.connect(db)
    try:
        rows, searches = conn.execute("SELECT COUNT(*), COALESCE(SUM(1 + repeats), 0) FROM searches").fetchone()
        clicks = conn.execute("SELECT COUNT(*) FROM clicks").fetchone()[0]
        used = store.used_bytes(conn)
    finally:
        conn.close()
    files = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return {"rows": rows, "searches": searches, "clicks": clicks, "used_mb": used / 1e6,
            "files_mb": files / 1e6, "bytes_per_row": used / (rows + clicks) if rows else 0.0}
