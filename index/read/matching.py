"""Relaxed matching: how many of a query's plain words a document must hold, and the tiers
results are ranked in.

A query's plain words are not all required. Common words (in more than ``COMMON_SHARE`` of
the documents: "news", "today", "said" in a news archive; and single letters) only add to
the score, as in
Elasticsearch's common terms query, unless every word is common. With ``n`` other words,
the documents holding at least ``m`` of them match, ``m`` the largest number (``n`` at most)
for which at least ``ENOUGH`` documents do (counted among those the request's filters keep). A short query
whose words all meet in enough documents therefore stays an AND; a question wrapped around
a headline, or a word no document has, lowers ``m`` until the article is found. Phrases,
``+word`` and ``field:value`` are always required; ``op=and`` (or an explicit AND) requires
every word.

Results are ranked in tiers before their score: more of the query's words first (each can
count at its rarity, ``rarity``, up to ``MAX_RARITY`` times the least rare one: off by default),
then the words together (``Nearness``: the query as a phrase, or neighbouring words adjacent),
then how many are in the title, then fewer typos (a word matched only through a typo or a
completion), then BM25F: a document with every word is never below one with fewer, and an
exact word is never below its typo. The title count (Meilisearch's "attribute" rule) has
common words too: they never decide what matches, but "Gwen Stefani and Blake Shelton's
Cutest Moments" is no longer below every article naming the couple more often for "Stefani
Blake Shelton's Moments" (``known_item``); one word in the title ranks only documents holding
every counted word ("CCL19 is absent within dLNs.": "Absent in Melanoma 2" no longer first),
two or more any document. Past ``TIER_WORDS`` words, only typed names (``syntax.names``) held,
then the title count, rank before BM25F.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.read import sets
from index.read.places import Places

ENOUGH = 10          # documents holding the required number of words before fewer are required
COMMON_SHARE = 0.04  # a word in more than this share of the documents is common
TIER_WORDS = 4       # queries of more counted words are ranked by score alone (OR), names aside
# the most a rare word counts in the tiers, in units of the least rare: 1 (off); at 2, neutral
# on the reader set (half A +0.003 nDCG@10, B -0.002), SciFact -0.0017 (docs/benchmarks.md)
MAX_RARITY = 1
RARE_MIN_CHARS = 3   # letters a word needs to count at its rarity


@dataclass(frozen=True)
class Tiers:
    """Per matching document (ascending ids): query words held, words held only as a typo
    or completion; and which words each document holds, to say what was not required."""

    ids: np.ndarray
    matched: np.ndarray   # the query's words held, each counted at its rarity
    typos: np.ndarray
    in_title: np.ndarray  # words in the title (common ones too: they rank, never match)
    words: tuple[tuple[str, np.ndarray], ...]  # (word as typed, ids holding it)
    required: int                               # m: words a document had to hold
    counted: int                                # n: words that count (not common ones)
    near: np.ndarray | None = None              # ids holding the query's words together
    common: tuple[bool, ...] = ()               # per word: common (scored, never counted)

    def tier(self, ids: np.ndarray) -> np.ndarray:
        """Return the tier of ``ids`` (a subset of ``self.ids``): more words held first,
        then the words together (a phrase or neighbours adjacent), then more of them in the
        title, then fewer typos (see ``order``)."""
        at = slice(None) if ids is self.ids else np.searchsorted(self.ids, ids)  # no copies
        base = len(self.words) + 1  # the title and typo counts are at most the number of words
        words = self.matched[at] * 2
        if self.near is not None:  # nearness: the words together, after how many are held
            words += sets.member(ids, self.near)
        title = self.in_title[at]  # one title word counts only with every counted word
        in_title = np.where((self.matched[at] >= self.counted) | (title > 1), title, 0)
        return (words * base + in_title) * base - self.typos[at]

    def held(self, ids: np.ndarray) -> np.ndarray:
        """Return, per document of ``ids``, which words it holds (bit j: word j)."""
        bits = np.zeros(len(ids), dtype=np.int64)
        for j, (_, word_ids) in enumerate(self.words):
            bits[np.isin(ids, word_ids)] |= 1 << j
        return bits

    def missing(self, docnum: int) -> list[str]:
        """Return the words document ``docnum`` does not hold."""
        return [w for w, ids in self.words
                if not (len(ids) and ids[min(np.searchsorted(ids, docnum), len(ids) - 1)] == docnum)]


@dataclass(frozen=True)
class Evidence:
    """What one index (or one shard) knows about a relaxed query's words: how many documents
    hold each word exactly, and how many of the filters' documents hold each combination of
    words (``patterns[bits]``, bit j for word j; None past ``TIER_WORDS`` words or when
    strict). A sharded search adds the shards' evidence up before deciding."""

    exact: tuple[int, ...]
    patterns: np.ndarray | None
    letters: tuple[bool, ...] = ()  # per word: a single letter (``letters``)

    @staticmethod
    def total(parts: list[Evidence]) -> Evidence:
        """Return the evidence of all ``parts`` together (documents are in one part only)."""
        exact = tuple(int(sum(c)) for c in zip(*(p.exact for p in parts)))
        patterns = None if parts[0].patterns is None else sum(p.patterns for p in parts)
        return Evidence(exact, patterns, parts[0].letters)


