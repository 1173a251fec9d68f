"""The peers of the scale benchmark, doing what our ``/search`` does for a page: SQLite FTS5
(porter unicode61) and tantivy (en_stem), each with the top 10 by BM25 over title and body,
a snippet of each, and the author counts of all matches (FTS5: a GROUP BY; tantivy: a terms
aggregation on a fast field). Queries are the same plain words, all required (FTS5's
implicit AND; tantivy's conjunction). Run in a fresh process each (``child``), so that
build time and memory are the engine's own."""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

from . import procmem
from .common import dir_size, words
from .scale_corpus import peer_docs


class Fts5:
    name = "FTS5"

    def __init__(self, path: Path) -> None:
        self.path = path / "fts5.db"
        self.db = sqlite3.connect(self.path)

    def build(self, corpus: Path) -> None:
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
                        "author UNINDEXED, tokenize='porter unicode61')")
        with self.db:
            self.db.executemany("INSERT INTO docs(id, title, body, author) VALUES (?, ?, ?, ?)",
                                peer_docs(corpus))

    def search(self, text: str) -> int:
        expr = " ".join(f'"{w}"' for w in words(text))
        if not expr:
            return 0
        rows = self.db.execute("SELECT id, bm25(docs), snippet(docs, -1, '<mark>', '</mark>', "
                               "'…', 24) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) "
                               "LIMIT 10", (expr,)).fetchall()
        authors = self.db.execute("SELECT author, count(*) FROM docs WHERE docs MATCH ? "
                                  "GROUP BY author ORDER BY 2 DESC LIMIT 10", (expr,)).fetchall()
        return len(rows) + len(authors)

    def size(self) -> int:
        return self.path.stat().st_size


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy  # noqa: PLC0415 - a benchmark-only dependency

        self.tantivy, self.path = tantivy, path / "tantivy"
        self.path.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("author", stored=True, tokenizer_name="raw", fast=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)

    def build(self, corpus: Path) -> None:
        writer = self.index.writer(heap_size=256_000_000)
        for doc_id, title, body, author in peer_docs(corpus):
            writer.add_document(self.tantivy.Document(id=doc_id, title=title, body=body,
                                                      author=author))
        writer.commit()
        writer.wait_merging_threads()

    def search(self, text: str) -> int:
        plain = " ".join(words(text))
        if not plain:
            return 0
        query = self.index.parse_query(plain, ["title", "body"], conjunction_by_default=True)
        searcher = self.index.searcher()
        hits = searcher.search(query, 10).hits
        snippets = self.tantivy.SnippetGenerator.create(searcher, query, self.schema, "body")
        page = [(searcher.doc(a)["id"][0], snippets.snippet_from_doc(searcher.doc(a)).to_html())
                for _, a in hits]
        authors = searcher.aggregate(query, {"a": {"terms": {"field": "author", "size": 10}}})
        return len(page) + len(authors["a"]["buckets"])

    def size(self) -> int:
        return dir_size(self.path)


ENGINES = {"FTS5": Fts5, "tantivy": Tantivy}


def child() -> None:
    """argv: engine, work dir, corpus, queries.json, "build" or "search"; print JSON."""
    engine, work, corpus, queries_file, step = sys.argv[1:6]
    peer = ENGINES[engine](Path(work))
    if step == "build":
        t = time.perf_counter()
        peer.build(Path(corpus))
        print(json.dumps({"seconds": time.perf_counter() - t, "bytes": peer.size()}))
        return
    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    for q in queries[:10]:
        peer.search(q)
    latencies = []
    for q in queries:
        t = time.perf_counter()
        peer.search(q)
        latencies.append(time.perf_counter() - t)
    print(json.dumps({"latencies": latencies, **procmem.usage(os.getpid())}))
