"""Hostile traffic and a hostile corpus (issue 15): do normal searches keep being answered?

    python -m bench.hostile            FakeNewsNet (17,334 lines) + 20 huge documents;
                                       20 s a phase; reindex corpus: 3,000 lines
    python -m bench.hostile --quick    first 2,000 lines; 8 s a phase; reindex: 1,000 lines

gunicorn serves with 2 workers (``service/gunicorn_conf.py``, as ``make run``) and
SEARCH_CACHE_SIZE=0, so every request is really searched. Normal searches (plain words from
FakeNewsNet titles) run at a steady 10 requests/s from 2 keep-alive connections throughout,
while, in turn:

- ``baseline``: nothing else;
- ``range-prefix``: 2 connections repeat ``body:[a TO z]``, ``body:[0 TO \\uffff]``,
  ``id:u*`` and ``title:[a TO zzzz]``;
- ``slow-clients``: 50 connections trickle a never-ending request head, one byte a second
  each, reconnecting when the server drops them;
- ``never-closing``: 10 connections a second ask for ``/health`` with ``Connection: close``
  and then neither read nor close;
- ``huge-snippets``: 2 connections repeat ``walrus`` (20 results), which matches 20
  documents with 2 MB bodies;
- ``reindex-hostile``: a full reindex (a separate process, into the live index folder) of a
  folder with the reindex corpus plus hostile files: a link to a file outside it, a FIFO, a
  line nested 1,000,000 deep, a gzip of 200 MB of zeros on one line, a truncated gzip, a
  binary file and a file that is not UTF-8;
- ``reindex-clean``: the same reindex without the hostile files.

One normal request in five is ``/health``, reported apart. Reported per phase: the normal
requests' count, failures (socket errors, timeouts after 30 s,
non-2xx; target 0), p50/p99/max; what the hostile requests got. Then the peak RSS (VmHWM) of
the two reindex processes (target: hostile within 1.5x of clean).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import selectors
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from .loadgen import (PyLoad, Server, Skip, build_index, fakenews, percentile, sample_queries,
                      save, search_path, show, title_words, verdict, write_lines)

NORMAL_RATE = 10.0
SLOW = 50
HUGE_DOCS, HUGE_BYTES = 20, 2 * 1024 * 1024
RANGE_QUERIES = ["body:[a TO z]", "body:[0 TO \uffff]", "id:u*", "title:[a TO zzzz]"]
MEMORY_TARGET = 1.5
HEALTH = ("(health)", "/health")  # one normal request in five


def write_huge(path: Path, seed: int = 15) -> Path:
    """Write HUGE_DOCS documents with ~2 MB bodies of made-up words, "walrus" here and there."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 9)))
             for _ in range(3000)]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(HUGE_DOCS):
            words, size = [], 0
            while size < HUGE_BYTES:
                word = "walrus" if rng.random() < 0.0005 else rng.choice(vocab)
                words.append(word)
                size += len(word) + 1
            out.write(json.dumps({"id": f"huge-{n}", "title": f"Huge document {n}",
                                  "text": " ".join(words)}) + "\n")
    return path


def write_hostile(folder: Path, outside: Path) -> None:
    """Add the hostile files to ``folder`` (``outside`` is a private file beside it)."""
    outside.write_text("Private payroll\n\nSalaries of everyone.\n", encoding="utf-8")
    outside.chmod(0o600)
    (folder / "link-out.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe.jsonl")
    depth = 1_000_000
    (folder / "deep.jsonl").write_text('{"id": "deep", "title": "Deep", "text": '
                                       + "[" * depth + "]" * depth + "}\n")
    zeros = bytes(1024 * 1024)
    with gzip.open(folder / "zeros.jsonl.gz", "wb", compresslevel=1) as fh:
        for _ in range(200):
            fh.write(zeros)
    data = gzip.compress(b'{"id": "cut", "title": "Cut"}\n' * 1000)
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (folder / "binary.txt").write_bytes(os.urandom(4096))
    (folder / "latin1.txt").write_bytes("Caf\xe9\n\nCaf\xe9 cr\xe8me.\n".encode("latin-1"))


