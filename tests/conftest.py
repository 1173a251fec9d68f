"""Shared fixtures: paths to the shared data, the demo corpus, and (later) the app."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SEARCH_SHARED_DATA", ROOT.parent / "shared" / "data"))
SAMPLE = SHARED / "samples" / "more-sanctions-for-iranian-intelligence-service.txt"
FAKENEWS = SHARED / "fakenewsnet-articles" / "articles.jsonl.gz"
FREENEWS = SHARED / "free-news-demo" / "articles.jsonl.gz"
SCIFACT = SHARED / "beir-scifact"
DEMO = ROOT / "corpus" / "demo"
DEMO_SAMPLE = DEMO / "sample-more-sanctions-for-iranian-intelligence-service.txt"


def need(path: Path) -> Path:
    """Skip the calling test, with a reason, when shared data at ``path`` is absent."""
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data beside the checkout; CI has it)")
    return path

TEST_DATA = ROOT / "tests" / "data"


def fakenews_head(folder: Path, lines: int) -> tuple[Path, list[str]]:
    """Write FakeNewsNet's first ``lines`` articles to ``folder``; return the file and their
    titles (skip the test when the shared data is absent)."""
    import gzip
    import json

    sample = folder / "head.jsonl"
    titles = []
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as src, \
            open(sample, "w", encoding="utf-8") as out:
        for _, line in zip(range(lines), src):
            out.write(line)
            titles.append(json.loads(line).get("title") or "")
    return sample, titles


def fakenews_subset(folder: Path, keep) -> str:
    """Index, in ``folder``, the FakeNewsNet lines ``keep(number, line)`` keeps; return the
    index's directory (skip the test when the shared data is absent)."""
    import gzip

    import index

    sample = folder / "subset.jsonl"
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as src, \
            open(sample, "w", encoding="utf-8") as out:
        out.writelines(line for n, line in enumerate(src) if keep(n, line))
    index.rebuild(str(folder / "index"), [str(sample)], workers=2)
    return str(folder / "index")


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory) -> str:
    """Build, once per session, an index of the demo corpus plus tests/data; return its dir."""
    import index

    index_dir = str(tmp_path_factory.mktemp("demo-index"))
    index.rebuild(index_dir, [str(DEMO), str(TEST_DATA)])
    return index_dir


@pytest.fixture(scope="session")
def searcher(demo_index):
    """A SearchIndex over the session's demo index."""
    from index import SearchIndex

    return SearchIndex(demo_index)


ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(scope="session")
def app(demo_index):
    """The Flask app over the session's demo index, admin on, one allowed CORS origin."""
    from service import create_app

    app = create_app({"INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN,
                      "CORS_ORIGINS": "http://127.0.0.1:9", "CORPUS_PATHS": str(DEMO),
                      "CACHE_SIZE": 0})
    yield app
    app.extensions["search_index"].close()  # its searchers hold index files open


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def freenews_index(tmp_path_factory) -> str:
    """An index of free-news-demo (real en/de/fr news), built once per session."""
    import index

    index_dir = str(tmp_path_factory.mktemp("free-news-index"))
    index.rebuild(index_dir, [str(need(FREENEWS))], workers=2)
    return index_dir


FAKENEWS_SAMPLE_LINES = 3000


@pytest.fixture(scope="session")
def fakenews_sample_index(tmp_path_factory) -> str:
    """An index of the first 3,000 lines of FakeNewsNet, built once per session."""
    import gzip

    import index

    folder = tmp_path_factory.mktemp("fakenews-sample")
    sample = folder / "head.jsonl"
    with gzip.open(need(FAKENEWS), "rt", encoding="utf-8") as src, \
            open(sample, "w", encoding="utf-8") as out:
        for n, line in zip(range(FAKENEWS_SAMPLE_LINES), src):
            out.write(line)
    index.rebuild(str(folder / "index"), [str(sample)], workers=2)
    return str(folder / "index")


@pytest.fixture(scope="session")
def fakenews_search(fakenews_sample_index):
    """A SearchIndex over the FakeNewsNet sample, response cache off."""
    from index import SearchIndex

    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    yield ix
    ix.close()


@pytest.fixture(scope="session")
def freenews_search(freenews_index):
    """A SearchIndex over free-news-demo, response cache off."""
    from index import SearchIndex

    ix = SearchIndex(freenews_index, cache_size=0)
    yield ix
    ix.close()
