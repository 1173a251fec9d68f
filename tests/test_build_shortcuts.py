"""Shortcuts a build takes against what they stand for: the same text, the same index terms.

- ``corpus.text.clean_line`` folds only the runs of spaces that are not one plain space; the
  reference replaces every run, single spaces included;
- ``corpus.text.paragraphs`` cleans a text without control characters in one piece; the
  reference splits it into blocks and lines first and cleans each line;
- ``corpus.workers.mark_repeats`` lets an article with an earlier one's id be built without
  its quotes (extraction drops it); the reference builds every draft in full;
- ``fast_segments.SegmentBuilder`` indexes a repeated value of a non-text field (a day, an
  author, a role) once per segment; the reference is the field's own ``FieldType.index``;
- ``text_tokens.TextValues`` tokenises a large batch's text with a compiled loop; the
  reference is ``findall`` and a look-up per word, value by value;
- ``neardup.signature`` finds and hashes words and computes MinHash with numba; the
  reference is ``findall``, ``zlib.crc32`` and the numpy arithmetic (``signature_numpy``),
  and a grouping signs its first articles with it;
- ``w3_postings`` writes a term of one posting without the block loop (``_write_one``),
  hashes term keys from the MD5 digest's bytes (``_md5_low``) and writes a term table's hash
  tables a bucket at a time (``write_hashes``); the references are ``write_postings`` and
  Whoosh's ``md5_hash`` and ``HashWriter._write_hashes``;
- ``segment_batches`` merges the segments' posting arrays by sorting terms, not postings; the
  reference is a stable sort of every posting's key.
"""
from __future__ import annotations

import gzip
import itertools
import json
import random
import re

import numpy as np
from whoosh.filedb.filestore import RamStorage
from whoosh.filedb.filetables import HashWriter, md5_hash

from corpus import extract, text
from index.analysis import MARK
from index.documents import to_document
from index.schema import ARRAY_FIELDS, build_schema
from index.write import minhash_jit, neardup, segment_batches, text_tokens, w3_postings
from index.write.fast_segments import SegmentBuilder
from tests.conftest import DEMO, FAKENEWS, FREENEWS, fakenews_head, need

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


def _reference_paragraphs(body: str) -> list[str]:
    out = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [_reference_clean(x) for x in block.split("\n")]
        lines = [x for x in lines if x and not text.is_boilerplate(x)]
        if lines:
            out.append(" ".join(lines))
    return out


def test_paragraphs_cleaned_in_one_piece_are_the_reference_paragraphs():
    rng = random.Random(23)
    alphabet = [" ", " ", "\t", "\u00a0", "\u2000", "\u2003", "\u202f", "\u3000", "\x85", "\u2028",
                "a", "e", "\u0301", "\u1100", "\u1161", "\n", "\n", "\r", "\r\n", "Share this:"]
    bodies = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20_000)]
    bodies += [b + rng.choice(["\x07", "\u200b", "\x0c", "\x1f"]) + b for b in bodies[:2_000]]
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as f:
        bodies += [str(r.get("text") or "") for r in map(json.loads, itertools.islice(f, 1_000))]
    assert sum(not text._UNSAFE.search(b) for b in bodies) > 15_000  # the one-piece path, mostly
    assert [text.paragraphs(b) for b in bodies] == [_reference_paragraphs(b) for b in bodies]


def test_repeated_articles_built_short_give_the_reference_records_and_summary():
    from corpus import Summary, build, pipeline, workers
    path = str(need(FAKENEWS))
    drafts = list(itertools.islice(pipeline.read_drafts([path], Summary()), 600))
    reference, summary = Summary(), Summary()
    expected = list(pipeline.assemble((build.build(d) for d in drafts), reference))
    marked = list(workers.mark_repeats(drafts))
    assert sum(d.repeat for d in marked) >= 5  # FakeNewsNet repeats some of its articles
    assert list(pipeline.assemble(workers.built_in_order(iter(drafts), 1), summary)) == expected
    summary.seconds = reference.seconds = 0
    assert summary.render() == reference.render() and list(summary.problems) == list(reference.problems)


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


def test_compiled_minhash_signs_as_numpy_does():
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as f:
        bodies = [str(record.get("text") or "") for record in map(json.loads, itertools.islice(f, 400))]
    bodies += ["", "...", "one", "two words", "four words in all", "five words in all here",
               "Größe Straße ÉTÉ été " * 3, "word " * (neardup.MAX_WORDS + 50),
               "l'été d’un Ⅻ ½ 𝐀𝐁𝐂 x²y 😀 naïve 中文字 \ud800 under_score ٣٤ 𝟘 ǅ İstanbul " * 2]
    signed = 0
    for body in bodies:
        assert minhash_jit.word_hashes(body.lower(), neardup.MAX_WORDS).tolist() == \
            neardup._word_hashes(body).tolist()
        compiled, reference = neardup.signature(body), neardup.signature_numpy(body)
        if reference is None:
            assert compiled is None
            continue
        assert compiled.dtype == reference.dtype == "uint32" and compiled.tolist() == reference.tolist()
        signed += 1
    assert signed > 300


