"""Merging small segments in the background: a tiered merge policy, after Lucene's.

Every push, and every ``reindex --incremental``, commits its documents as a new segment of
its own (no merge on the way: publishing costs the new documents only), so a day of pushes
would leave hundreds of tiny segments, and every search pays a little per segment. After a
push is applied and searchable, the push flusher asks ``merge`` whether a merge is due; if
so it merges a few segments of about the same size into one, as a snapshot of its own.

The policy is Lucene's ``TieredMergePolicy`` with sizes counted in live documents instead of
bytes: segments under ``floor_docs`` count as that size; segments over half of
``max_merged_docs`` are left alone, and a merged segment is never larger than a full build's
(``segment_batches.BATCH_DOCS``), so the build's own segments are never merged (a merge of
two of them, 40,000 documents through Whoosh's writer, held the writer lock for minutes and
every push behind it); the index may hold ``segs_per_tier``
segments of each tier (floor, floor × ``max_merge_at_once``, …); past that, it merges the
``max_merge_at_once`` or fewer consecutive segments (by size) whose merge is best
balanced: the lowest skew (largest / total), a little in favour of small merges, and of
segments with many deletions (a merge drops deleted documents).
"""
from __future__ import annotations

import math
import shutil
from dataclasses import dataclass

from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from index.schema import ARRAY_FIELDS
from index.store.arrays import write_arrays
from index.store.meta import read_meta, write_meta
from index.store.names import write_names
from index.store.snapshots import SnapshotStore
from index.write.segment_batches import BATCH_DOCS


@dataclass(frozen=True)
class SegmentSize:
    """What the policy knows of a segment."""

    sid: str
    docs: int   # documents, deleted ones included
    live: int   # documents not deleted


@dataclass(frozen=True)
class TieredMergePolicy:
    """Which segments to merge next (see the module's docstring)."""

    floor_docs: int = 1_000
    segs_per_tier: int = 10
    max_merge_at_once: int = 10
    max_merged_docs: int = BATCH_DOCS  # no larger than a full build's segments: never those

    def _size(self, seg: SegmentSize) -> int:
        return max(seg.live, self.floor_docs)

    def find_merge(self, segments: list[SegmentSize]) -> list[str]:
        """Return the ids of the segments to merge now (empty: none is due)."""
        eligible = sorted((s for s in segments if s.live <= self.max_merged_docs // 2 or
                           s.live < s.docs // 2),  # a big one that lost half its documents
                          key=lambda s: (-self._size(s), s.sid))
        if len(eligible) < 2:
            return []
        allowed = self._allowed(eligible)
        deleted = sum(s.docs - s.live for s in eligible)
        if len(eligible) <= allowed and deleted <= 0.2 * sum(s.docs for s in eligible):
            return []
        best, best_score = [], math.inf
        for start in range(len(eligible)):
            chosen, total = [], 0
            for seg in eligible[start:]:
                if len(chosen) == self.max_merge_at_once:
                    break
                if total + seg.live > self.max_merged_docs:
                    continue
                chosen.append(seg)
                total += seg.live
            if len(chosen) < 2:
                continue
            score = self._score(chosen)
            if score < best_score:
                best, best_score = chosen, score
        return [s.sid for s in best]

    def _allowed(self, eligible: list[SegmentSize]) -> int:
        """Return how many segments the index may hold before one merge is due."""
        level = max(min(self._size(s) for s in eligible), self.floor_docs)
        left = sum(self._size(s) for s in eligible)
        allowed = 0.0
        while True:
            at_level = left / level
            if at_level < self.segs_per_tier or level >= self.max_merged_docs:
                allowed += math.ceil(at_level)
                break
            allowed += self.segs_per_tier
            left -= self.segs_per_tier * level
            level = min(self.max_merged_docs, level * self.max_merge_at_once)
        return max(int(allowed), self.segs_per_tier)

    def _score(self, chosen: list[SegmentSize]) -> float:
        """Lower is better: Lucene's skew × size^0.05 × (live share)^2."""
        floored = [self._size(s) for s in chosen]
        skew = max(floored) / sum(floored)
        live = sum(s.live for s in chosen)
        docs = sum(s.docs for s in chosen)
        return skew * max(live, 1) ** 0.05 * (live / max(docs, 1)) ** 2


def sizes(ix) -> list[SegmentSize]:
    """Return the sizes of the segments of a Whoosh index."""
    return [SegmentSize(s.segment_id(), s.doc_count_all(), s.doc_count())
            for s in ix._segments() if s.doc_count_all()]


def _due(store: SnapshotStore, policy: TieredMergePolicy) -> bool:
    """Return True if the live snapshot has segments the policy would merge now."""
    try:
        live = store.current_path()
        return not read_meta(live).get("shards") and \
            bool(policy.find_merge(sizes(whoosh_index.open_dir(str(live)))))
    except Exception:  # noqa: BLE001 - a snapshot switched or removed meanwhile: ask later
        return False


def merge(store: SnapshotStore, policy: TieredMergePolicy = TieredMergePolicy()) -> str | None:
    """Merge the segments the policy picks, as a new live snapshot; return its id (None
    when no merge is due, or the live snapshot is sharded). Holds the writer lock only when
    a merge is due (asking needs no lock: a rebuild is never kept waiting by the question)."""
    if not _due(store, policy):
        return None
    with store.writer_lock():
        live = store.current_path()
        meta = read_meta(live)
        if meta.get("shards"):
            return None
        chosen = set(policy.find_merge(sizes(whoosh_index.open_dir(str(live)))))
        if not chosen:
            return None
        snapshot_id, building = store.new_building_dir(copy_of=live)
        try:
            ix = whoosh_index.open_dir(str(building))
            writer = ix.writer(compound=False)

            def merging(writer, segments):
                kept = []
                for seg in segments:
                    if seg.segment_id() in chosen:
                        reader = SegmentReader(writer.storage, writer.schema, seg)
                        writer.add_reader(reader)  # deleted documents are left out
                        reader.close()
                    else:
                        kept.append(seg)
                return kept

            writer.commit(mergetype=merging)
            write_arrays(building, ix, ARRAY_FIELDS, new_segments_only=True)
            write_names(building, [ix])  # a merge drops the deleted documents' names
            write_meta(building, meta.get("counts", {}), set(meta.get("langs", ())), True)
            store.publish(snapshot_id, building)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return snapshot_id
