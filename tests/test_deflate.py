"""``index.write.deflate.Deflater`` gives ``zlib.compress``'s bytes, call after call."""
from __future__ import annotations

import gzip
import itertools
import pickle
import random
import zlib

from index.write.deflate import Deflater
from tests.conftest import FAKENEWS, need


def test_the_same_bytes_as_zlib_compress_call_after_call():
    with gzip.open(need(FAKENEWS), "rb") as f:
        lines = list(itertools.islice(f, 200))
    rng = random.Random(5)
    values = [b"", b"x", bytes(100_000), rng.randbytes(70_000)]  # bigger than its buffer
    values += [line[:rng.randrange(1, len(line) + 1)] for line in lines]  # real text
    values += [pickle.dumps(((3, *range(1, 128)), None, tuple(rng.randbytes(4) for _ in range(128))), 2)
               for _ in range(20)]  # posting blocks
    deflater = Deflater(3)
    assert deflater.compress == deflater._reused  # libz found: the reused state is what runs
    assert [deflater.compress(v) for v in values] == [zlib.compress(v, 3) for v in values]
    deflater.close()
    assert deflater.compress(b"after close") == zlib.compress(b"after close", 3)
    assert Deflater(9).compress(values[5]) == zlib.compress(values[5], 9)
