"""Web pages (the real html-articles pages) and RSS/Atom feeds."""
from __future__ import annotations

import gzip
import json

import pytest

from bench.html_extract import TARGET_F1, ours, score
from corpus import Article, Quote, Summary, extract
from corpus.text import normalize_url
from tests.conftest import SHARED, need

PAGES = SHARED / "html-articles"


@pytest.fixture(scope="module")
def pages():
    summary = Summary()
    records = list(extract([str(need(PAGES) / "html")], summary, workers=1))
    return records, summary


def test_every_page_gives_its_article(pages):
    records, summary = pages
    truth = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    articles = [r for r in records if isinstance(r, Article)]
    assert summary.files == 91 and len(articles) == 91 and summary.rejects == {}
    by_key = {a.source.rpartition("/")[2].split(".")[0]: a for a in articles}
    assert set(by_key) == set(truth)
    # canonical urls from the pages themselves: nearly all are the benchmark's own url
    same = sum(normalize_url(by_key[k].url or "") == normalize_url(v["url"]) for k, v in truth.items())
    assert same >= 80, same  # 82; 5 pages name no url of their own, 4 another host
    assert sum(bool(a.date) for a in articles) >= 80
    assert sum(bool(a.authors) for a in articles) >= 50
    assert all(a.title and a.lang and a.body for a in articles)
    assert any(isinstance(r, Quote) for r in records)  # quotes found in page text as in any text


def test_one_page_in_detail(pages):
    records, _ = pages
    wsj = next(r for r in records if isinstance(r, Article) and r.source.endswith(
        "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856.html.gz:1"))
    assert wsj.title.startswith("Google Stadia, Microsoft xCloud, Apple Arcade")
    assert wsj.authors == ["Sarah E Needleman"] and wsj.date == "2019-11-19" and wsj.lang == "en"
    assert wsj.url.startswith("https://www.wsj.com/articles/google-stadia")
    assert wsj.body.startswith("Gaming used to be so simple.")


def test_article_text_f1_on_the_development_set():
    """The benchmark's own measure (bench/html_extract.py prints it beside trafilatura's defaults)."""
    assert score(need(PAGES), ours)["f1"] >= TARGET_F1


def test_pages_without_an_article_are_reported(tmp_path):
    (tmp_path / "login.html").write_text(
        "<html><head><title>Sign in</title></head><body><form><input name=user>"
        "<input type=password><button>Sign in</button></form><a href='/'>Home</a></body></html>")
    (tmp_path / "index.htm.gz").write_bytes(gzip.compress(
        b"<html><body><ul>" + b"".join(b"<li><a href='/a%d'>Story %d</a></li>" % (i, i)
                                      for i in range(30)) + b"</ul></body></html>"))
    (tmp_path / "empty.html").write_text("")
    summary = Summary()
    assert list(extract([str(tmp_path)], summary)) == []
    assert summary.rejects == {"no-article": 2, "empty-file": 1}


RSS = """<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Harbour News</title>
<language>en-gb</language>
<item><title>Ferry &amp; tram &lt;b&gt;timetables&lt;/b&gt; merge</title>
<link>https://news.example.org:8443/ferry-tram</link><guid>tag:news,1</guid>
<dc:creator>Ann Lee</dc:creator><pubDate>Tue, 05 Mar 2024 08:00:00 +0000</pubDate>
<category>Transport</category>
<description>Short summary.</description>
<content:encoded><![CDATA[<p>The ferry and the tram will share one timetable from May.</p>
<h2>What changes</h2><p>“We listened to riders,” said Mayor Helen Marsh on Monday.</p>
<script>alert(1)</script>[gallery ids="1,2"]]]></content:encoded></item>
<item><title>Budget vote delayed</title><link>https://news.example.org/budget</link>
<pubDate>Wed, 06 Mar 2024 09:00:00 +0000</pubDate>
<description>&lt;p&gt;The council postponed the vote to April.&lt;/p&gt;</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>Le Port</title>
<entry><title type="html">Le &lt;em&gt;tramway&lt;/em&gt; prolongé</title>
<link href="https://port.example.fr/tram"/><id>urn:uuid:1</id>
<author><name>Inès Valdés</name></author><updated>2024-04-02T10:00:00Z</updated>
<content type="html">&lt;p&gt;La ligne sera prolongée jusqu'au port en 2026.&lt;/p&gt;</content>
</entry></feed>"""


def test_rss_and_atom_feeds(tmp_path):
    (tmp_path / "news.rss").write_text(RSS, encoding="utf-8")
    (tmp_path / "port.xml").write_text(ATOM, encoding="utf-8")
    (tmp_path / "broken.atom").write_text("<feed><entry><title>x", encoding="utf-8")
    summary = Summary()
    records = list(extract([str(tmp_path)], summary))
    articles = {a.title: a for a in records if isinstance(a, Article)}
    ferry = articles["Ferry & tram timetables merge"]
    assert ferry.url == "https://news.example.org:8443/ferry-tram" and not ferry.excerpt
    assert ferry.authors == ["Ann Lee"] and ferry.date == "2024-03-05" and ferry.tags == ["Transport"]
    assert ferry.headings == ["What changes"] and ferry.lang == "en"
    assert "alert" not in ferry.body and "gallery" not in ferry.body and "<" not in ferry.body
    assert any(isinstance(r, Quote) and r.speaker == "Helen Marsh" for r in records)
    budget = articles["Budget vote delayed"]
    assert budget.excerpt and budget.body == "The council postponed the vote to April."
    tram = articles["Le tramway prolongé"]
    assert tram.authors == ["Inès Valdés"] and tram.date == "2024-04-02" and tram.lang == "fr"
    assert summary.articles == 3 and summary.rejects == {"missing-title": 1}
    assert summary.warnings == {"malformed-feed": 1}
    assert all(a.source.split(":")[-1].isdigit() for a in articles.values())