def reindex(index_dir: Path, corpus: Path, samples: list) -> dict[str, Any]:
    """Run a full reindex in its own process (its peak RSS is its own)."""
    t0 = time.monotonic()
    try:
        result = build_index(index_dir, corpus, workers=1)
    except RuntimeError as exc:
        result = {"error": str(exc)[-500:]}
    result["wall_s"] = time.monotonic() - t0
    samples.append(result)
    return result


def hammer(url: str, paths: list[str], stop: threading.Event, out: list, threads: int = 2) -> list:
    """Repeat ``paths`` from ``threads`` connections until ``stop``; record (status, seconds)."""
    def run(offset: int) -> None:
        import http.client
        conn = None
        host, port = urllib.parse.urlsplit(url).netloc.split(":")
        i = offset
        while not stop.is_set():
            path = paths[i % len(paths)]
            i += 1
            conn = conn or http.client.HTTPConnection(host, int(port), timeout=60)
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                res = conn.getresponse()
                res.read()
                out.append((res.status, time.monotonic() - t0))
            except OSError as exc:
                out.append((type(exc).__name__, time.monotonic() - t0))
                conn.close()
                conn = None
    workers = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(threads)]
    for w in workers:
        w.start()
    return workers


def slow_clients(port: int, stop: threading.Event, out: list) -> list:
    """SLOW connections trickling an endless head one byte a second; count reconnects."""
    def run() -> None:
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    out.append("connect")
                    sock.sendall(b"GET /search?q=wind HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                    sel = selectors.DefaultSelector()
                    sel.register(sock, selectors.EVENT_READ)
                    while not stop.is_set():
                        if sel.select(timeout=1.0) and not sock.recv(4096):
                            break  # the server closed it
                        sock.sendall(b"a")
                    sel.close()
            except OSError:
                time.sleep(0.2)
    workers = [threading.Thread(target=run, daemon=True) for _ in range(SLOW)]
    for w in workers:
        w.start()
    return workers


def never_closing(port: int, stop: threading.Event, out: list) -> list:
    """10 connections a second that ask for an answer, then neither read nor close."""
    def run() -> None:
        held = []
        while not stop.is_set() and len(held) < 1000:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                held.append(sock)
                out.append("opened")
            except OSError:
                out.append("refused")
            stop.wait(0.1)
        for sock in held:
            sock.close()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return [worker]


def phase(server: Server, name: str, paths: list[tuple[str, str]], seconds: float,
          action=None) -> dict[str, Any]:
    """Run normal load for ``seconds`` (or until ``action`` returns), with ``action`` beside it."""
    load = PyLoad(server.host, server.port, paths, threads=2, duration=3600, rate=NORMAL_RATE,
                  timeout=30).start()
    stop, hostile, workers = threading.Event(), [], []
    started = time.monotonic()
    workers = action(stop, hostile) if action is not None else []
    if workers is not None:  # threads that run until stopped (None: it ran to completion)
        time.sleep(seconds)
    stop.set()
    load.stop()
    samples = load.join()
    for w in workers or []:
        w.join(60)
    ok = [s.seconds * 1000 for s in samples if s.status and 200 <= s.status < 300
          and s.query != HEALTH[0]]
    health = [s.seconds * 1000 for s in samples if s.status == 200 and s.query == HEALTH[0]]
    failed = [s for s in samples if not s.status or not 200 <= s.status < 300]
    statuses = Counter(str(h[0]) if isinstance(h, tuple) else h for h in hostile)
    hostile_s = sorted(h[1] for h in hostile if isinstance(h, tuple))
    return {"phase": name, "seconds": time.monotonic() - started, "normal": len(samples),
            "failed": len(failed), "p50_ms": percentile(ok, 50), "p99_ms": percentile(ok, 99),
            "health_p99_ms": percentile(health, 99),
            "max_ms": max(ok, default=float("nan")),
            "hostile": ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) or "-",
            "hostile_p99_ms": percentile([s * 1000 for s in hostile_s], 99),
            "failures": sorted({f"{s.status} {s.error or ''}" for s in failed})[:5]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 lines, 8 s phases")
    args = parser.parse_args(argv)
    seconds = 8.0 if args.quick else 20.0
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    server = None
    try:
        try:
            source = fakenews()
        except Skip as exc:
            print(f"hostile: skipped: {exc}")
            return 0
        served = tmp / "served"
        served.mkdir()
        if args.quick:
            write_lines(source, served / "fakenews.jsonl", 0, 2000)
        else:
            shutil.copy(source, served / "fakenews.jsonl.gz")  # a link out would be skipped
        write_huge(served / "huge.jsonl")
        index_dir = tmp / "index"
        built = build_index(index_dir, served)
        print(f"served index: {built['counts']} in {built['seconds']:.0f} s", flush=True)
        clean, hostile_dir = tmp / "clean", tmp / "hostile"
        clean.mkdir()
        hostile_dir.mkdir()
        write_lines(source, clean / "reindex.jsonl", 0, 1000 if args.quick else 3000)
        os.link(clean / "reindex.jsonl", hostile_dir / "reindex.jsonl")
        write_hostile(hostile_dir, tmp / "private.txt")

        server = Server({"SEARCH_INDEX_DIR": str(index_dir), "SEARCH_CACHE_SIZE": "0",
                         "SEARCH_CORPUS_PATHS": str(served)}, tmp / "gunicorn.log", workers=2)
        server.wait()
        queries = sample_queries(title_words(served / "fakenews.jsonl.gz" if not args.quick
                                             else served / "fakenews.jsonl", 0, 2000), 40)
        paths = [(q, search_path(q)) for q in queries]
        paths = [p for i, p in enumerate(paths) for p in ([p, HEALTH] if i % 4 == 3 else [p])]
        phase(server, "warm-up", paths, 3.0)
        reindexes: list = []
        ranges = [search_path(q) for q in RANGE_QUERIES]
        huge = [search_path("walrus", per_page=20)]
        rows = [
            phase(server, "baseline", paths, seconds),
            phase(server, "range-prefix", paths, seconds,
                  lambda stop, out: hammer(server.url, ranges, stop, out)),
            phase(server, "slow-clients", paths, seconds,
                  lambda stop, out: slow_clients(server.port, stop, out)),
            phase(server, "never-closing", paths, seconds,
                  lambda stop, out: never_closing(server.port, stop, out)),
            phase(server, "huge-snippets", paths, seconds,
                  lambda stop, out: hammer(server.url, huge, stop, out)),
            phase(server, "reindex-hostile", paths, 0,
                  lambda stop, out: reindex(index_dir, hostile_dir, reindexes) and None),
            phase(server, "reindex-clean", paths, 0,
                  lambda stop, out: reindex(index_dir, clean, reindexes) and None),
        ]
        show("Hostile traffic: normal requests at 10 req/s (searches, one in five /health) during "
             "each phase (2 gunicorn workers, no response cache); milliseconds",
             ["phase", "s", "normal", "failed", "search p50", "search p99", "search max",
              "/health p99", "hostile: status or event: n", "hostile p99"],
             [[r["phase"], r["seconds"], r["normal"], r["failed"], r["p50_ms"], r["p99_ms"],
               r["max_ms"], r["health_p99_ms"], r["hostile"], r["hostile_p99_ms"]] for r in rows], digits=0)
        hostile_mem = reindexes[0].get("peak_rss_mb", float("nan"))
        clean_mem = reindexes[1].get("peak_rss_mb", float("nan"))
        ratio = hostile_mem / clean_mem if clean_mem else float("nan")
        show("Reindex peak memory (VmHWM of the reindex process, 1 worker)",
             ["corpus", "peak MB", "seconds", "articles", "problems", "verdict"],
             [["with hostile files", hostile_mem, reindexes[0].get("wall_s"),
               reindexes[0].get("counts", {}).get("article"), reindexes[0].get("problems"),
               verdict(ratio <= MEMORY_TARGET)],
              ["clean", clean_mem, reindexes[1].get("wall_s"),
               reindexes[1].get("counts", {}).get("article"), reindexes[1].get("problems"), ""]],
             digits=0, note=f"hostile / clean = {ratio:.2f} (target <= {MEMORY_TARGET})")
        failed = sum(r["failed"] for r in rows)
        print(f"failed normal requests over all phases: {failed} (target 0)")
        save("hostile", {"phases": rows, "reindex": reindexes, "memory_ratio": ratio,
                         "failed_normal": failed}, args.quick)
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
