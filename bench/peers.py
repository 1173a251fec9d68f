"""Peer engines on the same documents: SQLite FTS5 (porter unicode61) and tantivy (en_stem).

Both index two text columns, title and body, and get queries as plain words: FTS5 as
quoted words (implicit AND, or joined with OR), tantivy through its query parser over title
and body (conjunction or disjunction). Results are (id, score) best first.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from .common import Timer, dir_size, words

Doc = tuple[str, str, str]  # id, title, body


class Fts5:
    """An FTS5 table ``docs(title, body)`` in a file; rowid → id kept in a list."""

    name = "SQLite FTS5"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ids: list[str] = []
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, "
                        "tokenize='porter unicode61')")

    def build(self, docs: Iterable[Doc]) -> Timer:
        """Insert ``docs`` in one transaction; return the timer (reading ``docs`` included)."""
        with Timer() as t:
            with self.db:
                for rowid, (doc_id, title, body) in enumerate(docs):
                    self.ids.append(doc_id)
                    self.db.execute("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
                                    (rowid, title, body))
        return t

    @staticmethod
    def expression(text: str, operator: str) -> str:
        joiner = " OR " if operator == "or" else " "
        return joiner.join(f'"{w}"' for w in words(text))

    def search(self, text: str, k: int = 10, operator: str = "and",
               snippets: bool = False) -> list[tuple]:
        """Return the top ``k`` (id, score[, snippet]) by bm25()."""
        expr = self.expression(text, operator)
        if not expr:
            return []
        extra = ", snippet(docs, -1, '<mark>', '</mark>', '…', 24)" if snippets else ""
        rows = self.db.execute(f"SELECT rowid, bm25(docs){extra} FROM docs WHERE docs MATCH ? "
                               "ORDER BY bm25(docs) LIMIT ?", (expr, k)).fetchall()
        return [(self.ids[r[0]], -r[1], *r[2:]) for r in rows]

    def size(self) -> int:
        return self.path.stat().st_size

    def close(self) -> None:
        self.db.close()


class Tantivy:
    """A tantivy index with stored fields id (raw), title and body (en_stem)."""

    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
        builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(path), reuse=False)

    def build(self, docs: Iterable[Doc]) -> Timer:
        """Add ``docs``, commit and wait for merges; return the timer (reading included)."""
        with Timer() as t:
            writer = self.index.writer(heap_size=256_000_000)
            for doc_id, title, body in docs:
                writer.add_document(self.tantivy.Document(id=doc_id, title=title, body=body))
            writer.commit()
            writer.wait_merging_threads()
            self.index.reload()
        return t

    def search(self, text: str, k: int = 10, operator: str = "and") -> list[tuple]:
        """Return the top ``k`` (id, score) by tantivy's BM25 over title and body."""
        plain = " ".join(words(text))
        if not plain:
            return []
        query = self.index.parse_query(plain, ["title", "body"],
                                       conjunction_by_default=operator == "and")
        searcher = self.index.searcher()
        hits = searcher.search(query, k).hits
        return [(searcher.doc(addr)["id"][0], score) for score, addr in hits]

    def size(self) -> int:
        return dir_size(self.path)
