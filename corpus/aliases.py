"""One person, one name across an archive: the names of speakers (or authors) grouped.

Inside an article, ``speakers.Cast`` already gives every quote of one person the fullest name
the article uses. Across articles one person still goes by several names: "Kim Kardashian"
and "Kim Kardashian West", "Khloe Kardashian" and "Khloé Kardashian", "Donald Trump" and
"Donald J. Trump", and plain "Trump" or "Kim" where an article never gave the full name.
``Names`` groups the values of a whole archive (with how often each occurs):

- the same letters once accents, case, honorifics and middle initials are set aside
  ("Donald J. Trump" = "Donald Trump", "Khloé" = "Khloe", "Dr. Jane Doe" = "Jane Doe");
- a name that goes on with more names ("Kim Kardashian" → "Kim Kardashian West"), or with
  the same first and last names around a middle one ("Jada Smith" → "Jada Pinkett Smith"),
  never across a generation suffix ("Donald Trump" ≠ "Donald Trump Jr.") nor when the
  shorter name goes on in two ways ("New York Times", "New York Post");
- an initial and a surname ("D. Okafor") stand for the one person with that surname and
  a first name of that initial (or the one quoted ``DOMINANT`` times as often as the rest);
- a single word stands for the one person the archive names with it as surname (or, with
  none, as first name) when that person is quoted at least ``DOMINANT`` times as often as any
  other candidate ("Trump" → Donald Trump, not Melania Trump; "Kim" → Kim Kardashian).
  Otherwise it stays apart: different people who share a surname are never merged.

Each group shows as its most frequent full name. ``find`` reads a name as a reader types it:
any alias, the canonical name, or a surname alone when one group has it, in any case.

>>> names = Names({"Donald Trump": 180, "Trump": 70, "Donald J. Trump": 9, "Melania Trump": 20,
...                "Donald Trump Jr.": 12, "Kim Kardashian": 280, "Kim Kardashian West": 240,
...                "Kim": 96, "Khloé Kardashian": 100, "Khloe Kardashian": 150})
>>> [names.canonical[n] for n in ("Trump", "Donald J. Trump", "Kim", "Khloé Kardashian")]
['Donald Trump', 'Donald Trump', 'Kim Kardashian', 'Khloe Kardashian']
>>> names.canonical["Donald Trump Jr."], sorted(names.find("trump")), names.find("Melania")
('Donald Trump Jr.', ['Donald Trump'], {'Melania Trump'})
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from .roles import ROYAL_TITLES, is_org

DOMINANT = 3  # a single word goes to a candidate quoted this many times as often as the next
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "president", "senator", "sen",
           "rep", "gov", "governor", "judge", "rev", "herr", "frau", "mme", "monsieur", "madame"}
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_PUNCT = re.compile(r"[.,’'`\"()]")


def name_key(name: str) -> tuple[str, ...]:
    """Return the words that tell a name apart: no accents, case, titles or middle initials.

    >>> name_key("Dr. Khloé  Kardashian"), name_key("Donald J. Trump"), name_key("Trump Jr.")
    (('khloe', 'kardashian'), ('donald', 'trump'), ('trump', 'jr'))
    """
    plain = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    words = _PUNCT.sub(" ", plain.replace("-", " - ")).split()
    words = [w for w in words if w != "-"]
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    if len(words) > 2:  # "donald j trump": a middle initial is no part of who it is
        words = [words[0], *(w for w in words[1:-1] if len(w) > 1), words[-1]]
    return tuple(words)


def _surname(key: tuple[str, ...]) -> str:
    return key[-2] if len(key) > 2 and key[-1] in _SUFFIXES else key[-1]


def _extends(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Return True if ``long`` is ``short`` with more names: after it ("Kim Kardashian West")
    or in the middle ("Jada Pinkett Smith" of "Jada Smith"); never a generation suffix."""
    if len(short) < 2 or len(long) <= len(short) or set(long) & _SUFFIXES != set(short) & _SUFFIXES:
        return False
    if long[:len(short)] == short:
        return True
    return short[0] == long[0] and short[-1] == long[-1] and len(short) == 2


