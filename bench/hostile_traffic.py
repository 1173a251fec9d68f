"""The hostile benchmark's traffic (issues 15 and 26): the reader-side attacks that need no
answer parsed (repeated costly searches, slow clients, connections never closed), and one
phase: normal load at a steady rate beside an attack, with the server's costs measured.
"""
from __future__ import annotations

import selectors
import socket
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path
from typing import Any

from .loadgen import PyLoad, Server, percentile
from .probe import Probe

NORMAL_RATE = 10.0
SLOW = 50
HEALTH = ("(health)", "/health")  # one normal request in five


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
          action=None, folders: list[Path] | None = None) -> dict[str, Any]:
    """Run normal load for ``seconds`` (or until ``action`` returns), with ``action`` beside it;
    measure the server's peak memory and what it wrote meanwhile."""
    load = PyLoad(server.host, server.port, paths, threads=2, duration=7200, rate=NORMAL_RATE,
                  timeout=30).start()
    stop, hostile, workers = threading.Event(), [], []
    started = time.monotonic()
    with Probe(server.proc.pid, folders or []) as probe:
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
            "health_p99_ms": percentile(health, 99), "health_max_ms": max(health, default=float("nan")),
            "max_ms": max(ok, default=float("nan")), **probe.result(),
            "hostile": ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) or "-",
            "hostile_p99_ms": percentile([s * 1000 for s in hostile_s], 99),
            "failures": sorted({f"{s.status} {s.error or ''}" for s in failed})[:5]}
