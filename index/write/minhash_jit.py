"""MinHash signatures compiled with numba: the same words, hashes and arithmetic as
``neardup``'s Python and numpy path.

``neardup.signature`` with numpy makes the (permutations × shingles) matrix of
``a * shingle + b`` (64-bit, wrapping) and takes each row's minimum: three passes over a
matrix of 128 × shingles words (~0.3 ms a body here, 12 % of a build's index writing). The
loop below does the same multiply-add in the same unsigned 64-bit arithmetic and keeps each
row's minimum as it goes, and it makes the shingle hashes (the polynomial of five word
hashes) in the same pass over the words: the same signature to the bit. The words
themselves (``\\w+`` of the lowercased body, each hashed as the CRC-32 of its UTF-8 bytes)
are found by a second loop over the body's code points, with a table of the code points
``\\w`` matches (``numpy.strings.isalnum`` and the underscore: re's own definition), instead
of ``findall``, a string per word and a dictionary look-up per word
(``tests/test_build_shortcuts.py`` compares both paths on FakeNewsNet bodies, the table
with ``re`` on every code point).

numba is imported, and the loop compiled (or loaded from its cache, ``cache=True``), on the
first signature, not when ``neardup`` is imported: a process that never groups articles
never pays for it.
"""
from __future__ import annotations

import numpy as np

_kernels = None
_WORD_CHARS: np.ndarray | None = None  # by code point: does re's \w match it?


def _crc_table() -> np.ndarray:
    """Return CRC-32's byte table (zlib's polynomial, reflected)."""
    table = np.arange(256, dtype=np.int64)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xEDB88320, table >> 1)
    return table


_CRC_TABLE = _crc_table()


def word_chars() -> np.ndarray:
    """Return, for every code point, whether ``re``'s ``\\w`` matches it."""
    global _WORD_CHARS
    if _WORD_CHARS is None:
        chars = np.arange(0x110000, dtype=np.uint32).view("<U1")
        found = np.strings.isalnum(chars)  # str.isalnum, as re defines \w, and "_"
        found[ord("_")] = True
        _WORD_CHARS = found
    return _WORD_CHARS


def _compile():
    from numba import njit

    @njit(cache=True, nogil=True)
    def words_of(points, is_word, crc_table, limit):  # pragma: no cover - compiled
        """Return the CRC-32 of the UTF-8 bytes of each run of word characters, the first
        ``limit``."""
        n = len(points)
        out = np.empty(min((n + 1) // 2, limit), dtype=np.uint64)
        count, i = 0, 0
        while i < n and count < limit:
            if not is_word[points[i]]:
                i += 1
                continue
            crc = np.int64(0xFFFFFFFF)
            while i < n and is_word[points[i]]:
                c = np.int64(points[i])
                if c < 0x80:
                    crc = crc_table[(crc ^ c) & 0xFF] ^ (crc >> 8)
                else:
                    if c < 0x800:
                        width, lead = 1, 0xC0
                    elif c < 0x10000:
                        width, lead = 2, 0xE0
                    else:
                        width, lead = 3, 0xF0
                    crc = crc_table[(crc ^ (lead | (c >> (6 * width)))) & 0xFF] ^ (crc >> 8)
                    for k in range(width - 1, -1, -1):
                        byte = 0x80 | ((c >> (6 * k)) & 0x3F)
                        crc = crc_table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
                i += 1
            out[count] = crc ^ 0xFFFFFFFF
            count += 1
        return out[:count]

    @njit(cache=True, nogil=True)
    def minhash(words, poly, a, b):  # pragma: no cover - compiled (its reference is numpy's)
        """Return min over shingles s of (a[p] * s + b[p]) >> 32, for each permutation p."""
        n_words, width = len(words), len(poly)
        n = max(n_words - width + 1, 1)
        k = min(width, n_words)
        shingles = np.empty(n, dtype=np.uint64)
        for i in range(n):
            acc = words[i] * poly[0]
            for j in range(1, k):
                acc += words[i + j] * poly[j]
            shingles[i] = acc
        out = np.empty(len(a), dtype=np.uint32)
        for p in range(len(a)):
            ap, bp = a[p], b[p]
            low = ap * shingles[0] + bp
            for i in range(1, n):
                v = ap * shingles[i] + bp
                if v < low:
                    low = v
            out[p] = low >> np.uint64(32)
        return out

    return words_of, minhash


def word_hashes(text: str, limit: int) -> np.ndarray:
    """Return the CRC-32 of each ``\\w+`` word of ``text`` (already lowercased), the first
    ``limit`` (``neardup``'s word hashes, compiled)."""
    global _kernels
    if _kernels is None:
        _kernels = _compile()
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _kernels[0](points, word_chars(), _CRC_TABLE, limit)


def signature(words: np.ndarray, poly: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the MinHash signature (uint32 per permutation) of the shingles of ``words``
    (word hashes, uint64, at least one): ``neardup``'s numpy arithmetic, compiled."""
    global _kernels
    if _kernels is None:
        _kernels = _compile()
    return _kernels[1](words, poly, a, b)