@dataclass(frozen=True)
class Decision:
    """Which words are common (only scored) and how many of the others a document needs."""

    common: tuple[bool, ...]
    required: int
    tiered: bool  # False past TIER_WORDS words: any word, ranked by BM25F alone
    weights: tuple[int, ...] = ()  # what holding each word counts in the tiers (rarity)


def evidence(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
             ids: np.ndarray, strict: bool, eligible: np.ndarray | None,
             places: Places | None = None) -> Evidence:
    """Return the evidence of ``parts`` (per word: word, ids, scores, exact ids, …) over the
    candidate documents ``ids`` (``places``: ``Places(ids)``, shared with ``relax``)."""
    exact = tuple(len(p[3]) for p in parts)
    if strict or len(parts) > TIER_WORDS:
        return Evidence(exact, None, letters(parts))
    held = np.zeros(len(ids), dtype=np.int64)
    places = places if places is not None else Places(ids)
    for j, (_, word_ids, *_) in enumerate(parts):
        held[places.of(word_ids)[0]] |= 1 << j
    counted = held if eligible is None else held[eligible[ids]]
    return Evidence(exact, np.bincount(counted, minlength=1 << len(parts)), letters(parts))


def letters(parts: list[tuple]) -> tuple[bool, ...]:
    """Return, per word of ``parts`` (the word typed first), whether it is a single letter:
    held in passing by pages of every subject ("kim k robbery": a "k" somewhere put
    Kourtney's pages above the robbery), it is scored as a common word, never counted."""
    return tuple(len(p[0]) == 1 and p[0].isalpha() for p in parts)


def common_words(exact: tuple[int, ...], strict: bool, live_count: int,
                 single: tuple[bool, ...] = ()) -> list[bool]:
    """Return which words are common (in more than ``COMMON_SHARE`` of the documents, or a
    single letter: ``single``; none when every word is, or the query is strict), from each
    word's exact document count."""
    common = [count > COMMON_SHARE * live_count or (j < len(single) and single[j])
              for j, count in enumerate(exact)]
    return [False] * len(common) if all(common) or strict else common


def decide(ev: Evidence, strict: bool, live_count: int) -> Decision:
    """Return the decision for a relaxed query with evidence ``ev``."""
    common = common_words(ev.exact, strict, live_count, ev.letters)
    n = common.count(False)
    weights = rarity(ev.exact, common, live_count)
    if ev.patterns is None:
        return Decision(tuple(common), 0 if not strict else n, strict, weights)
    counted_bits = sum(1 << j for j, c in enumerate(common) if not c)
    held = np.array([bin(bits & counted_bits).count("1") for bits in range(len(ev.patterns))])
    at_least = np.cumsum(np.bincount(held, weights=ev.patterns, minlength=n + 1)[::-1])[::-1]
    m = n
    while m > 1 and at_least[m] < ENOUGH:
        m -= 1
    if m == 1 and at_least[1] == 0:  # no document holds any rarer word: the common
        m = 0                        # words alone carry the query
    return Decision(tuple(common), m, True, weights)


def rarity(exact: tuple[int, ...], common: list[bool], live_count: int) -> tuple[int, ...]:
    """Return what holding each word counts in the tiers: its idf in units of the least
    rare counted word's, rounded, 1 to ``MAX_RARITY`` (common words 0). At 2, in "soundgarden
    singer died in hotel" the rare "soundgarden" counts 2 and the others 1: a document holding
    it and "died" ties with one holding "singer", "died" and "hotel", and BM25F decides."""
    idf = [np.log(1 + live_count / max(c, 1)) for c in exact]
    counted = [i for i, c in zip(idf, common) if not c]
    if not counted:
        return tuple(0 for _ in exact)
    unit = max(min(counted), 1e-9)
    return tuple(0 if c else int(min(MAX_RARITY, max(1, round(i / unit))))
                 for i, c in zip(idf, common))


