"""What ``make cluster`` holds: memory and listening sockets of the whole process tree.

    python -m bench.cluster_demo [--replicas N] [--corpus PATH]

Runs ``python -m service.cluster`` (what ``make cluster`` runs: a local Ray head, the demo
corpus built as 2 shards, N replicas of each, gunicorn) in a fresh index dir, waits until
``/search`` answers, sends a few searches, then reads every process of the tree: RSS, PSS
and USS (``bench.procmem``) and the TCP ports it listens on (``ss -ltnp``), and stops it.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter

from . import procmem
from .loadgen import ROOT

QUERIES = ["wind farm", "library", "budget", "tram line", "strike", "libary"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except Exception:  # noqa: BLE001 - not up yet
        return 0


def _kind(cmd: str) -> str:
    """Return a short name for a process of the tree."""
    for key in ("gcs_server", "raylet", "dashboard.py", "log_monitor", "ray start",
                "ray::DashboardAgent", "ray::RuntimeEnvAgent", "ray::ShardReplica", "ray::IDLE",
                "gunicorn: master", "gunicorn: worker", "gunicorn", "service.cluster"):
        if key in cmd:
            return key
    return cmd[:40]


def listeners(pids: set[int]) -> list[str]:
    """Return the local addresses the processes ``pids`` listen on."""
    lines = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout.splitlines()
    return [line.split()[3] for line in lines if any(f"pid={p}," in line for p in pids)]


def measure(corpus: str, replicas: int) -> dict:
    port = _free_port()
    index_dir = tempfile.mkdtemp(prefix="bench-cluster-demo-")
    env = {**os.environ, "SEARCH_INDEX_DIR": index_dir, "SEARCH_CACHE_SIZE": "0"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "service.cluster", "--shards", "2",
                             "--replicas", str(replicas), "--bind", f"127.0.0.1:{port}", corpus],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        while _get(f"{base}/search?q=wind") != 200:
            if proc.poll() is not None or time.perf_counter() - started > 600:
                raise RuntimeError(f"make cluster did not answer: {proc.stderr.read()[-2000:]}")
            time.sleep(1)
        ready = time.perf_counter() - started
        for q in QUERIES * 3:
            _get(f"{base}/search?q={urllib.request.quote(q)}")
        time.sleep(2)
        pids = procmem.tree(proc.pid)
        rows = [(p, _kind(procmem.name(p)), procmem.usage(p)) for p in pids]
        open_ports = listeners(set(pids))
        total = procmem.total(pids)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        subprocess.run(["rm", "-rf", index_dir])
    kinds = Counter(k for _, k, _ in rows)
    by_kind: dict[str, dict[str, int]] = {}
    for _, kind, use in rows:
        entry = by_kind.setdefault(kind, dict.fromkeys(("rss", "pss", "uss"), 0))
        for key in entry:
            entry[key] += use[key]
    return {"ready_s": ready, "processes": len(pids), "kinds": dict(kinds), "by_kind": by_kind,
            "total_kb": total, "listening": open_ports,
            "not_loopback": [a for a in open_ports if "127.0.0.1" not in a]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--corpus", default=str(ROOT / "corpus" / "demo"))
    args = parser.parse_args(argv)
    out = measure(args.corpus, args.replicas)
    print(f"make cluster ({args.replicas} replicas of each group of shards): answering after "
          f"{out['ready_s']:.0f} s; {out['processes']} processes; load {os.getloadavg()[0]:.1f}")
    print("| process | n | RSS MB | PSS MB | USS MB |\n|---|---:|---:|---:|---:|")
    for kind, use in sorted(out["by_kind"].items(), key=lambda kv: -kv[1]["pss"]):
        print(f"| {kind} | {out['kinds'][kind]} | {use['rss'] / 1024:.0f} | "
              f"{use['pss'] / 1024:.0f} | {use['uss'] / 1024:.0f} |")
    t = out["total_kb"]
    print(f"| **all** | {out['processes']} | {t['rss'] / 1024:.0f} | {t['pss'] / 1024:.0f} | "
          f"{t['uss'] / 1024:.0f} |")
    print(f"listening: {len(out['listening'])} sockets, beyond 127.0.0.1: "
          f"{out['not_loopback'] or 'none'}")
    print(json.dumps({k: out[k] for k in ("total_kb", "not_loopback")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