class Names:
    """The names of an archive grouped by person; ``canonical`` maps each value to its group's."""

    def __init__(self, counts: Mapping[str, int], before: Names | None = None) -> None:
        """Group the names of ``counts``. ``before``, the grouping of the archive before a
        change, makes regrouping cost the change: with the same names (in the same order)
        only the decisions the changed counts take part in are made again, and when none
        goes otherwise, only the changed groups' shown names; else what does not depend on
        the counts (each name's key, which names go on with more names) is reused."""
        self.counts = dict(counts)
        if before is not None and _updated(self, before):
            return
        known = before._keys if before is not None else {}
        keys = {name: known.get(name) or name_key(name) for name in counts if name.strip()}
        self._keys = keys
        parent: dict[tuple[str, ...], tuple[str, ...]] = {k: k for k in keys.values() if k}

        def root(k: tuple[str, ...]) -> tuple[str, ...]:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        by_first: dict[str, list[tuple[str, ...]]] = {}
        for k in parent:
            if len(k) > 1:
                by_first.setdefault(k[0], []).append(k)
        self._quoted = quoted = _sums(keys, counts)
        lent = before._longer if before is not None else {}
        self._longer: dict[str, tuple[list, list]] = {}  # first word → its keys, _longer()
        self._forks: dict[tuple, list] = {}  # key → [(short, its longer, what was chosen)]
        for first, group in by_first.items():
            found = lent.get(first)
            if found is None or found[0] != group:
                found = (group, _longer(group))
            self._longer[first] = found
            for short, longer, forks in found[1]:
                if forks:  # goes on in two ways: only a person far more quoted than
                    best = _dominant(longer, quoted)  # the rest ("Kim Kardashian West", not
                    for long in longer:
                        self._forks.setdefault(long, []).append((longer, best))
                    longer = [best] if best and not is_org(" ".join(best)) else []  # "… Instagram")
                for long in longer:  # "New York": the Times and the Post are not one
                    parent[root(long)] = root(short)
        self._multi = {k: root(k) for k in parent if len(k) > 1}  # its group of full names
        self._weight = weight = _sums(keys, counts, self._multi)
        self._by_surname = by_surname = {}
        self._by_given = by_given = {}
        for k in {root(k) for k in parent if len(k) > 1}:
            by_surname.setdefault(_surname(k), []).append(k)
            if k[0] not in ROYAL_TITLES:  # "Prince" alone is not Prince Harry
                by_given.setdefault(k[0], []).append(k)
        self._single = {}  # single word → the group it joins (None: none)
        for k in [k for k in parent if len(k) == 1]:
            found = self._single[k] = _dominant(_single_candidates(self, k[0]), weight)
            if found is not None:
                parent[k] = root(found)
        self._initial = {}  # "D. Okafor" → the group it joins (None: none)
        for k in [k for k in parent if len(k) == 2 and len(k[0]) == 1 and parent[k] == k]:
            found = self._initial[k] = _dominant(_initial_candidates(self, k), weight)
            if found is not None:
                parent[k] = root(found)
        self._root = {k: root(k) for k in parent}
        self._members: dict[tuple[str, ...], list[str]] = {}
        for name, k in keys.items():
            if k:
                self._members.setdefault(self._root[k], []).append(name)
        shown = {r: _shown(names, keys, counts) for r, names in self._members.items()}
        self._shown = shown
        self.canonical = {name: shown[self._root[k]] if k else name for name, k in keys.items()}
        self._groups = {k: shown[r] for k, r in self._root.items()}
        self._named: dict[str, set[str]] = {}  # surname or first name → canonical names
        for k, name in self._groups.items():
            if len(k) > 1:
                self._named.setdefault(_surname(k), set()).add(name)

    def find(self, typed: str) -> set[str]:
        """Return the canonical names ``typed`` may mean: its group when it is a known name or
        alias (any case, accents or titles), or the one group with that surname or first name."""
        k = name_key(typed)
        if not k:
            return set()
        if k in self._groups:
            return {self._groups[k]}
        if len(k) == 1:
            named = self._named.get(k[0]) or {self._groups[g] for g in self._groups if len(g) > 1
                                              and g[0] == k[0] and g[0] not in ROYAL_TITLES}
            return named if len(named) == 1 else set()
        return {self._groups[g] for g in self._groups if _extends(g, k) or _extends(k, g)}


