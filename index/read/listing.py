"""What a search lists: its matches after the filters, with near-duplicates (``folding``) and
quotes under their articles (``stories``) folded; counted for the whole list, placed for the
page only.

Folding a broad query's whole list put every group's first document and every quote's article
in place, then copied the list: at 8x FakeNewsNet, "year" has 116,780 matches, 35,090 of them
in groups with copies and 28,252 quotes of matching articles, and folding them took ~3.7 ms,
more than scoring them. The page needs its rows and the total only:

- a group with copies folds all its matches but one: the count is its matches minus one;
- a quote folds under its article when the article is listed: it matches and stands alone, or
  is the first of its group in result order (looked for, as ``folding.fold`` does, in the
  groups of such articles only; a broad query's list has ~30 % of its groups there);
- the page walks the list in result order (``order.in_order``, the first rows only) and skips
  a group's documents after its first and the quotes that fold: the first of a group among
  the first rows in result order is the first of the group in the whole list.

``Eager`` folds the whole list as before: the definition, kept to test ``Listing`` against.
"""
from __future__ import annotations

import numpy as np

from index.read import compiled, folding
from index.read.folding import NO_COPIES
from index.read.order import in_order
from index.read.scoring import Hits
from index.read.stories import NO_QUOTES, FoldedQuotes, fold_stories

PageRows = tuple[np.ndarray, list[int], list[tuple[int, ...]]]


