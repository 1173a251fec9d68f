"""The search side: open the live snapshot, answer searches, documents and completions.

``SearchIndex`` is what the service holds. Each thread gets its own Whoosh searcher (they
are not thread-safe); the snapshot's index and facet columns are shared. Before each call the
``CURRENT`` pointer is checked (one small file read), so a reindex in another process is
picked up without a restart, and searchers opened before the switch finish their work.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.query.qcore import QueryError as WhooshQueryError

from . import facets
from .analysis import is_stopword, query_langs, query_terms, words
from .arrays import PostingArrays
from .documents import from_stored
from .indexer import read_meta
from .postings import PostingCache
from .query import Deadline, Expander, QueryError, parse, phrase_bonus
from .scoring import EMPTY, Evaluator, Hits
from .schema import DEFAULT_BOOSTS, TEXT_FIELDS
from .snapshots import NoSnapshot, SnapshotStore
from .snippets import plain_snippet, snippet
from .spelling import Speller

SORTS = ("relevance", "date", "-date")
SUGGEST_BELOW = 10  # offer "did you mean" when a query finds fewer results than this
SNIPPET_FIELDS = ("body", "dek", "title", "headings")
_FIELD_PREFIX = re.compile(r"\b\w+:")
_POSSESSIVE = re.compile(r"['’]s?$")
COMPLETION_CANDIDATES = 30  # most frequent words with the prefix, then ranked by context


class IndexUnavailable(RuntimeError):
    """No index can be opened (none built yet, missing or corrupt)."""


@dataclass(frozen=True)
class SearchRequest:
    """One search, with its filters and paging."""

    q: str = ""
    kinds: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    day_from: int | None = None
    day_to: int | None = None
    date_by_month: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    snippets: bool = True
    facets: bool = True
    operator: str = "and"


@dataclass
class _Snapshot:
    snapshot_id: str
    ix: Any
    columns: facets.Columns
    meta: dict
    langs: tuple[str, ...] = ("en",)  # the languages queries are expanded into
    postings: PostingCache = field(default_factory=lambda: PostingCache(0))
    speller: Speller | None = None
    searchers: list = field(default_factory=list)  # every thread's, closed on eviction

    def close(self) -> None:
        for searcher in self.searchers:
            searcher.close()
        self.searchers.clear()


@dataclass
class _Local(threading.local):
    snapshot_id: str | None = None
    searcher: Any = None
    cache: dict = field(default_factory=dict)


class SearchIndex:
    """Read access to the live index in ``index_dir``."""

    def __init__(self, index_dir: str, boosts: dict[str, float] | None = None,
                 time_budget: float = 2.0, bm25_b: float = 0.75, bm25_k1: float = 1.2,
                 cache_size: int = 0, postings_cache: int = 2_000_000) -> None:
        self.store = SnapshotStore(index_dir)
        self.postings_cache = postings_cache  # decoded postings kept per snapshot; 0: none
        self.boosts = {**DEFAULT_BOOSTS, **(boosts or {})}
        self.time_budget = time_budget
        self.bm25_b, self.bm25_k1 = bm25_b, bm25_k1
        self._lock = threading.Lock()
        self._snapshots: dict[str, _Snapshot] = {}
        self._local = _Local()
        self._cache: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self.cache_size = cache_size

    # -- opening -------------------------------------------------------------------------
    def _snapshot(self) -> _Snapshot:
        try:
            snapshot_id = self.store.current()
            path = self.store.current_path()
        except NoSnapshot as exc:
            raise IndexUnavailable(str(exc)) from None
        snap = self._snapshots.get(snapshot_id)
        if snap is not None:
            return snap
        with self._lock:
            snap = self._snapshots.get(snapshot_id)
            if snap is None:
                try:
                    ix = whoosh_index.open_dir(str(path))
                    with ix.reader() as reader:
                        columns = facets.Columns(reader)
                        arrays = PostingArrays.open(path, ix, reader)
                        for name in TEXT_FIELDS:  # so the first query does not pay for it
                            columns.lengths(reader, name)
                            columns.avg_length(reader, name)
                except Exception as exc:  # corrupt or half-deleted index files
                    raise IndexUnavailable(f"cannot open snapshot {snapshot_id}: {exc}") from None
                snap = _Snapshot(snapshot_id, ix, columns, read_meta(path),
                                 query_langs(columns.lang_counts()),
                                 PostingCache(self.postings_cache, arrays))
                for old in list(self._snapshots)[:-1]:  # keep the one before, for in-flight work
                    self._snapshots.pop(old).close()
                self._snapshots[snapshot_id] = snap
        return snap

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to do
            pass

    def close(self) -> None:
        """Close every searcher of every open snapshot."""
        with self._lock:
            for snap in self._snapshots.values():
                snap.close()
            self._snapshots.clear()

    def _searcher(self, snap: _Snapshot):
        local = self._local
        if local.snapshot_id != snap.snapshot_id or local.searcher.is_closed:
            local.searcher = snap.ix.searcher()
            local.snapshot_id = snap.snapshot_id
            with self._lock:
                snap.searchers.append(local.searcher)
        return local.searcher

    # -- searching -----------------------------------------------------------------------
    def search(self, req: SearchRequest) -> dict[str, Any]:
        """Run ``req``; raise QueryError (bad query), QueryTimeout or IndexUnavailable.

        The response names the snapshot that answered it (``snapshot``): one response
        always comes wholly from one snapshot.
        """
        if req.sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        snap = self._snapshot()
        deadline = Deadline(self.time_budget)  # opening a new snapshot is not the query's cost
        key = (snap.snapshot_id, req)
        if self.cache_size:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return dict(cached)
        response = self._search(snap, req, deadline)
        if self.cache_size:
            with self._lock:
                self._cache[key] = response
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return dict(response)

    def _search(self, snap: _Snapshot, req: SearchRequest, deadline: Deadline) -> dict[str, Any]:
        searcher = self._searcher(snap)
        cols = snap.columns
        langs = req.langs or snap.langs
        expander = Expander(searcher.reader(), langs, deadline)
        text = req.q.strip()
        if text:
            query = expander.expand(parse(text, self.boosts, req.operator))
            bonus = phrase_bonus(text)
            if query is not None and bonus is not None:
                query = Q.AndMaybe(query, expander.expand(bonus))
        else:
            query = Q.Every()
        filters = facets.make_filters(cols, req.kinds, req.langs, req.authors,
                                      req.day_from, req.day_to)
        evaluator = Evaluator(searcher, cols, self.bm25_b, self.bm25_k1, deadline,
                              snap.postings)
        try:
            matched = evaluator.evaluate(query) if query is not None else EMPTY
        except WhooshQueryError as exc:
            raise QueryError(f"cannot run the query: {exc}") from None
        final = matched
        if filters.active():
            keep = np.isin(matched.ids, facets.apply(cols, matched.ids.tolist(), filters))
            final = Hits(matched.ids[keep], matched.scores[keep])
        deadline.check()
        start = (req.page - 1) * req.per_page
        hits = self._rank(cols, final, req, start, bool(text))
        results = [self._result(searcher, docnum, score, expander.terms, req)
                   for docnum, score in hits]
        total = len(final.ids)
        response: dict[str, Any] = {"total": total, "page": req.page,
                                    "per_page": req.per_page, "results": results,
                                    "suggestion": None, "snapshot": snap.snapshot_id}
        if req.facets:
            response["facets"] = facets.count(cols, matched.ids.tolist(), filters,
                                              req.date_by_month, req.authors)
        if text and total < SUGGEST_BELOW:
            response["suggestion"] = self._did_you_mean(snap, searcher, text, langs)
        return response

    @staticmethod
    def _rank(cols: facets.Columns, final: Hits, req: SearchRequest, start: int,
              ranked: bool) -> list[tuple[int, float | None]]:
        """Return the (docnum, score) pairs of the requested page."""
        ids, scores = final
        if start >= len(ids):
            return []
        end = start + req.per_page
        day = cols.day_array[ids]
        if req.sort == "relevance" and ranked:
            if end < len(ids):  # only the documents scoring at least the end-th best compete
                cut = np.partition(scores, len(ids) - end)[len(ids) - end]
                top = np.flatnonzero(scores >= cut)
                ids, scores, day = ids[top], scores[top], day[top]
            # Ties (same score) fall back to the newer document, then the lower docnum.
            order = np.lexsort((ids, -day, -scores))[start:end]
        else:
            # Dated documents by date (ties: lower docnum first), unknown dates last.
            undated = day == 0
            order = np.lexsort((ids, day if req.sort == "date" else -day, undated))[start:end]
        return [(int(ids[i]), round(float(scores[i]), 4) if ranked else None) for i in order]

    def _result(self, searcher, docnum: int, score, terms, req) -> dict:
        stored = searcher.stored_fields(docnum)
        result = from_stored(stored)
        result["score"] = score
        if req.snippets:
            result["snippet"] = self._snippet(stored, terms)
        for key in ("dek", "headings", "tags", "authors"):
            result.pop(key, None)
        return result

    def _snippet(self, stored: dict, terms: dict[str, set[str]]) -> str:
        lang = stored.get("lang", "")
        if stored.get("kind") in ("quote", "bio"):
            lang_for = {"person": ""}
        else:
            lang_for = {}
        for name in SNIPPET_FIELDS:
            text = stored.get(name)
            field_terms = terms.get(name)
            if text and field_terms:
                marked = snippet(text, field_terms, lang_for.get(name, lang))
                if marked:
                    return marked
        return plain_snippet(stored.get("body") or stored.get("dek") or "")

    def _did_you_mean(self, snap: _Snapshot, searcher, text: str,
                      langs: tuple[str, ...]) -> str | None:
        reader = searcher.reader()
        changed = False
        out = text
        plain = _FIELD_PREFIX.sub(" ", text)
        for word in dict.fromkeys(words(plain)):
            if len(word) < 3 or word.isdigit() or word.upper() in ("AND", "OR", "NOT"):
                continue
            seen = max([reader.doc_frequency("spell", word)] + [
                reader.doc_frequency(f, t) for f in ("title", "body")
                for t in query_terms(word, langs)])  # perhaps inflected or without accents
            fix = self._speller(snap, reader).correct(word, seen)
            if fix:
                out = _replace_word(out, word, fix)
                changed = True
        return out if changed else None

    def _speller(self, snap: _Snapshot, reader) -> Speller:
        if snap.speller is None:
            with self._lock:
                if snap.speller is None:
                    snap.speller = Speller({w: reader.doc_frequency("spell", w)
                                            for w in reader.field_terms("spell")
                                            if not is_stopword(w, snap.langs)})
        return snap.speller

    # -- documents and completion ---------------------------------------------------------
    def document(self, doc_id: str) -> dict[str, Any] | None:
        """Return the whole stored document ``doc_id`` in API form, or None."""
        snap = self._snapshot()
        stored = self._searcher(snap).document(id=doc_id)
        if stored is None:
            return None
        out = from_stored(stored)
        if stored.get("kind") in ("article", "bio", "quote"):
            out["text"] = stored.get("body", "")
        return out

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Return completions of the last word of ``prefix``.

        Candidates are the vocabulary words (titles, deks, headings, names) that start with
        the last word; with earlier words, those found in the same titles rank first.
        """
        if len(prefix) > 200 or not prefix.strip() or prefix.endswith(" "):
            return []
        head, _, last = prefix.rstrip().rpartition(" ")
        last = last.lower()
        snap = self._snapshot()
        reader = self._searcher(snap).reader()
        langs = snap.langs
        typed = words(head)
        candidates = []
        for n, term in enumerate(reader.expand_prefix("spell", last)):
            if n >= 5000:
                break
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if (len(text) > len(last) and not is_stopword(text, langs)
                    and text not in typed and not _POSSESSIVE.search(text)):
                candidates.append((reader.doc_frequency("spell", text), text))
        candidates.sort(key=lambda x: (-x[0], x[1]))
        candidates = candidates[:COMPLETION_CANDIDATES]
        context = self._spell_docs(reader, typed)
        if context:
            together = [(len(context & self._spell_docs(reader, [text])), freq, text)
                        for freq, text in candidates]
            if any(n for n, _, _ in together):
                together.sort(key=lambda x: (-x[0], -x[1], x[2]))
                candidates = [(f, t) for n, f, t in together if n]
        base = f"{head} " if head else ""
        return [base + text for _, text in candidates[:limit]]

    @staticmethod
    def _spell_docs(reader, texts: list[str]) -> set[int]:
        """Return the documents whose titles, deks, headings or names hold all ``texts``."""
        docs: set[int] | None = None
        for text in texts:
            if (("spell", text)) not in reader:
                return set()
            found = set(reader.postings("spell", text).all_ids())
            docs = found if docs is None else docs & found
        return docs or set()

    def warm(self) -> bool:
        """Open the live snapshot and build its spelling index now rather than on a user's
        request; return False when there is no index to open yet."""
        try:
            snap = self._snapshot()
        except IndexUnavailable:
            return False
        self._speller(snap, self._searcher(snap).reader())
        return True

    def health(self) -> dict[str, Any]:
        """Return the live snapshot's id, counts and build time (raise IndexUnavailable)."""
        snap = self._snapshot()
        return {"snapshot": snap.snapshot_id, "built_at": snap.meta.get("built_at"),
                "counts": snap.meta.get("counts", {}), "langs": snap.meta.get("langs", []),
                "size_bytes": _dir_size(self.store.path(snap.snapshot_id))}


def _replace_word(text: str, word: str, fix: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", fix, text)


def _dir_size(path) -> int:
    try:
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    except OSError:
        return 0
