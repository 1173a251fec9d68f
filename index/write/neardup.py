"""Near-duplicate groups of articles, assigned at index time: word shingles, MinHash, LSH.

Wire copy and syndicated articles repeat a body with small changes (a different first
paragraph, a site's footer, a changed headline). Two bodies are near-duplicates when the
sets of their 5-word shingles overlap by a Jaccard similarity of about 0.8 or more.

Why MinHash rather than SimHash: the measure asked for is a Jaccard similarity of shingle
sets, and MinHash estimates exactly that (the share of equal minimums is an unbiased
estimate of the Jaccard similarity, standard error sqrt(J(1-J)/128) ≈ 0.035 at 0.8 with
128 permutations), so the threshold means what it says. SimHash approximates a cosine
of weighted features: its Hamming threshold has no fixed relation to a shingle Jaccard,
and a short changed lead moves it more than it moves the shingle overlap. A signature
is 128 × shingles multiply-adds and a minimum per row, compiled with numba (``minhash_jit``;
``signature_numpy`` is the same arithmetic in numpy, its reference).

LSH banding (32 bands of 4 rows) finds the candidates: a pair at J = 0.7 shares a band with
probability 1 − (1 − 0.7⁴)³² > 0.9998, a pair at J = 0.2 with 0.05, and each candidate is
then checked on its whole signature. An article joins the group of its most similar earlier
article when the estimate is at least ``THRESHOLD`` (0.7: below the 0.8 asked for, so that
a true 0.8 pair is not lost to the estimate's noise); else it starts a group of its own,
keyed by its id. Grouping is online, in input order, so the group is known when the
document is written, and an incremental update continues it from the saved signatures.

Word hashes are CRC-32 (stable across processes, unlike ``hash``), shingle hashes a
polynomial of them in 64-bit arithmetic, the permutations seeded: the same input gives the
same groups on every machine.
"""
from __future__ import annotations

import hashlib
import os
import re
import zlib
from pathlib import Path

import numpy as np

from index.write import minhash_jit

SHINGLE = 5            # words a shingle
PERMS = 128            # MinHash permutations
BANDS, ROWS = 32, 4    # LSH: BANDS × ROWS == PERMS
THRESHOLD = 0.7        # estimated Jaccard from which an article joins a group
MAX_WORDS = 20_000     # words of a body shingled (a giant body: its start)
SEED = 20261201
SAVED = "neardup.npz"  # the grouping state beside a snapshot's index (then neardup.<n>.npz)
MAX_DELTAS = 32        # update files before the next save writes one whole file again
LAZY_ADDS = 64         # articles added to a loaded grouping before its rows get buckets
COMPILED_FROM = 500    # articles a grouping signs with numpy before the compiled path (numba's
                       # import and cached loop cost ~0.7 s once: not for a push or a small build)

_WORD = re.compile(r"\w+", re.UNICODE)
_WORD_HASHES: dict[str, int] = {}  # words repeat across articles: hash each once
_rng = np.random.default_rng(SEED)
_A = _rng.integers(1, 2**63, size=PERMS, dtype=np.uint64) | np.uint64(1)  # odd multipliers
_B = _rng.integers(0, 2**63, size=PERMS, dtype=np.uint64)
_POLY = _rng.integers(1, 2**63, size=SHINGLE, dtype=np.uint64) | np.uint64(1)


def group_key(doc_id: str) -> int:
    """Return the 64-bit key of the group an article starts (never 0: 0 is "no group")."""
    key = int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(),
                         "little", signed=True)
    return key or 1


def shingles(text: str) -> np.ndarray:
    """Return the distinct 64-bit hashes of the 5-word shingles of ``text`` (lowercased)."""
    combined = _shingle_hashes(text)
    if not len(combined):
        return combined
    combined.sort()  # np.unique's result, without its hash table (8x slower here, numpy 2.4)
    return combined[np.concatenate(([True], combined[1:] != combined[:-1]))]


def _word_hashes(text: str) -> np.ndarray:
    """Return the hashes of the words of ``text`` (lowercased), the first ``MAX_WORDS``."""
    words = _WORD.findall(text.lower())[:MAX_WORDS]
    cache = _WORD_HASHES
    if len(cache) > 500_000:
        cache.clear()
    for w in set(words).difference(cache):
        cache[w] = zlib.crc32(w.encode("utf-8"))
    return np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))


