"""Drafts built into records in order, in forked worker processes once there are enough.

Language detection and quotation finding are the slow part of extraction, so both cores
work: drafts go to a pool of forked processes in batches of ``BATCH``, through a window of
``WINDOW_PER_WORKER`` batches a worker, so reading never runs ahead of building, and come
back in order. What every worker would load for itself (langdetect's profiles, the list of
first names) is loaded before the fork, once, and shared.
"""
from __future__ import annotations

import gc
import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator

from .build import Built, article_id, build
from .lang import load_profiles
from .records import Draft
from .roles import first_name_gender

BATCH = 64
PARALLEL_MIN_DRAFTS = 400  # below this, a worker pool costs more than it saves
WINDOW_PER_WORKER = 4  # batches of drafts sent ahead to each worker process
WORKER_YOUNG_OBJECTS = 50_000  # allocations between a worker's young collections (700 by default)


def _build_batch(batch: list[Draft]) -> list[Built]:
    return [build(d) for d in batch]


def _worker_started() -> None:
    """Keep a worker's collector off what it inherited (and those pages shared), and let
    it collect young objects less often: building makes many that die young."""
    gc.freeze()
    gc.set_threshold(WORKER_YOUNG_OBJECTS, *gc.get_threshold()[1:])


def _batches(drafts: Iterator[Draft]) -> Iterator[list[Draft]]:
    batch: list[Draft] = []
    for draft in drafts:
        batch.append(draft)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def mark_repeats(drafts: Iterable[Draft]) -> Iterator[Draft]:
    """Yield ``drafts``, each article with the id of an earlier one marked ``repeat``: the
    extraction keeps the first (``pipeline.assemble``), so its quotes need not be found (6 %
    of FakeNewsNet's articles); its problems and bylines' bios are still built."""
    seen: set[str] = set()
    for draft in drafts:
        key = article_id(draft)
        if key is not None:
            draft.repeat = key in seen
            seen.add(key)
        yield draft


def built_in_order(drafts: Iterator[Draft], workers: int) -> Iterator[Built]:
    """Build drafts in order, in a process pool once there are enough to be worth it."""
    drafts = mark_repeats(drafts)
    head: list[Draft] = []
    for draft in drafts:
        head.append(draft)
        if len(head) >= PARALLEL_MIN_DRAFTS:
            break
    if workers <= 1 or len(head) < PARALLEL_MIN_DRAFTS:
        yield from (build(d) for d in head)
        yield from (build(d) for d in drafts)
        return
    load_profiles()  # loaded once here, shared by the forked workers, not once in each
    first_name_gender("Jane")  # the first-name list, likewise
    ctx = multiprocessing.get_context("fork")
    # not imap: it reads the drafts as fast as it can
    with ctx.Pool(workers, initializer=_worker_started) as pool:
        window: deque = deque()
        for batch in _batches(itertools.chain(head, drafts)):
            window.append(pool.apply_async(_build_batch, (batch,)))
            if len(window) >= WINDOW_PER_WORKER * workers:
                yield from window.popleft().get()
        while window:
            yield from window.popleft().get()
