"""Long pages about the subject against short ones naming it once (issue 22): BM25's length
normalisation past twice a field's average length is flattened (``stats.LONG_FROM``,
``stats.LONG_SLOPE``), so a long page about the subject is no longer below a short page
holding the words in passing.

FakeNewsNet's first 1,000 articles plus those naming Soundgarden, or Ariana Grande or
Manchester in their title; ``bench/reader`` measures the rule on the judged reader set
(docs/benchmarks.md, part 9)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from index import SearchIndex
from index.read import stats
from tests.conftest import fakenews_subset
from tests.test_reader_ranking import search, titles


@pytest.fixture(scope="module")
def concerts(tmp_path_factory):
    """FakeNewsNet's first 1,000 lines, the pages naming Soundgarden, and those with Ariana
    Grande or Manchester in their title."""
    def keep(n: int, line: str) -> bool:
        doc = json.loads(line)
        title, text = (doc.get("title") or "").lower(), (doc.get("text") or "").lower()
        return n < 1000 or "soundgarden" in title + text or "ariana grande" in title \
            or "manchester" in title

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("concerts"), keep), cache_size=0)
    yield ix
    ix.close()


CASES = [  # query, the page about it (long), the short page naming the words in passing
    ("soundgarden singer died in hotel", "Chris Cornell",
     "Chester Bennington: Linkin Park frontman's autopsy report released"),
    ("bombing at pop concert in england", "Manchester attack: Read Ariana Grande's statement",
     "Ariana Grande Cancels Vietnam Concert"),
]


@pytest.mark.parametrize("query,about,passing", CASES)
def test_a_long_page_about_the_subject_ranks_first(concerts, query, about, passing):
    """The 77,000-character "Chris Cornell" page (Soundgarden's singer, 70 times) and the
    15,000-character Manchester statement were below a page a tenth as long holding every
    word once or twice ("Soundgarden" once in Chester Bennington's autopsy report; the
    Manchester bombing in passing in a cancelled Vietnam concert)."""
    first = titles(search(concerts, query, 3))
    assert first[0].startswith(about), first
    assert any(t.startswith(passing) for t in first[1:]), first


@pytest.mark.parametrize("query,about,passing", CASES)
def test_plain_bm25_put_the_short_page_first(concerts, monkeypatch, query, about, passing):
    """The cause: with BM25's length normalisation as it was (linear at every length), the
    short page is first."""
    monkeypatch.setattr(stats, "LONG_SLOPE", 1.0)
    assert titles(search(concerts, query, 1))[0].startswith(passing)


def test_only_lengths_past_the_knee_are_flattened(concerts):
    """Up to ``LONG_FROM`` times the average a field's length counts in full; past it, at
    ``LONG_SLOPE``."""
    snap = concerts.live.current()
    field_stats, avg = snap.stats, snap.corpus.avg_length("body")
    lengths = field_stats.lengths("body").astype(np.float64)
    short = np.flatnonzero((lengths > 0) & (lengths <= stats.LONG_FROM * avg))[:50]
    long = np.flatnonzero(lengths > 4 * stats.LONG_FROM * avg)[:50]
    assert len(short) and len(long)
    ids = np.concatenate([short, long])
    got = field_stats.length_norms("body", ids, 0.25, 0.75 / avg, avg)
    knee = stats.LONG_FROM * avg
    effective = np.where(lengths[ids] > knee, knee + (lengths[ids] - knee) * stats.LONG_SLOPE,
                         lengths[ids])
    assert got == pytest.approx(0.25 + 0.75 / avg * effective)
    assert (got[len(short):] < 0.25 + 0.75 / avg * lengths[long]).all()