def test_a_grouping_groups_alike_before_and_after_the_compiled_path(monkeypatch):
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in itertools.islice(f, 300)]
    articles = [(f"a{i}", str(r.get("text") or "")) for i, r in enumerate(records)]
    articles += [(f"copy{i}", body + " (Reuters)") for i, (_, body) in enumerate(articles[:40])]
    keys = []
    for start in (0, 10**9, 100):  # compiled from the first article, never, from the 101st
        monkeypatch.setattr(neardup, "COMPILED_FROM", start)
        grouper = neardup.Grouper()
        keys.append([grouper.add(doc_id, body) for doc_id, body in articles])
        assert [s.tolist() for s in grouper.sigs] == [neardup.signature_numpy(b).tolist()
                                                      for _, b in articles if neardup.signature_numpy(b) is not None]
    assert keys[0] == keys[1] == keys[2]
    assert sum(k == keys[0][i] for i, k in enumerate(keys[0][300:])) >= 30  # the copies joined


def test_the_word_table_is_what_re_matches_with_backslash_w():
    every = "".join(map(chr, range(0x110000)))
    matched = [m.start() for m in re.finditer(r"\w", every)]
    assert matched == minhash_jit.word_chars().nonzero()[0].tolist()


def test_compiled_tokens_are_findalls_on_english_german_and_french():
    values = text_tokens.TextValues()
    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as f:
        for record in map(json.loads, f):
            for text in (record["title"], record["text"]):
                values.add(len(values.docs), f"{MARK}{record['lang']}{MARK}{text}")
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as f:
        for record in map(json.loads, itertools.islice(f, 300)):
            values.add(len(values.docs), str(record.get("text") or ""))
    for path in sorted(DEMO.glob("*.txt")):
        values.add(len(values.docs), f"{MARK}{path.name[:2]}{MARK}{path.read_text(encoding='utf-8')}")
    for odd in ("", "the of and", "l'été d’un Ⅻ ½ 𝐀𝐁𝐂 x²y 😀 \ud800 U.S.A. a..b 'quoted' it's 3.14 "
                "don’t end. a'", "Straße STRASSE straße İstanbul ǅemal", "x" * 300, "_ __ a_b"):
        for lang in ("", "en", "de", "fr"):
            values.add(len(values.docs), f"{MARK}{lang}{MARK}{odd}" if lang else odd)
    assert {"en", "de", "fr", ""} <= set(values.langs) and values.chars > 2_000_000
    found = []
    for way in (values.python_tokens, values.compiled_tokens):
        vocabulary: dict[bytes, int] = {}
        tables: dict[str, text_tokens.Words] = {}

        def words_for(lang):
            return tables.setdefault(lang, text_tokens.Words(lang, vocabulary))

        tokens = way(words_for)
        terms = sorted(vocabulary, key=vocabulary.__getitem__)  # numbered in another order
        found.append(([terms[t] for t in tokens.terms.tolist()], tokens.docs.tolist(),
                      tokens.counts.tolist()))
    assert found[0] == found[1]
    assert len(found[0][0]) > 500_000 and len(found[0][1]) < len(values.docs)  # stop-word-only values


def test_one_posting_terms_and_md5_hashes_are_the_references_bytes(tmp_path, monkeypatch):
    """A segment's postings (.pst) and term table (.trm) are byte for byte the same when
    every term goes through ``write_postings``, the term hashes through Whoosh's ``md5_hash``
    and the hash tables through its ``_write_hashes`` (the references of ``_write_one``,
    ``_md5_low`` and ``write_hashes``)."""
    head, _ = fakenews_head(tmp_path, 150)
    docs = [to_document(record) for record in extract([str(head), str(DEMO)])]

    def written() -> dict[str, bytes]:
        storage = RamStorage()
        builder = SegmentBuilder(storage, build_schema())
        for seq, doc in enumerate(docs):
            builder.add({**doc, "seq": seq})
        builder.finish(ARRAY_FIELDS)
        return {name.rsplit(".", 1)[1]: storage.files[name] for name in storage.files
                if name.endswith((".pst", ".trm"))}

    fast = written()
    monkeypatch.setattr(w3_postings, "_write_one", lambda doc, weight, value, length, fixed:
                        w3_postings.write_postings([doc], [weight], [value], [length], fixed))
    monkeypatch.setattr(w3_postings, "_md5_low", md5_hash)
    monkeypatch.setattr(w3_postings, "write_hashes", HashWriter._write_hashes)
    reference = written()
    assert set(fast) == {"pst", "trm"} and len(fast["pst"]) > 100_000
    assert fast == reference


def test_posting_arrays_merged_by_term_are_the_stable_sort_of_every_posting():
    """``segment_batches._merged_order`` sorts the segments' terms, not their postings: the
    same order, keys and counts as the reference, with terms shared by segments, a key twice
    in one segment and terms of no postings."""
    rng = random.Random(7)
    vocabulary = [rng.getrandbits(64) for _ in range(3000)]
    keys, counts = [], []
    for _ in range(5):
        terms = rng.sample(vocabulary, rng.randint(0, 1500)) + vocabulary[:2]  # shared, repeated
        keys.append(np.array(terms, dtype=np.uint64))
        counts.append(np.array([rng.choice((0, 1, 1, 2, 7, 300)) for _ in terms], dtype=np.int64))
    for parts in ((keys, counts), (keys[:1], counts[:1]), ([keys[0][:0]], [counts[0][:0]])):
        fast = segment_batches._merged_order(*parts)
        reference = segment_batches._merged_order_reference(*parts)
        for a, b in zip(fast, reference):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)
