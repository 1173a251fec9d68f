"""The write-side and reader-side attacks of the hostile benchmark (issue 26), and what each
phase costs the machine.

- ``Probe``: the server's whole process tree (gunicorn master, workers, the push applier)
  sampled during a phase: peak resident memory (sum over the tree), bytes written to disk
  (``/proc/<pid>/io`` ``write_bytes``) and the growth of the folders it writes.
- ``push_flood``: a CMS publishing FakeNewsNet articles one push at a time from 4
  connections as fast as the service takes them, honouring 429 + Retry-After; every 250th
  holds U+2028, U+2029 and U+0085 (the characters that once stopped all publishing), and a
  corrupt batch file is dropped into the queue midway. Then: every accepted push must be
  searchable (0 lost), the corrupt batch quarantined and nothing else.
- ``analytics_attack``: searches with 20 ``author=`` values of 200 characters and unique
  500-character queries, click reports for forged search ids, and one client flooding
  /events with real ids, while a reader clicks now and then (its clicks must all count).
- ``slow_readers``: connections that ask for a 2 MB document and read it 256 bytes every
  8 s (a small receive buffer), to hold as many answers as they can.
- ``write_empty_lines``: the 63M-line ``.jsonl.gz`` of ``{}`` a reindex must take in bounded
  memory.
"""
from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import random
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from .loadgen import children, dir_size, proc_status

TOKEN = "bench-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BREAKS = "\u2028\u2029\x85"


def tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def written(pids: list[int]) -> int:
    """Bytes the processes ``pids`` have written to storage so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                if line.startswith("write_bytes:"):
                    total += int(line.split()[1])
    return total


class Probe:
    """Peak memory of a process tree and what it wrote, over one phase."""

    def __init__(self, pid: int, folders: list[Path]) -> None:
        self.pid, self.folders = pid, folders
        self.peak_kb = 0
        self.seen: dict[int, int] = {}  # pid -> write_bytes when first seen
        self.last: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.disk_before = sum(dir_size(f) for f in folders if f.exists())

    def _sample(self) -> None:
        pids = tree(self.pid)
        self.peak_kb = max(self.peak_kb, sum(proc_status(p).get("VmRSS", 0) for p in pids))
        for p in pids:
            now = written([p])
            self.seen.setdefault(p, now)
            self.last[p] = now

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self) -> "Probe":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample()

    def result(self) -> dict[str, float]:
        wrote = sum(self.last[p] - self.seen[p] for p in self.last)
        disk = sum(dir_size(f) for f in self.folders if f.exists()) - self.disk_before
        return {"peak_mb": self.peak_kb / 1024, "written_mb": wrote / 1e6, "disk_mb": disk / 1e6}


class Client:
    """One keep-alive connection that sends requests and reads JSON answers."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, Any, dict]:
        for attempt in (1, 2):
            self.conn = self.conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body, headers or {})
                res = self.conn.getresponse()
                raw = res.read()
                try:
                    data = json.loads(raw) if raw else None
                except ValueError:
                    data = None
                return res.status, data, dict(res.getheaders())
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


# -- pushes ------------------------------------------------------------------------------
def flood_word(k: int) -> str:
    """A word of letters only, unique to push ``k`` (digits would be a word of their own)."""
    letters = ""
    for _ in range(4):
        k, d = divmod(k, 26)
        letters = chr(97 + d) + letters
    return "zqflood" + letters


def flood_documents(source: Path, n: int, skip: int = 0) -> list[dict]:
    """``n`` FakeNewsNet articles, each with a unique word in its title (``flood_word``)
    and every 250th with the characters that once poisoned the journal."""
    docs = []
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        for line in fh:
            if skip:
                skip -= 1
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if not isinstance(record, dict) or not record.get("title"):
                continue
            k = len(docs)
            word = flood_word(k)
            mark = BREAKS if k % 250 == 0 else ""
            record["title"] = f"{record['title']}{mark} {word}"
            record["text"] = f"{mark}{record.get('text') or ''} {word}"
            record["url"] = f"https://flood.example.org/{k}"  # a new article, not a replacement
            docs.append(record)
            if len(docs) == n:
                break
    return docs


