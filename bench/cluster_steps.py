"""Where a sharded search's time goes, step by step (``python -m bench.cluster --steps``).

Installed in a ``bench.cluster`` query child after its warm-up, it wraps the coordinator's
steps and the backend's calls to time each one, in wall time and in the CPU of the thread
that runs the search (the driver's):

    plan       parse and expand the query on the head (``search.plan``)
    count      the prepare round counted on the head (``head_counting.counted``)
    call:<m>   one fan-out round, ``Shards.map(..., m, ...)``: its wall time is the wait for
               the shards; its driver CPU is sending, receiving and unpickling
    page       the page's stored fields and snippets (``pages.fetch_page``, or the shards'
               own hits when they made them)
    facets     the shards' counts added up and shaped (``facet_codes.merged``)
    result     the typed result (did-you-mean, pinning; ``search.result``)
    search     the whole ``SearchIndex.search``

The replicas' CPU is read from each replica's ``stats`` around the run (``bench.cluster``).
Only for measuring: the wrappers change no answer.
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Callable

STEPS = (("coordinator", "plan", "plan"), ("coordinator", "counted", "count"),
         ("pages", "fetch_page", "page"), ("facet_codes", "merged", "facets"),
         ("coordinator", "result", "result"))


class Steps:
    """Wall and thread-CPU seconds, and calls, per step."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def timed(self, label: str, function: Callable) -> Callable:
        """Return ``function`` timed under ``label`` (the label may depend on its args)."""
        def run(*args: Any, **kwargs: Any) -> Any:
            t, c = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                name = label if label != "call" else f"call:{args[1]}"
                self.wall[name] += time.perf_counter() - t
                self.cpu[name] += time.thread_time() - c
                self.calls[name] += 1
        return run

    def report(self, searches: int) -> dict[str, dict[str, float]]:
        """Return, per step, ms a search (wall, driver CPU) and calls a search."""
        return {name: {"wall_ms": self.wall[name] * 1000 / searches,
                       "cpu_ms": self.cpu[name] * 1000 / searches,
                       "calls": self.calls[name] / searches} for name in sorted(self.wall)}


def install(ix) -> Steps:
    """Time the steps of ``ix``'s searches from now on (its backends must exist)."""
    from index.cluster import coordinator, facet_codes, pages  # noqa: PLC0415
    modules = {"coordinator": coordinator, "pages": pages, "facet_codes": facet_codes}
    steps = Steps()
    for module, name, label in STEPS:
        target = modules[module]
        setattr(target, name, steps.timed(label, getattr(target, name)))
    for backend in ix._backends.values():
        backend.map = steps.timed("call", backend.map)
    ix.search = steps.timed("search", ix.search)
    return steps


def show_steps(name: str, steps: dict[str, dict[str, float]], replica_ms: float) -> None:
    """Print one backend's steps (ms a search)."""
    print(f"  steps, {name} (ms a search; replicas' CPU {replica_ms:.2f}):")
    for step, s in steps.items():
        print(f"    {step:<14} wall {s['wall_ms']:6.2f}  driver CPU {s['cpu_ms']:6.2f}"
              f"  calls {s['calls']:.2f}")