def _shingle_hashes(text: str) -> np.ndarray:
    """Return the hashes of the 5-word shingles of ``text`` (lowercased), repeats kept."""
    h = _word_hashes(text)
    if not len(h):
        return h
    n = max(len(h) - SHINGLE + 1, 1)
    combined = h[:n] * _POLY[0]
    for j in range(1, min(SHINGLE, len(h))):  # 64-bit arithmetic wraps: a hash, not a sum
        combined += h[j:j + n] * _POLY[j]
    return combined


def signature(text: str) -> np.ndarray | None:
    """Return the MinHash signature (PERMS uint32) of ``text``'s shingles, None if no words
    (``signature_numpy``'s, compiled: ``minhash_jit``; numba is loaded on the first call)."""
    words = minhash_jit.word_hashes(text.lower(), MAX_WORDS)
    return minhash_jit.signature(words, _POLY, _A, _B) if len(words) else None


def signature_numpy(text: str) -> np.ndarray | None:
    """Return ``signature(text)`` computed with numpy (the reference of the compiled path)."""
    found = _shingle_hashes(text)  # a repeated shingle changes no minimum: no need to dedupe
    if not len(found):
        return None
    hashed = np.multiply.outer(_A, found)
    hashed += _B[:, None]  # in place; the shift after the min (it keeps the order): one pass less
    return (hashed.min(axis=1) >> np.uint64(32)).astype(np.uint32)


def jaccard(a: str, b: str) -> float:
    """Return the exact Jaccard similarity of the shingle sets of two texts."""
    sa, sb = shingles(a), shingles(b)
    if not len(sa) and not len(sb):
        return 1.0
    common = len(np.intersect1d(sa, sb, assume_unique=True))
    return common / (len(sa) + len(sb) - common)


