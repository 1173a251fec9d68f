"""One search over one snapshot: parse, expand, evaluate, filter, rank a page, shape hits.

    text ──parse──▶ Whoosh query ──Expander──▶ index terms ──Evaluator──▶ Hits (ids, scores)
         ──Filters──▶ kept ids ──page──▶ top docnums ──stored fields──▶ Hit(document, snippet)
    facets are counted on the matches before filtering (multi-select), and a did-you-mean is
    offered when few documents match.

Stateless: everything it reads lives on the ``Snapshot``; everything it returns is typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from whoosh import query as Q
from whoosh.query.qcore import QueryError as WhooshQueryError

from index.analysis import words
from index.errors import Deadline, QueryError
from index.read import exactness, facets, listing
from index.read.compounds import verb_forms
from index.read.expand import Expander
from index.read.folding import only_group
from index.read.language import (holders, is_question, minor_languages, question_frames,
                                  query_language)
from index.read.live import Snapshot
from index.read.matching import Tiers
from index.read.pinning import Edits
from index.read.page import Row, fetch
from index.read.query import Nearness, explicit_and, parse, phrase_bonus
from index.read.scoring import EMPTY, Evaluator, Hits
from index.read.spelling import did_you_mean
from index.read.stats import CorpusStats, day_number
from index.read.syntax import acronyms, names
from index.read.variants import common_count
from index.read.synonyms import Synonyms
from index.request import SearchRequest
from index.results import Hit, SearchResult
from index.schema import DEFAULT_BOOSTS

BM25_B = 0.75
BM25_K1 = 1.2
MAX_NEAR_WORDS = 5  # words of a query whose joined neighbours count as together
SUGGEST_BELOW = 10  # offer "did you mean" when a query finds fewer results than this


@dataclass(frozen=True)
class Ranking:
    """How text is scored: BM25F field weights and parameters."""

    boosts: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_BOOSTS))
    b: float = BM25_B
    k1: float = BM25_K1


@dataclass(frozen=True)
class Plan:
    """What a query becomes before any posting is read: the expanded query (None: nothing
    to search; ``Every`` without text) and what the expansion noted."""

    text: str
    query: Q.Query | None
    langs: tuple[str, ...]
    terms: dict[str, frozenset[str]]
    ignored: tuple[str, ...]
    typos: dict[str, tuple[str, ...]]
    compounds: dict[str, tuple[str, ...]]
    read_as: dict[str, str] = field(default_factory=dict)  # typed word → the word read
    event: bool = False  # a question asking what happened (``events``)


def plan(snap, req: SearchRequest, ranking: Ranking, deadline: Deadline,
         synonyms: Synonyms | None = None) -> Plan:
    """Parse and expand ``req.q`` with the terms of ``snap`` (a snapshot, or the head of a
    sharded one: its vocabulary is the whole corpus's)."""
    text = req.q.strip()
    # one language per query, unless the request names the languages
    langs = req.langs or snap.langs
    reader = snap.searcher().reader()
    held = holders(reader, langs, getattr(snap, "postings", None), getattr(snap, "columns", None))
    typed = words(text)
    stops = req.langs or (query_language(typed, langs, held),)
    rewritten, units = synonyms.rewrite(text) if synonyms is not None else (text, {})
    vocabularies = (lambda: (snap.vocabulary(), snap.words())) if req.typos else None
    expander = Expander(reader, langs, deadline, vocabularies,
                        _last_word(text), units, stops, getattr(snap, "postings", None),
                        held, minor_languages(reader, langs) if len(langs) > 1 else (),
                        acronyms(text), is_question(typed, stops), names(text),
                        verb_forms(text, stops), question_frames(typed, stops))
    if text:
        relax = req.operator != "or"
        query = expander.expand_top(parse(rewritten, ranking.boosts, req.operator), relax,
                                    strict=req.operator == "and" or explicit_and(text))
        bonus = phrase_bonus(text, expander.unsearched, set(expander.log.read_as))
        near = expander.expand(bonus) if query is not None and bonus is not None else None
        together = [near] if near is not None else []
        if len(typed) <= MAX_NEAR_WORDS:  # a longer query is ranked by score alone
            together += joined_words(expander.log.joined)
        if query is not None and together:
            query = Q.AndMaybe(query, Nearness(together))
    else:
        query = Q.Every()
    log = expander.log
    return Plan(text, query, langs, {name: frozenset(found) for name, found in log.terms.items()},
                tuple(dict.fromkeys(log.ignored)), {w: tuple(v) for w, v in log.typos.items()},
                {w: tuple(v) for w, v in log.compounds.items()}, dict(log.read_as),
                bool(expander.frames))


@dataclass
class Matches:
    """A query's matches in one index (or one shard), filtered, before paging."""

    final: Hits             # filtered: what is listed, before folding
    tier: np.ndarray        # per final document (see ``order``)
    matched: np.ndarray     # before the filters: what facets count
    filters: facets.Filters
    tiers: Tiers | None     # relaxed matching's record, to say which words were not required
    listing: listing.Listing  # ``final`` folded: its total, its first rows
    pins: frozenset[int] = frozenset()  # the listed documents an editor pinned


def match(snap: Snapshot, req: SearchRequest, query: Q.Query | None, ranked: bool,
          ranking: Ranking, deadline: Deadline, corpus: CorpusStats) -> Matches:
    """Evaluate an expanded ``query`` on ``snap`` with the corpus statistics ``corpus``; its
    near-duplicates and the quotes of its articles fold (``listing``)."""
    cols = snap.columns
    filters = facets.make_filters(cols, req.kinds, req.langs, req.authors,
                                  req.day_from, req.day_to, req.speakers, req.sites,
                                  req.scope)
    evaluator = Evaluator(snap.searcher(), snap.stats, snap.postings, cols.live_ids(),
                          ranking.b, ranking.k1, deadline, corpus)
    evaluator.eligible = filters.mask()
    try:
        matched = evaluator.evaluate(query) if query is not None else EMPTY
    except WhooshQueryError as exc:
        raise QueryError(f"cannot run the query: {exc}") from None
    if req.group:  # one near-duplicate group, listed in full: a restriction like the query
        matched = only_group(snap.groups, matched, req.group)
    edits = Edits.of(snap, req, ranked)
    if edits is not None:  # an editor's pins and hides (none: nothing runs)
        matched = edits.apply(matched)
    final = matched
    if filters.active():
        keep = filters.keep(matched.ids)
        final = Hits(keep, matched.scores[np.searchsorted(matched.ids, keep)])
    if req.recency and ranked:
        final = Hits(final.ids, final.scores * recency_factor(cols.day[final.ids], req.recency,
                                                              corpus.recency))
    deadline.check()
    tiers = evaluator.tiers
    if tiers is not None and evaluator.near is not None:
        tiers = replace(tiers, near=evaluator.near)
    if edits is not None:
        tier = edits.tier(final.ids, tiers)
    else:
        tier = tiers.tier(final.ids) if tiers is not None else np.zeros(len(final.ids), np.int64)
    folds = req.collapse and not req.group
    listed = listing.Listing(final, tier, cols.day, snap.order, req.sort, ranked,
                             snap.groups if folds else None, snap.stories() if folds else None)
    pins = frozenset(int(d) for d in edits.pins) if edits is not None else frozenset()
    return Matches(final, tier, matched.ids, filters, tiers, listed, pins)


def search(snap: Snapshot, req: SearchRequest, ranking: Ranking, deadline: Deadline,
           synonyms: Synonyms | None = None) -> SearchResult:
    """Run ``req`` on ``snap``; raise QueryTimeout (a query string is never refused)."""
    p = plan(snap, req, ranking, deadline, synonyms)
    m = match(snap, req, p.query, bool(p.text), ranking, deadline, snap.corpus)
    page = page_of(m, req, ranked=bool(p.text))
    hits = fetch(snap, page, p.terms, req.snippets, deadline)
    hits, page = exact_first(m, p, req, page, hits)
    if m.pins:
        hits = [replace(h, pinned=True) if row[0] in m.pins else h for h, row in zip(hits, page)]
    counts = (facets.count(snap.columns, m.matched, m.filters, req.date_by_month, req.authors,
                           req.speakers) if req.facets else None)
    first = next((row[0] for row in page if row[0] not in m.pins), None)
    dropped = m.tiers.missing(first) if m.tiers is not None and first is not None and \
        m.tiers.required < m.tiers.counted else []
    return result(snap, req, p, hits, m.listing.total, counts, dropped, m.listing.folded)


def exact_first(m: Matches, p: Plan, req: SearchRequest, page: list[Row], hits: list[Hit]
                ) -> tuple[list[Hit], list[Row]]:
    """Return the page's hits and rows with the first results in exactness order (words held
    as typed first within a tier: ``exactness``)."""
    if not p.text or req.sort != "relevance" or not hits:
        return hits, page
    at = np.searchsorted(m.final.ids, [row[0] for row in page])
    hits, order = exactness.rerank(hits, m.tier[at].tolist(), (req.page - 1) * req.per_page,
                                   p.query, m.tiers.common if m.tiers is not None else (),
                                   p.event)
    return hits, [page[i] for i in order]


def count(snap: Snapshot, req: SearchRequest, ranking: Ranking, deadline: Deadline,
          synonyms: Synonyms | None = None) -> int:
    """Return the ``total`` that ``search`` would give ``req``, and nothing else: no page,
    stored fields, snippets, facets nor did-you-mean."""
    p = plan(snap, req, ranking, deadline, synonyms)
    return match(snap, req, p.query, bool(p.text), ranking, deadline, snap.corpus).listing.total


def result(head, req: SearchRequest, p: Plan, hits: list[Hit], total: int,
           counts: dict | None, dropped: list[str], folded: int) -> SearchResult:
    """Return the search result, with a did-you-mean (from ``head``'s whole vocabulary)
    when few documents match, a word was not required or a typo matched."""
    suggestion = (did_you_mean(head.speller(), head.frequencies(), p.text, p.langs,
                               head.vocabulary(), p.read_as, p.typos,
                               common_count(head.searcher().reader().doc_count()))
                  if p.text and (total < SUGGEST_BELOW or dropped or _corrected(p.typos))
                  else None)
    return SearchResult(total=total, page=req.page, per_page=req.per_page, hits=hits,
                        snapshot=head.snapshot_id, facets=counts, suggestion=suggestion,
                        terms=p.terms, not_required=tuple(dropped), ignored=p.ignored,
                        typos=p.typos, compounds=p.compounds, folded=folded)


def _corrected(typos: dict[str, tuple[str, ...]]) -> bool:
    """True when a word matched as a typo; two words matched as the one they make ("face
    book": Facebook) ask for no did-you-mean ("face book date scandal" was offered)."""
    return any(" " not in typed for typed in typos)


def joined_words(joined: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> list[Q.Query]:
    """Return, for the nearness tier, the documents holding two neighbouring query words
    written as one ("obama care" → "Obamacare"): the words together, as in a phrase. Unscored
    (boost 0): the joined word already scores as each word's typo variant."""
    return [Q.Or([Q.Term(name, t, boost=0.0) for name in fields for t in terms])
            for terms, fields in joined]


def _last_word(text: str) -> str | None:
    """Return the word being typed (the text ends in it), which also matches as a prefix."""
    found = words(text)
    return found[-1] if found and text[-1:].isalnum() else None


def recency_factor(days: np.ndarray, half_life: float,
                   basis: tuple[float, float, float] | None) -> np.ndarray:
    """Return a decay per document by date: 1 for the index's newest document, halving every
    ``half_life`` days; undated documents get the decay of the index's median date (the mean
    of the two middle ones' decays): neither favoured nor buried. ``basis``: the index's
    (newest, lower median, upper median) day numbers, see ``stats.recency_basis``."""
    factor = np.ones(len(days))
    if basis is None:
        return factor
    newest, low, high = basis
    rate = np.log(2) / half_life
    dated = days > 0
    factor[dated] = np.exp(-(newest - day_number(days[dated])) * rate)
    factor[~dated] = (np.exp(-(newest - low) * rate) + np.exp(-(newest - high) * rate)) / 2
    return factor


def page_of(m: Matches, req: SearchRequest, ranked: bool) -> list[Row]:
    """Return the rows (``page.Row``) of the requested page, in result order."""
    start, end = (req.page - 1) * req.per_page, req.page * req.per_page
    at, copies, quotes = m.listing.first(end)
    ids, scores = m.final
    return [(int(ids[i]), float(scores[i]) if ranked else None, c, q)
            for i, c, q in zip(at[start:].tolist(), copies[start:], quotes[start:])]