class Listing:
    """A match list (``final``, ascending ids, with each one's ``tier``) in result order,
    folded when ``groups`` and ``stories`` are given; ``total`` and ``folded`` count it."""

    def __init__(self, final: Hits, tier: np.ndarray, day: np.ndarray, seq: np.ndarray,
                 sort: str, ranked: bool, groups=None, stories=None) -> None:
        self.final, self.tier, self.day, self.seq = final, tier, day, seq
        self.sort, self.ranked, self.groups = sort, ranked, groups
        self.quotes, self.present = NO_QUOTES, None
        self.folded = self._fold(groups, stories) if groups is not None else 0
        self.total = len(final.ids) - self.folded

    def _fold(self, groups, stories) -> int:
        """Count what folds; keep each group's matches and the quotes that fold (a broad
        list in one compiled pass, ``compiled.fold``; ``_fold_np`` is its reference)."""
        ids = self.final.ids
        if len(ids) < compiled.JIT_FROM:
            return self._fold_np(groups, stories)
        self.present, copies, under, articles = compiled.fold(
            ids, groups.multi, groups.dense, groups.count, stories.quoted, stories.parent,
            self.tier, self.final.scores, self.day, self.seq, self.sort, self.ranked)
        if len(under):
            self.quotes = FoldedQuotes(ids[under], articles, self.final.scores[under])
        return copies + len(under)

    def _fold_np(self, groups, stories) -> int:
        """``_fold`` by numpy passes over the list."""
        ids = self.final.ids
        grouped = np.flatnonzero(groups.multi[ids])
        group = groups.dense[ids[grouped]]  # of each grouped match
        self.present = np.bincount(group, minlength=groups.count)
        copies = len(grouped) - int(np.count_nonzero(self.present))
        quotes = np.flatnonzero(stories.quoted[ids])
        if not len(quotes):
            return copies
        articles = stories.parent[ids[quotes]]
        matching = np.zeros(len(stories.parent), dtype=bool)
        matching[ids] = True
        kept = np.flatnonzero(matching[articles])  # the quotes whose article matches
        if not len(kept):
            return copies
        quotes, articles = quotes[kept], articles[kept]
        docs = ids[quotes]
        first = self._firsts(grouped, group, np.concatenate([articles[groups.multi[articles]],
                                                             docs[groups.multi[docs]]]))
        listed = self._stands(articles, first) & self._stands(docs, first)
        under = quotes[listed]
        self.quotes = FoldedQuotes(ids[under], articles[listed], self.final.scores[under])
        return copies + len(under)

    def _firsts(self, grouped: np.ndarray, group: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Return, per group (dense number), its first matching document in result order
        where it holds one of ``docs`` (-1 elsewhere: not looked for); ``grouped``: the places
        of the matches with copies, ``group``: their groups."""
        groups, ids = self.groups, self.final.ids
        first = np.full(groups.count, -1, dtype=np.int32)  # document numbers: 32-bit
        if not len(docs):
            return first
        wanted = np.zeros(groups.count, dtype=bool)
        wanted[groups.dense[docs]] = True
        at = np.flatnonzero(wanted[group])
        c, group = grouped[at], group[at]
        leaders, group = folding.leading(groups, ids, c, self.tier, self.final.scores,
                                         self.seq, self.day, self.sort, self.ranked, group,
                                         int(np.count_nonzero(wanted)))
        first[group[leaders]] = ids[c[leaders]]
        return first

    def _stands(self, docs: np.ndarray, first: np.ndarray) -> np.ndarray:
        """Which of ``docs`` (matching) are listed after near-duplicate folding."""
        multi = self.groups.multi[docs]
        stands = ~multi
        grouped = docs[multi]
        stands[multi] = first[self.groups.dense[grouped]] == grouped
        return stands

    def first(self, end: int) -> PageRows:
        """Return the places in ``final`` of the first ``end`` listed rows in result order,
        with each one's copies and folded quotes (best first)."""
        final = self.final
        n = len(final.ids)
        if self.groups is None:
            at = in_order(self.tier, final.scores, self.day, self.seq, self.sort, self.ranked,
                          end, final.ids)
            return at, [0] * len(at), [()] * len(at)
        want = min(n, 2 * end + 16)  # the first rows in order, more when too many fold
        while True:
            at = self._listed(in_order(self.tier, final.scores, self.day, self.seq, self.sort,
                                       self.ranked, want, final.ids), end)
            if len(at) >= end or want >= n:
                break
            want = min(n, want * 4)
        docs = final.ids[at].tolist()
        multi, dense = self.groups.multi, self.groups.dense
        copies = [int(self.present[dense[d]]) - 1 if multi[d] else 0 for d in docs]
        return at, copies, [tuple(self.quotes.get(d, ())) for d in docs]

    def _listed(self, ordered: np.ndarray, end: int) -> np.ndarray:
        """Return the first ``end`` of the places ``ordered`` (the list's first rows in result
        order) that are listed: the first of their group, not a quote folding under its
        article."""
        ids, multi, dense = self.final.ids, self.groups.multi, self.groups.dense
        folded = self.quotes.ids  # ascending
        seen, out = set(), []
        for p in ordered.tolist():
            d = int(ids[p])
            if multi[d]:
                group = int(dense[d])
                if group in seen:
                    continue
                seen.add(group)
            at = int(np.searchsorted(folded, d))
            if at < len(folded) and folded[at] == d:
                continue
            out.append(p)
            if len(out) == end:
                break
        return np.asarray(out, dtype=np.int64)


class Eager:
    """``Listing`` by folding the whole list (``folding.fold``, ``stories.fold_stories``)."""

    def __init__(self, final: Hits, tier: np.ndarray, day: np.ndarray, seq: np.ndarray,
                 sort: str, ranked: bool, groups=None, stories=None) -> None:
        self.day, self.seq, self.sort, self.ranked = day, seq, sort, ranked
        self.copies, self.quotes = NO_COPIES, NO_QUOTES
        kept, self.tier = final, tier
        if groups is not None:
            keep, self.copies = folding.fold(groups, final.ids, tier, final.scores, seq, day,
                                             sort, ranked)
            kept, self.tier, self.quotes = fold_stories(stories, final, tier, keep)
        self.kept, self.places = kept, np.searchsorted(final.ids, kept.ids)
        self.total, self.folded = len(kept.ids), len(final.ids) - len(kept.ids)

    def first(self, end: int) -> PageRows:
        at = in_order(self.tier, self.kept.scores, self.day, self.seq, self.sort, self.ranked,
                      end, self.kept.ids)
        docs = self.kept.ids[at].tolist()
        return (self.places[at], [self.copies.get(d, 0) for d in docs],
                [tuple(self.quotes.get(d, ())) for d in docs])