class Grouper:
    """Assign articles to near-duplicate groups as they come (see the module's docstring).

    Saved beside a snapshot as ``neardup.npz`` (a full build's) and one small
    ``neardup.<n>.npz`` per incremental update after it (the articles it added, the ids it
    removed), all written once: a snapshot copy hard-links them, so an update costs its own
    articles, not the archive's. Loaded rows are searched for candidates with numpy (their
    LSH buckets are built only when many articles are added in one go)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.sigs: list[np.ndarray] = []
        self.keys: list[int] = []
        self.alive: list[bool] = []
        self._row: dict[str, int] = {}
        self._buckets: list[dict[bytes, list[int]]] = [{} for _ in range(BANDS)]
        self._loaded = np.empty((0, BANDS, ROWS), dtype=np.uint32)  # rows not in _buckets
        self._saved_rows = 0  # rows already in the saved files
        self._removed: list[str] = []  # ids of saved rows removed since
        self._files: list[str] = []
        self._signed = 0  # articles signed by this grouping (numpy first, then compiled)

    def add(self, doc_id: str, body: str) -> int:
        """Return the group key of article ``doc_id`` (replacing one of the same id)."""
        self.remove(doc_id)
        self._signed += 1
        sig = (signature if self._signed > COMPILED_FROM else signature_numpy)(body)
        if sig is None:  # no words: nothing to compare, a group of its own
            return group_key(doc_id)
        if len(self._loaded) and len(self.ids) - len(self._loaded) > LAZY_ADDS:
            self._index_loaded()
        raw, step = sig.tobytes(), ROWS * sig.itemsize  # each band's bytes, cut from one copy
        bands = [raw[at:at + step] for at in range(0, BANDS * step, step)]
        alive = self.alive
        candidates = {r for bucket, k in zip(self._buckets, bands) for r in bucket.get(k, ())
                      if alive[r]}
        if len(self._loaded):
            shared = (self._loaded == sig.reshape(BANDS, ROWS)).all(axis=2).any(axis=1)
            candidates.update(int(r) for r in np.flatnonzero(shared) if self.alive[r])
        key = group_key(doc_id)
        if candidates:
            rows = sorted(candidates)
            similar = (np.stack([self.sigs[r] for r in rows]) == sig).mean(axis=1)
            best = int(np.argmax(similar))
            if similar[best] >= THRESHOLD:
                key = self.keys[rows[best]]
        self._append(doc_id, sig, key, bands)
        return key

    def _append(self, doc_id: str, sig: np.ndarray, key: int, bands: list[bytes] | None) -> None:
        row = len(self.ids)
        self.ids.append(doc_id)
        self.sigs.append(sig)
        self.keys.append(key)
        self.alive.append(True)
        self._row[doc_id] = row
        for bucket, k in zip(self._buckets, bands or ()):
            rows = bucket.get(k)
            if rows is None:  # (setdefault would make a list for every band)
                bucket[k] = [row]
            else:
                rows.append(row)

    def _index_loaded(self) -> None:
        """File the loaded rows in the LSH buckets (worth it when many articles are added)."""
        for row in range(len(self._loaded)):
            for b in range(BANDS):
                self._buckets[b].setdefault(self._loaded[row, b].tobytes(), []).append(row)
        self._loaded = self._loaded[:0]

    def key(self, doc_id: str) -> int | None:
        """Return the group key of live article ``doc_id``, or None if it is not here."""
        row = self._row.get(doc_id)
        return None if row is None else self.keys[row]

    def remove(self, doc_id: str) -> None:
        """Forget article ``doc_id`` (deleted or replaced); its group keeps its key."""
        row = self._row.pop(doc_id, None)
        if row is not None:
            self.alive[row] = False
            if row < self._saved_rows:
                self._removed.append(doc_id)

    def save(self, folder: Path) -> None:
        """Write what changed since ``load`` beside an index (everything, after a full
        build or once there are ``MAX_DELTAS`` update files)."""
        folder = Path(folder)
        whole = not self._files or len(self._files) > MAX_DELTAS
        start = 0 if whole else self._saved_rows
        rows = [r for r in range(start, len(self.ids)) if self.alive[r]]
        sigs = np.stack([self.sigs[r] for r in rows]) if rows \
            else np.empty((0, PERMS), dtype=np.uint32)
        name = SAVED if whole else f"neardup.{len(self._files):06d}.npz"
        _write(folder / name, ids=np.array([self.ids[r] for r in rows], dtype=str), sigs=sigs,
               keys=np.array([self.keys[r] for r in rows], dtype=np.int64),
               removed=np.array([] if whole else self._removed, dtype=str))
        if whole:  # the deltas are in the new whole file now
            for old in folder.glob("neardup.*.npz"):
                old.unlink()
        # what is saved now (a grouping kept in memory for the next update writes from here)
        self._files = [SAVED] if whole else [*self._files, name]
        self._saved_rows, self._removed = len(self.ids), []

    @classmethod
    def load(cls, folder: Path) -> Grouper:
        """Return the grouping saved beside an index (empty if there is none)."""
        grouper = cls()
        files = [Path(folder) / SAVED] + sorted(Path(folder).glob("neardup.*.npz"))
        parts = []
        for path in files:
            try:
                with np.load(path, allow_pickle=False) as saved:
                    parts.append((saved["ids"].tolist(), saved["sigs"], saved["keys"].tolist(),
                                  saved["removed"].tolist() if "removed" in saved else []))
            except (OSError, KeyError, ValueError):
                if path.name == SAVED:
                    return grouper
                raise
        for ids, sigs, keys, removed in parts:
            for doc_id in removed:
                grouper.remove(doc_id)
            base = len(grouper.ids)
            grouper.ids += ids
            grouper.sigs += list(sigs)
            grouper.keys += keys
            grouper.alive += [True] * len(ids)
            grouper._row.update((doc_id, base + i) for i, doc_id in enumerate(ids))
        if grouper.sigs:
            grouper._loaded = np.concatenate([sigs for _, sigs, _, _ in parts]).reshape(
                -1, BANDS, ROWS)
        grouper._saved_rows = len(grouper.ids)
        grouper._removed = []
        grouper._files = [p.name for p in files]
        return grouper


def _write(path: Path, **arrays) -> None:
    """Write ``arrays`` to ``path`` through a new file: the old name may be a hard link
    shared with the live snapshot, which must not change."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    os.replace(tmp, path)
