"""The new inputs end to end: WordPress exports and web pages reindexed by the CLI, then
searched over HTTP; only public posts are found, and nothing of their markup is shown."""
from __future__ import annotations

import re

import pytest

from tests.conftest import SHARED, need

THEME = SHARED / "wordpress-wxr" / "themeunittestdata.wordpress.xml"
PAGES = SHARED / "html-articles" / "html"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from service import create_app

    app = create_app({"INDEX_DIR": str(tmp_path_factory.mktemp("ingest-ix")),
                      "REINDEX_WORKERS": 1, "CACHE_SIZE": 0})
    yield app
    app.extensions["search_index"].close()


def reindex(app, *args):
    result = app.test_cli_runner().invoke(args=["reindex", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_wordpress_and_web_pages_searchable(app):
    output = reindex(app, str(need(THEME)), str(need(PAGES)))
    assert "articles:   146" in output  # 55 public posts + 91 pages
    assert "not-public: 3" in output
    client = app.test_client()
    body = client.get('/search?q="title with markup"&kind=article').get_json()
    assert body["results"][0]["title"] == "Markup: Title With Markup"
    wsj = client.get('/search?q="so many ways to play"').get_json()["results"][0]
    assert wsj["author"] == "Sarah E Needleman" and wsj["url"].startswith("https://www.wsj.com/")
    for q in ("gallery", "caption", "wp:paragraph", "scheduled", "password protected"):
        for hit in client.get(f"/search?q={q}&per_page=50").get_json()["results"]:
            text = re.sub(r"</?mark>", "", hit["snippet"])
            assert "[gallery" not in text and "[caption" not in text and "<!--" not in text
            assert hit["title"] not in ("Draft", "Scheduled") and "Password Protected" not in hit["title"]


def test_pages_on_request(app):
    output = reindex(app, "--wxr-pages", str(need(THEME)))
    assert "articles:   76" in output  # 55 posts + 21 pages
    about = app.test_client().get('/search?q="about the test data"').get_json()
    assert about["total"] >= 1
