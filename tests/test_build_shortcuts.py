"""Shortcuts a build takes against what they stand for: the same text, the same index terms.

- ``corpus.text.clean_line`` folds only the runs of spaces that are not one plain space; the
  reference replaces every run, single spaces included;
- ``fast_segments.SegmentBuilder`` indexes a repeated value of a non-text field (a day, an
  author, a role) once per segment; the reference is the field's own ``FieldType.index``.
"""
from __future__ import annotations

import gzip
import itertools
import json
import random
import re

from whoosh.filedb.filestore import RamStorage

from corpus import text
from index.schema import build_schema
from index.write.fast_segments import SegmentBuilder
from tests.conftest import FAKENEWS, need

_REFERENCE_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def _reference_clean(line: str) -> str:
    line = text.unicodedata.normalize("NFC", line)
    return _REFERENCE_SPACE.sub(" ", text._CONTROL.sub("", line)).strip()


def test_clean_line_folds_spaces_as_the_reference_does():
    rng = random.Random(21)
    alphabet = [" ", " ", "\t", "\u00a0", "\u2003", "\u200b", "\u202f", "\u3000", "\x07", "a", "é", "\n"]
    lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20_000)]
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as f:
        for record in map(json.loads, itertools.islice(f, 300)):
            lines += str(record.get("text") or "").split("\n")
    assert any("  " in line or "\u00a0" in line for line in lines)
    assert [text.clean_line(line) for line in lines] == [_reference_clean(line) for line in lines]


def test_a_repeated_value_is_indexed_as_its_field_indexes_it():
    schema = build_schema()
    builder = SegmentBuilder(RamStorage(), schema)
    values = {"day": [20180102, 20180102, 0, 20171231], "author": ["Jane Doe, John Roe"] * 2,
              "role": ["the mayor of Springfield", "the mayor of Springfield", "senator"]}
    for name, column in values.items():
        for docnum, value in enumerate(column):
            builder._index(name, schema[name], value, docnum)
        for value in column:
            assert builder.indexed[(name, value)] == list(schema[name].index(value))
        expected: dict = {}
        for docnum, value in enumerate(column):
            for term, _, weight, encoded in schema[name].index(value):
                lists = expected.setdefault(term, ([], [], []))
                lists[0].append(docnum)
                lists[1].append(weight)
                lists[2].append(encoded)
        assert builder.postings[name] == expected
    builder.cancel()
