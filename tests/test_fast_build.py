"""The fast segment writer (``index.write.fast_segments``) against Whoosh's own writer: the
same extracted records (FakeNewsNet and SciFact) written both ways give the same index, term
for term and posting for posting (weights, positions, field lengths, stored fields, columns,
term statistics), and the same answers, through our search and through Whoosh's searcher."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.qparser import MultifieldParser, OrGroup

from corpus import extract
from index import SearchIndex, SearchRequest
from index.store.arrays import ARRAYS_DIR
from index.store.snapshots import SnapshotStore
from index.write import indexer, segment_batches, text_tokens
from tests.conftest import SCIFACT, fakenews_head, need

FAKENEWS_LINES = 200
SCIFACT_DOCS = 200
COLUMNS = ("day", "group", "seq")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Index the same records three ways: Whoosh's writer, one fast segment, and fast
    segments of 400 documents written by 2 worker processes (several segments, one
    posting-array set over them; their text tokenised by the compiled loop)."""
    folder = tmp_path_factory.mktemp("fast-build")
    head, titles = fakenews_head(folder, FAKENEWS_LINES)
    scifact = folder / "scifact.jsonl"
    with open(need(SCIFACT) / "corpus.jsonl", encoding="utf-8") as src:
        scifact.write_text("".join(itertools.islice(src, SCIFACT_DOCS)), encoding="utf-8")
    records = list(extract([str(head), str(scifact)]))
    roots = {}
    for name, fast, batch in (("whoosh", False, 0), ("one", True, 10**6), ("several", True, 400)):
        roots[name] = str(folder / name)
        with pytest.MonkeyPatch.context() as m:
            m.setattr(segment_batches, "BATCH_DOCS", batch or segment_batches.BATCH_DOCS)
            if name == "several":  # text tokenised by the compiled loop ("one": by findall)
                m.setattr(text_tokens, "COMPILED_FROM", 0)
            indexer.build(SnapshotStore(roots[name]), records, fast=fast,
                          procs=2 if name == "several" else 1)
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        claims = [json.loads(line)["text"] for line in fh][:60]
    return roots, [t for t in titles if t][:80], claims, len(records)


def _path(root: str):
    return SnapshotStore(root).current_path()


def _contents(root: str) -> dict:
    """Everything a reader can see of an index, in docnum order."""
    ix = whoosh_index.open_dir(str(_path(root)))
    out: dict = {}
    with ix.reader() as r:
        n = r.doc_count_all()
        out["docs"] = n
        out["stored"] = [r.stored_fields(i) for i in range(n)]
        for field in sorted(r.indexed_field_names()):
            terms = list(r.lexicon(field))
            postings = {}
            for text in terms:
                m = r.postings(field, text)
                found = []
                while m.is_active():
                    found.append((m.id(), m.weight(), m.value()))
                    m.next()
                postings[text] = (found, r.doc_frequency(field, text), r.frequency(field, text))
            out[f"postings {field}"] = postings
            if ix.schema[field].scorable:
                out[f"lengths {field}"] = ([r.doc_field_length(i, field) or 0 for i in range(n)],
                                           r.field_length(field))
        for name in COLUMNS:
            out[f"column {name}"] = list(r.column_reader(name))
    return out


def _term_infos(root: str) -> dict:
    ix = whoosh_index.open_dir(str(_path(root)))
    with ix.reader() as r:
        (leaf, _), = r.leaf_readers()
        lengths = {field: (leaf.min_field_length(field), leaf.max_field_length(field))
                   for field in ix.schema.scorable_names() if leaf._perdoc.has_column(f"_{field}_len")}
        return lengths, {(field, text): (ti.weight(), ti.doc_frequency(), ti.min_length(),
                                ti.max_length(), ti.max_weight(), ti.min_id(), ti.max_id())
                for (field, text), ti in leaf._terms.items()}