def _sums(keys: dict[str, tuple], counts: Mapping[str, int], into: dict | None = None) -> dict:
    """Return the counts of names summed by key (``into``: by the group of full names of
    each key of two words or more, the others left out)."""
    out: dict[tuple[str, ...], int] = {}
    for name, k in keys.items():
        if into is not None:
            if not (k and len(k) > 1):
                continue
            k = into[k]
        out[k] = out.get(k, 0) + counts[name]
    return out


def _single_candidates(names: Names, word: str) -> list[tuple[str, ...]]:
    return names._by_surname.get(word, []) + names._by_given.get(word, [])


def _initial_candidates(names: Names, k: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [g for g in names._by_surname.get(k[1], []) if g != k and g[0].startswith(k[0])]


def _updated(names: Names, before: Names) -> bool:
    """Give ``names`` the grouping of ``before`` changed only where its counts differ; return
    False (group afresh) when the names differ or a decision made on the counts would change."""
    counts, old, keys = names.counts, before.counts, before._keys
    if len(counts) != len(old) or list(counts) != list(old):
        return False
    changed = [(n, keys[n]) for n, c in counts.items() if old[n] != c and keys.get(n)]
    quoted, weight, roots = dict(before._quoted), dict(before._weight), set()
    for name, k in changed:
        delta = counts[name] - old[name]
        quoted[k] += delta
        if len(k) > 1:
            roots.add(before._multi[k])
            weight[before._multi[k]] += delta
    if any(_dominant(longer, quoted) != best for _, k in changed
           for longer, best in before._forks.get(k, ())):
        return False
    words = {w for r in roots for w in (_surname(r), r[0])}
    if any(_dominant(_single_candidates(before, w), weight) != before._single[(w,)]
           for w in words if (w,) in before._single):
        return False
    surnames = {_surname(r) for r in roots}
    if any(_dominant(_initial_candidates(before, k), weight) != found
           for k, found in before._initial.items() if k[1] in surnames):
        return False
    names.__dict__.update({**before.__dict__, "counts": counts, "_quoted": quoted,
                           "_weight": weight})
    for group in {before._root[k] for _, k in changed}:  # the shown name may change
        shown = _shown(before._members[group], keys, counts)
        was = names._shown[group]
        if shown == was:
            continue
        if names._shown is before._shown:  # copied on the first change
            names._shown, names.canonical = dict(before._shown), dict(before.canonical)
            names._groups, names._named = dict(before._groups), dict(before._named)
        names._shown[group] = shown
        for name in before._members[group]:
            names.canonical[name] = shown
            k = keys[name]
            names._groups[k] = shown
            if len(k) > 1:  # a shown name is one group's only: ``was`` came from this one
                named = names._named[_surname(k)]
                names._named[_surname(k)] = (named - {was}) | {shown}
    return True


def _longer(group: list[tuple[str, ...]]) -> list[tuple[tuple, list, bool]]:
    """Return, for each key of ``group`` (keys with one first word), the keys that go on
    with more names, and whether they go on in two ways (count-free: kept across changes)."""
    out = []
    for short in group:
        longer = [long for long in group if _extends(short, long)]
        forks = any(not (_extends(a, b) or _extends(b, a)) for a in longer for b in longer
                    if a < b)
        out.append((short, longer, forks))
    return out


def _shown(names: list[str], keys: dict[str, tuple[str, ...]], counts: Mapping[str, int]) -> str:
    """Return the name a group shows: its most frequent full name, or a single word that is
    ``DOMINANT`` times as frequent as that ("TMZ", not "TMZ Saturday")."""
    best = max(names, key=lambda n: (counts[n], -len(n), n))
    full = [n for n in names if len(keys[n]) > 1]
    if not full or len(keys[best]) > 1:
        return best
    top = max(full, key=lambda n: (counts[n], -len(n), n))
    return best if counts[best] >= DOMINANT * counts[top] else top


def _dominant(candidates: list[tuple[str, ...]], weight: dict[tuple[str, ...], int]):
    """Return the candidate named at least ``DOMINANT`` times as often as every other one."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda k: -weight.get(k, 0))
    if len(ranked) == 1 or weight.get(ranked[0], 0) >= DOMINANT * weight.get(ranked[1], 0):
        return ranked[0]
    return None
