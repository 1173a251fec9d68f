"""A sharded rebuild fanned out over a Ray cluster: reading on every node, one writer per shard.

    rebuild(index_dir, paths, shards, address, ...)   what ``index.rebuild(cluster=...)`` runs

Three stages, only the middle one in the driver:

1. extraction: the corpus files are cut into chunks (whole files, in corpus order) and each
   chunk is read and built into drafts by a Ray task (``corpus.pipeline.build_files``: the
   readers, language detection, quotes); at most ``2 × workers`` chunks are in flight;
2. the driver takes the chunks' drafts in corpus order and does what needs the whole corpus
   (``corpus.pipeline.assemble``: repeated articles dropped, bios merged; then, in
   ``indexer.build``, near-duplicate groups and each document's shard and ``seq``), so the
   snapshot is the one a build on one machine writes;
3. each shard is written by its own Ray actor (``ShardWriter``: a one-shard
   ``sharding.ShardWriters``), fed in batches as the driver routes documents to it.

The shard actors write under the snapshot being built (a path every node sees); the driver
then moves each into place, writes ``meta.json`` and switches ``CURRENT`` in one atomic step,
as ever. A corpus of one big file is read by one task: split it to spread the reading.
"""
from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from corpus import Record, Summary
from corpus.files import iter_files
from corpus.pipeline import assemble, build_files
from corpus.wxr import POST_TYPES
from index.cluster import ray_head, ray_replica
from index.store.snapshots import SnapshotStore, shard_dir
from index.write import indexer
from index.write.sharded_build import ShardWriters

BATCH = 256      # documents sent to a shard's writer at a time
IN_FLIGHT = 4    # batches a writer may have queued before the driver waits for it
CHUNKS_PER_WORKER = 4


def rebuild(index_dir: str, paths: list[str], shards: int, address: str,
            summary: Summary | None = None, *, workers: int = 2,
            progress: Callable[[Summary], None] | None = None,
            post_types: tuple[str, ...] = POST_TYPES) -> indexer.BuildResult:
    """Rebuild ``paths`` into a new ``shards``-shard snapshot on the cluster; switch to it."""
    ray_head.connect(address, index_dir)
    summary = summary if summary is not None else Summary()
    records = extract(paths, summary, workers, progress, post_types)
    return indexer.build(SnapshotStore(index_dir), records, shards=shards,
                         writers=RayShardWriters)


def extract(paths: list[str], summary: Summary, workers: int,
            progress: Callable[[Summary], None] | None = None,
            post_types: tuple[str, ...] = POST_TYPES) -> Iterator[Record]:
    """Yield the records of ``paths`` as ``corpus.extract`` does, reading chunks on the cluster."""
    ray = ray_head._ray()
    files = list(iter_files(paths, summary.problems))
    size = max(1, -(-len(files) // max(1, workers * CHUNKS_PER_WORKER)))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    task = ray.remote(num_cpus=1)(build_files)

    def built():
        window = 2 * max(1, workers)
        pending = [task.remote(c, None, post_types) for c in chunks[:window]]
        for i in range(len(chunks)):
            drafts, read = ray.get(pending[i])
            pending[i] = None  # let the object store drop the chunk once it is taken
            if i + window < len(chunks):
                pending.append(task.remote(chunks[i + window], None, post_types))
            summary.files += read.files
            summary.problems.extend(read.problems)
            yield from drafts

    return assemble(built(), summary, progress)


class ShardWriter:
    """A Ray actor writing one shard: a one-shard ``ShardWriters`` in a staging directory."""

    def __init__(self, staging: str) -> None:
        Path(staging).mkdir(parents=True)
        self.out = ShardWriters(Path(staging), 1, create=True)

    def add(self, docs: list[dict[str, Any]]) -> int:
        for doc in docs:
            self.out.add(0, doc)
        return len(docs)

    def commit(self) -> dict[str, int]:
        self.out.commit(new_segments_only=False)
        counts = self.out.counts()
        self.out.close()
        return counts

    def cancel(self) -> None:
        self.out.cancel()
        self.out.close()


class RayShardWriters:
    """``sharding.ShardWriters`` for ``indexer.build`` with each shard written by an actor."""

    def __init__(self, snapshot: Path, shards: int, create: bool) -> None:
        if not create:
            raise ValueError("the cluster writes new snapshots only (an update runs in place)")
        ray = ray_head._ray()
        self.ray = ray
        self.snapshot = Path(snapshot)
        actor = ray.remote(num_cpus=0, max_restarts=0)(ShardWriter)
        self.staging = [self.snapshot / f".staging-{k}" for k in range(shards)]
        self.actors = [actor.options(runtime_env=ray_replica.RUNTIME_ENV).remote(str(s))
                       for s in self.staging]
        self.batches: list[list[dict]] = [[] for _ in range(shards)]
        self.queued: list[list] = [[] for _ in range(shards)]
        self._counts: dict[str, int] = {}

    def add(self, shard: int, doc: dict[str, Any]) -> None:
        batch = self.batches[shard]
        batch.append(doc)
        if len(batch) >= BATCH:
            self._send(shard)

    def _send(self, shard: int) -> None:
        queued = self.queued[shard]
        if len(queued) >= IN_FLIGHT:  # back-pressure: the driver never runs far ahead
            self.ray.get(queued.pop(0))
        queued.append(self.actors[shard].add.remote(self.batches[shard]))
        self.batches[shard] = []

    def commit(self, new_segments_only: bool) -> None:
        """Send what is left, commit every shard at once, then move each into place."""
        for shard, batch in enumerate(self.batches):
            if batch:
                self._send(shard)
        self.ray.get([ref for queued in self.queued for ref in queued])
        counts = self.ray.get([a.commit.remote() for a in self.actors])
        for k, staging in enumerate(self.staging):
            (staging / "shard-0").rename(shard_dir(self.snapshot, k))
            staging.rmdir()
        self._counts = {kind: sum(c.get(kind, 0) for c in counts) for kind in counts[0]}

    def cancel(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        for staging in self.staging:
            shutil.rmtree(staging, ignore_errors=True)

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    @property
    def indexes(self) -> list:
        """The shards' indexes as committed (the build reads their names' counts)."""
        return [whoosh_index.open_dir(str(shard_dir(self.snapshot, k)))
                for k in range(len(self.staging))]

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
