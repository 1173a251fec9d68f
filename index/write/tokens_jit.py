"""A batch's text values split into words and numbered, compiled with numba.

``analysis.WORD`` (``\\w+(?:['’.]\\w+)*``) over each value, as ``findall`` finds them: a
word starts at a word character (``\\w``: ``minhash_jit.word_chars``), takes every word
character after it, and goes on past an apostrophe, a right single quote or a full stop
only when a word character follows. Each word is numbered by its first occurrence among the
values of the same language (an open-addressing table of FNV-1a hashes; words of equal hash
are compared code point by code point, so two different words never share a number). The
caller turns each distinct word into its term once (``text_tokens``), not each occurrence,
and makes no string per occurrence: ``findall`` and the look-up of every word were ~15 % of
writing a segment.
"""
from __future__ import annotations

import numpy as np

from index.write import minhash_jit

_kernels = None


def _compile():
    from numba import njit

    @njit(cache=True, nogil=True)
    def number(points, bounds, langs, is_word, v, count, distinct, ids, values, d_start, d_end,
               d_value, d_hash, slots):  # pragma: no cover - compiled
        """Number the words of values ``v``… until one might not fit the arrays; return
        (the next value, words, distinct words). No array is replaced in the loop (numba
        would count references on every access): the caller grows them."""
        size = len(slots)
        prime = np.uint64(1099511628211)
        while v < len(bounds) - 1:
            i, end, lang = bounds[v], bounds[v + 1], langs[v]
            most = (end - i + 1) // 2  # words a value can hold
            if count + most > len(ids) or distinct + most > len(d_start) \
                    or 2 * (distinct + most) > size:
                break
            while i < end:
                if not is_word[points[i]]:
                    i += 1
                    continue
                start = i
                while True:
                    while i < end and is_word[points[i]]:
                        i += 1
                    if i + 1 < end and (points[i] == 0x27 or points[i] == 0x2019
                                        or points[i] == 0x2E) and is_word[points[i + 1]]:
                        i += 1
                        continue
                    break
                h = np.uint64(14695981039346656037) ^ np.uint64(lang)
                for k in range(start, i):
                    h = (h ^ np.uint64(points[k])) * prime
                h ^= h >> np.uint64(33)  # FNV's low bits mix poorly: a finaliser (MurmurHash3's)
                h *= np.uint64(0xFF51AFD7ED558CCD)
                h ^= h >> np.uint64(33)
                slot = np.int64(h & np.uint64(size - 1))
                while True:
                    d = np.int64(slots[slot])
                    if d < 0:
                        d = distinct
                        d_start[d], d_end[d], d_value[d], d_hash[d] = start, i, v, h
                        slots[slot] = d
                        distinct += 1
                        break
                    if d_hash[d] == h and langs[d_value[d]] == lang \
                            and d_end[d] - d_start[d] == i - start:
                        a = d_start[d]
                        k = 0
                        while k < i - start and points[a + k] == points[start + k]:
                            k += 1
                        if k == i - start:
                            break
                    slot = (slot + 1) & (size - 1)
                ids[count], values[count] = d, v
                count += 1
            v += 1
        return v, count, distinct

    @njit(cache=True, nogil=True)
    def rehash(d_hash, distinct, size):  # pragma: no cover - compiled
        slots = np.full(size, -1, dtype=np.int32)
        for e in range(distinct):
            s = np.int64(d_hash[e] & np.uint64(size - 1))
            while slots[s] >= 0:
                s = (s + 1) & (size - 1)
            slots[s] = e
        return slots

    return number, rehash


def warm() -> None:
    """Import numba and load the compiled loops now (a process about to fork the segment
    writers: they inherit them instead of each loading them, ~0.7 s of CPU)."""
    global _kernels
    if _kernels is None:
        _kernels = _compile()
    number_words(np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64),
                 np.zeros(0, dtype=np.int64))
    _kernels[1](np.zeros(0, dtype=np.uint64), 0, 8)


def _grown(array: np.ndarray, need: int) -> np.ndarray:
    return np.concatenate((array, np.empty(max(need, len(array)), dtype=array.dtype)))


def number_words(points: np.ndarray, bounds: np.ndarray, langs: np.ndarray) -> tuple:
    """Return, for the values ``points[bounds[v]:bounds[v + 1]]`` (code points, uint32) of
    languages ``langs`` (small ints): each word's number and value (int32), and each
    number's first word as (start, end, value)."""
    global _kernels
    if _kernels is None:
        _kernels = _compile()
    number, rehash = _kernels
    is_word = minhash_jit.word_chars()
    ids = np.empty(len(points) // 5 + 16, dtype=np.int32)
    values = np.empty_like(ids)
    d_start, d_end = np.empty(4096, dtype=np.int64), np.empty(4096, dtype=np.int64)
    d_value, d_hash = np.empty(4096, dtype=np.int32), np.empty(4096, dtype=np.uint64)
    slots = np.full(8192, -1, dtype=np.int32)
    v, count, distinct = 0, 0, 0
    while True:
        v, count, distinct = number(points, bounds, langs, is_word, v, count, distinct, ids,
                                    values, d_start, d_end, d_value, d_hash, slots)
        if v == len(bounds) - 1:
            break
        most = int(bounds[v + 1] - bounds[v] + 1) // 2  # the next value did not fit: grow
        if count + most > len(ids):
            ids, values = _grown(ids, most), _grown(values, most)
        if distinct + most > len(d_start):
            d_start, d_end = _grown(d_start, most), _grown(d_end, most)
            d_value, d_hash = _grown(d_value, most), _grown(d_hash, most)
        size = len(slots)
        while 2 * (distinct + most) > size:
            size *= 2
        if size > len(slots):
            slots = rehash(d_hash, distinct, size)
    return (ids[:count], values[:count], d_start[:distinct], d_end[:distinct],
            d_value[:distinct])
