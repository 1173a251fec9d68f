"""The write-side and reader-side attacks of the hostile benchmark (issue 26) that speak
HTTP, and the client they use.

- ``push_flood``: a CMS publishing FakeNewsNet articles one push at a time from 4
  connections as fast as the service takes them, honouring 429 + Retry-After; every 250th
  holds U+2028, U+2029 and U+0085 (the characters that once stopped all publishing), and a
  corrupt batch file is dropped into the queue midway. Then: every accepted push must be
  searchable (0 lost), the corrupt batch quarantined and nothing else.
- ``slow_readers``: connections that ask for a 2 MB document and read it 256 bytes every
  8 s (a small receive buffer), to hold as many answers as they can.

The analytics attack is in ``analytics_attack``, what a phase costs in ``probe``.
"""
from __future__ import annotations

import gzip
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

TOKEN = "bench-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BREAKS = "\u2028\u2029\x85"


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