def test_the_fast_writer_writes_what_whoosh_writes(built):
    roots, _, _, count = built
    reference = _contents(roots["whoosh"])
    assert reference["docs"] == count
    assert len(reference["postings body"]) > 5000
    for name in ("one", "several"):
        got = _contents(roots[name])
        assert got.keys() == reference.keys()
        for key in reference:
            assert got[key] == reference[key], (name, key)
    assert _term_infos(roots["one"]) == _term_infos(roots["whoosh"])
    with whoosh_index.open_dir(str(_path(roots["several"]))).reader() as r:
        assert len(r.leaf_readers()) == -(-count // 400)


def test_posting_arrays_come_out_the_same(built):
    roots = built[0]
    sets = {name: sorted((_path(root) / ARRAYS_DIR).iterdir()) for name, root in roots.items()}
    assert all(len(found) == 1 for found in sets.values())
    reference = sets["whoosh"][0]
    assert {p.name for p in reference.glob("*.pos.npy")} == {"title.pos.npy", "person.pos.npy"}
    for name in ("one", "several"):
        for part in sorted(reference.glob("*.npy")):
            want, got = np.load(part), np.load(sets[name][0] / part.name)
            if part.name.endswith((".keys.npy", ".counts.npy")):
                assert np.array_equal(got, want), (name, part.name)
        assert sorted(p.name for p in sets[name][0].iterdir()) == \
            sorted(p.name for p in reference.iterdir())
        for field_keys in sorted(reference.glob("*.keys.npy")):
            field = field_keys.name.split(".")[0]
            want = _by_key(reference, field)
            assert _by_key(sets[name][0], field) == want, (name, field)


def _by_key(folder, field: str) -> dict:
    keys, starts, counts, ids, tf = (np.load(folder / f"{field}.{part}.npy")
                                     for part in ("keys", "starts", "counts", "ids", "tf"))
    masks = np.load(folder / f"{field}.pos.npy") if (folder / f"{field}.pos.npy").exists() \
        else None  # the position masks of a POSITION_FIELDS field
    return {int(k): (ids[s:s + c].tolist(), tf[s:s + c].tolist(),
                     None if masks is None else masks[s:s + c].tolist())
            for k, s, c in zip(keys, starts, counts)}


def _answers(root: str, requests: list[SearchRequest]) -> list[tuple]:
    ix = SearchIndex(root, cache_size=0)
    try:
        out = []
        for req in requests:
            r = ix.search(req)
            out.append((r.total, r.facets, r.not_required, r.suggestion,
                        [(h.document.id, h.group, h.copies, h.snippet) for h in r.hits],
                        [h.score for h in r.hits]))
        return out
    finally:
        ix.close()


def test_searches_answer_the_same(built):
    roots, titles, claims, _ = built
    requests = [SearchRequest(q=t) for t in titles]
    requests += [SearchRequest(q=" ".join(t.split()[:2]), per_page=50, sort="date")
                 for t in titles[:20]]
    requests += [SearchRequest(q=c, per_page=20) for c in claims]
    requests += [SearchRequest(q="", per_page=50), SearchRequest(q="said", kinds=("quote",))]
    reference = _answers(roots["whoosh"], requests)
    assert sum(a[0] > 0 for a in reference) > 0.8 * len(reference)
    for name in ("one", "several"):
        for req, want, got in zip(requests, reference, _answers(roots[name], requests)):
            assert got[:5] == want[:5], (name, req.q)
            assert got[5] == pytest.approx(want[5], abs=1e-6), (name, req.q)


def test_whoosh_searches_the_fast_index_alike(built):
    roots, titles, claims, _ = built
    fields = ["title", "body", "person"]

    def run(root: str) -> list:
        ix = whoosh_index.open_dir(str(_path(root)))
        parser = MultifieldParser(fields, ix.schema, group=OrGroup)  # words unstemmed
        with ix.searcher(weighting=scoring.BM25F()) as s:
            return [[(hit["id"], round(hit.score, 6)) for hit in s.search(parser.parse(q), limit=10)]
                    for q in [*titles[:30], *claims[:20]]]

    want = run(roots["whoosh"])
    assert sum(len(w) == 10 for w in want) > 40
    assert run(roots["several"]) == want


def test_fields_of_stop_words_only_or_no_terms_are_written_as_whoosh_writes_them(tmp_path):
    from corpus import Article

    records = [Article(id="a1", title="The wind and the farms", body="Of the and", dek="the and",
                       authors=[""], lang="en", tags=["the"]),
               Article(id="a2", title="Wind power", body="the", lang="en", headings=["Über"]),
               Article(id="a3", title="Die neuen Wohnungen", body="Am Bahnhof", lang="de")]
    roots = {name: str(tmp_path / name) for name in ("whoosh", "fast")}
    for name, root in roots.items():
        indexer.build(SnapshotStore(root), records, fast=name == "fast")
    want, got = _contents(roots["whoosh"]), _contents(roots["fast"])
    assert got == want
    assert "postings dek" not in want and want["postings body"]  # dek: stop words only
