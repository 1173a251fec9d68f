"""Arbitrary text and arbitrary JSON never crash the extractor."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import Summary, extract
from corpus.quotes import find_quotes
from corpus.rawtext import RawTextError, parse_raw_text

QUOTY = st.text(alphabet=st.sampled_from(list("ab AB.,:;“”„«»\"'\n-—Said said")) | st.characters(),
                max_size=400)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["title", "text", "authors", "date", "url", "id", "lang", "tags", "kind",
                         "author", "body", "headings", "x"]), inner, max_size=6),
    max_leaves=20,
)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(QUOTY)
def test_raw_text_never_crashes(text):
    try:
        draft, _ = parse_raw_text(text, "x.txt")
    except RawTextError:
        return
    assert draft.title
    find_quotes(draft.paragraphs)


@SETTINGS
@given(st.lists(QUOTY, max_size=5))
def test_quote_finder_never_crashes(paragraphs):
    for q in find_quotes(paragraphs):
        assert q.text and isinstance(q.speaker, str)


@SETTINGS
@given(st.lists(JSON, max_size=6))
def test_arbitrary_json_lines_never_crash(tmp_path, values):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(v) for v in values), encoding="utf-8")
    summary = Summary()
    recs = list(extract([str(path)], summary))
    assert summary.articles == sum(r.kind == "article" for r in recs)


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(tmp_path, data):
    for name in ("fuzz.txt", "fuzz.jsonl"):
        path = tmp_path / name
        path.write_bytes(data)
        summary = Summary()
        list(extract([str(path)], summary))
        assert summary.files == 1
