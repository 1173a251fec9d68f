"""One replica of a shard on a Ray cluster: what each Serve replica of ``shard-<k>`` runs.

A replica holds one ``ShardServer`` and answers the coordinator's calls (``call``). It opens
the live snapshot before Serve counts it ready, and then follows ``CURRENT`` the way a
gunicorn worker does: when a reindex publishes a new snapshot, the replica opens it within
a second, in the background. Opening a shard of FakeNewsNet takes about a second, longer
than many searches' whole budget: without this, the first searches after a deploy, a
restarted replica or a reindex would wait for it and end in 503s.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from pathlib import Path
from typing import Any

from index.store.snapshots import SnapshotStore

FOLLOW_EVERY = 1.0  # seconds between looks at CURRENT


class ShardReplica:
    """One replica of a shard: a ShardServer held for the life of the actor."""

    def __init__(self, index_dir: str, shard: int, server: str) -> None:
        module, _, name = server.partition(":")
        self.server = getattr(importlib.import_module(module), name)(index_dir, shard)
        self.store = SnapshotStore(index_dir)
        self.opened = self._open_current(None)
        threading.Thread(target=self._follow, name="follow-current", daemon=True).start()

    def call(self, snapshot_id: str, method: str, args: tuple) -> Any:
        """Answer one call of the fan-out."""
        return self.server.call(snapshot_id, method, args)

    def stats(self) -> dict[str, int | float]:
        """Return this replica's pid, memory (kB) and CPU seconds: what a benchmark weighs."""
        mem = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text()
                   .splitlines() if line.startswith(("VmRSS", "VmHWM")))
        cpu = os.times()
        return {"pid": os.getpid(), "cpu_s": cpu.user + cpu.system,
                **{k: int(v.split()[0]) for k, v in mem.items()}}

    def _open_current(self, opened: str | None) -> str | None:
        """Open the snapshot CURRENT names if it is new; return the one open now."""
        with contextlib.suppress(Exception):  # none yet, not sharded, or half gone: next time
            current = self.store.current()
            if current and current != opened:
                self.server.call(current, "days", ())  # the cheapest call that opens it
                return current
        return opened

    def _follow(self) -> None:
        while True:
            time.sleep(FOLLOW_EVERY)
            self.opened = self._open_current(self.opened)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.server.close()
