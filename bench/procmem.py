"""Memory of processes as the kernel counts it (``/proc/<pid>/smaps_rollup``): resident
(RSS, shared pages counted in full in every process), proportional (PSS, each shared page
split among the processes mapping it; the PSS of a set of processes adds up to what they
hold together) and unique (USS, pages no other process maps: what stopping the process
frees). Memory-mapped index files count in RSS and PSS while their pages are resident; only
their private copies count in USS."""
from __future__ import annotations

import subprocess
from pathlib import Path

FIELDS = {"Rss": "rss", "Pss": "pss", "Private_Clean": "uss", "Private_Dirty": "uss",
          "Pss_File": "pss_file"}


def usage(pid: int) -> dict[str, int]:
    """Return the process's rss, pss, uss and pss_file in kB (zeros if it is gone)."""
    out = dict.fromkeys(set(FIELDS.values()), 0)
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in FIELDS:
            out[FIELDS[key]] += int(value.split()[0])
    return out


def tree(pid: int) -> list[int]:
    """Return ``pid`` and every process below it."""
    table = [tuple(map(int, line.split())) for line in subprocess.run(
        ["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout.splitlines()]
    found = [pid]
    for p in found:
        found.extend(child for child, parent in table if parent == p)
    return found


def name(pid: int) -> str:
    """Return the process's command line, shortened."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except OSError:
        return "?"


def total(pids: list[int]) -> dict[str, int]:
    """Return the sums of ``usage`` over ``pids`` (kB)."""
    sums = dict.fromkeys(set(FIELDS.values()), 0)
    for pid in pids:
        for key, value in usage(pid).items():
            sums[key] += value
    return sums