def every_word(parts: list[tuple], required: tuple[np.ndarray, np.ndarray] | None, strict: bool,
               eligible: np.ndarray | None, live_count: int) -> tuple[Decision, np.ndarray] | None:
    """Return the decision and the matching documents when ``decide`` would require every
    counted word (a strict query, or ``ENOUGH`` of the filters' documents hold them all: one,
    for a single word), found by intersecting their lists: what ``relax`` keeps over
    ``candidates``, without the union or its ``evidence`` (8x FakeNewsNet, "time place":
    140,061 candidates for 12,618 results). Else None."""
    if not strict and len(parts) > TIER_WORDS:
        return None
    exact = tuple(len(p[3]) for p in parts)
    common = common_words(exact, strict, live_count, letters(parts))
    ids = holding_all(parts, common, required)
    n = common.count(False)
    if not strict:
        held = len(ids) if eligible is None else int(np.count_nonzero(eligible[ids]))
        if held < (ENOUGH if n > 1 else 1):
            return None
    return Decision(tuple(common), n, True, rarity(exact, common, live_count)), ids


def holding_all(parts: list[tuple], common, required: tuple[np.ndarray, np.ndarray] | None
                ) -> np.ndarray:
    """Return the documents holding every word not ``common`` (and everything required)."""
    return sets.all_of([p[1] for p, c in zip(parts, common) if not c]
                       + ([required[0]] if required is not None else []))


def candidates(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
               required: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Return the documents holding any of the words (and everything required)."""
    ids = sets.union([p[1] for p in parts])
    if required is not None:
        ids = np.intersect1d(ids, required[0], assume_unique=True)
    return ids


def relax(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
          required: tuple[np.ndarray, np.ndarray] | None, ids: np.ndarray,
          decision: Decision, places: Places | None = None, names: tuple[bool, ...] = ()
          ) -> tuple[np.ndarray, np.ndarray, Tiers]:
    """Combine per-word matches into the relaxed result: (ids, scores, tiers).

    ``parts``: per word (word, ids, scores, ids holding it exactly, ids holding it in the
    title[, ids holding it in passing: uncounted, ``scoring.PASSING``]); ``required``: (ids,
    scores) every result must be in, or None; ``ids``: ``candidates(parts, required)``;
    ``names``: per word, typed as a name: past ``TIER_WORDS`` words, the only tier."""
    # held; at rarity; as typos only; in the title; names held: 32-bit, half a broad query's bytes
    matched, weighted, typos, in_title, named = np.zeros((5, len(ids)), dtype=np.int32)
    scores, weights = np.zeros(len(ids)), decision.weights or tuple(1 for _ in parts)
    places = places if places is not None else Places(ids)
    for (word, word_ids, word_scores, exact, titled, *passing), is_common, weight, name in zip(
            parts, decision.common, weights, names or (False,) * len(parts)):
        if places.holds_all(word_ids):
            at = pos = slice(None)  # the candidates are the word's (one word): no places
            held = word_ids
        else:
            at, inside = places.of(word_ids)
            held, pos = word_ids if len(at) == len(word_ids) else word_ids[inside], at  # in ids
            if len(at) == len(ids):  # every candidate holds the word: no gathers
                at = slice(None)
        if not is_common:
            matched[at] += 1
            unit = weight if len(word) >= RARE_MIN_CHARS else 1  # "taylor sw": "sw" is no rare word
            weighted[at] += unit
            if passing and passing[0] is not None:  # a question's word held in passing
                weighted[places.of(passing[0])[0]] -= unit
        in_title[places.of(titled)[0]] += 1
        if name:
            named[at] += 1
        scores[at] += word_scores if held is word_ids else word_scores[inside]
        if exact is not word_ids:  # a word without typo variants has none
            where = np.flatnonzero(~sets.member(held, exact))  # places in held
            typos[where if isinstance(pos, slice) else pos[where]] += 1
    if required is not None:
        scores += required[1][np.searchsorted(required[0], ids)]
    keep = matched >= decision.required
    if not decision.tiered:  # names typed held first, then titles (none unless names typed)
        weighted, typos = named, np.zeros_like(typos)
    # all kept: one array (the tiers look results up by it); else places: a mask copies slower
    keep = slice(None) if keep.all() else np.flatnonzero(keep)
    kept = ids if isinstance(keep, slice) else ids[keep]
    tiers = Tiers(kept, weighted[keep], typos[keep], in_title[keep],
                  tuple((p[0], p[1]) for p in parts), decision.required,
                  decision.common.count(False), common=decision.common)
    return kept, scores[keep], tiers