def push_flood(port: int, index_dir: Path, docs: list[dict], out: dict, threads: int = 4) -> None:
    """Push ``docs`` one a request from ``threads`` connections, honouring 429 Retry-After;
    drop a corrupt batch into the queue midway; wait until all are applied; count what is
    searchable. Fills ``out``."""
    lock = threading.Lock()
    statuses: Counter = Counter()
    waits: list[float] = []
    accepted: list[int] = []
    todo = list(range(len(docs)))
    started = time.monotonic()

    def run() -> None:
        client = Client(port)
        while True:
            with lock:
                if not todo:
                    break
                k = todo.pop(0)
            body = json.dumps(docs[k], ensure_ascii=False).encode()
            while True:
                try:
                    status, _, headers = client.call("POST", "/admin/documents", body,
                                                     {**AUTH, "Content-Type": "application/json"})
                except OSError:
                    status, headers = 0, {}
                with lock:
                    statuses[status] += 1
                if status == 202:
                    with lock:
                        accepted.append(k)
                    break
                if status == 429:
                    pause = float(headers.get("Retry-After", "1"))
                    with lock:
                        waits.append(pause)
                    time.sleep(pause)
                    continue
                time.sleep(1)  # anything else: try again
            if k == len(docs) // 2:  # midway: a batch nobody can read
                pending = index_dir / "pushes" / "pending"
                pending.mkdir(parents=True, exist_ok=True)
                (pending / f"{time.time_ns():020d}-0-corrupt.jsonl").write_bytes(b'{"op": "put", "doc": {"ti')
        client.close()

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sent = time.monotonic()
    client = Client(port)
    status = {}
    while time.monotonic() - sent < 1800:
        _, status, _ = client.call("GET", "/admin/status", headers=AUTH)
        if status and status["pushes"]["pending"] == 0:
            break
        time.sleep(0.5)
    applied = time.monotonic()
    found = 0
    missing = []
    for k in sorted(accepted):
        word = flood_word(k)
        _, body, _ = client.call("GET", "/search?" + urllib.parse.urlencode(
            {"q": word, "per_page": 20, "collapse": 0, "typos": 0}))  # stems may meet: look at all
        if body and any(word in hit["title"] for hit in body.get("results", ())):
            found += 1
        else:
            missing.append(k)
    time.sleep(5)  # the applier compacts the journal after an apply: read it once that is done
    _, status, _ = client.call("GET", "/admin/status", headers=AUTH)
    client.close()
    pushes = (status or {}).get("pushes", {})
    out.update(pushes=len(docs), accepted=len(accepted), lost=len(accepted) - found,
               missing=missing[:10], statuses=dict(statuses), retry_after_s=sum(waits),
               send_seconds=sent - started, lag_seconds=applied - sent,
               snapshots=(pushes.get("applier") or {}).get("snapshots"),
               quarantined=pushes.get("quarantined"),
               quarantine=[q.get("reason") for q in pushes.get("quarantine", [])][:3],
               journal_files=pushes.get("applied"), journal_mb=(pushes.get("applied_bytes") or 0) / 1e6,
               failed_applies=(pushes.get("applier") or {}).get("failed_applies"))


# -- analytics ---------------------------------------------------------------------------
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


# -- slow readers ------------------------------------------------------------------------
def slow_readers(port: int, docs: list[str], stop: threading.Event, out: list, n: int = 8) -> list:
    """``n`` connections that ask for a whole 2 MB document and read 256 bytes every 8 s."""
    def run(doc: str) -> None:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(30)
            try:
                sock.connect(("127.0.0.1", port))
                sock.sendall(f"GET /documents/{doc}?full=1 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                out.append("asked")
                while not stop.wait(8.0):
                    if not sock.recv(256):
                        out.append("closed by server")
                        return
                    out.append("read 256")
            except OSError as exc:
                out.append(type(exc).__name__)
    threads = [threading.Thread(target=run, args=(docs[k % len(docs)],), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    return threads


def write_empty_lines(path: Path, lines: int) -> Path:
    """A .jsonl.gz of one real article and ``lines`` lines of ``{}`` (about 3 kB a million)."""
    block = b"{}\n" * 1_000_000
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'{"title": "The one real article", "text": "A body."}\n')
        for _ in range(lines // 1_000_000):
            fh.write(block)
        fh.write(b"{}\n" * (lines % 1_000_000))
    return path
