"""The document frequency of every term of the searched fields, kept across snapshots.

The typo vocabulary, the whole-word vocabulary and the spelling index (``vocabulary``,
``spelling``) are built from each field's terms and their document frequencies, as Whoosh
counts them (summed over segments; a deleted document counts until a merge drops it).
Reading them all costs seconds on FakeNewsNet (every term of eight fields), so
``TermCounts`` keeps them as sums over *parts*, each the counts of a group of segments; a
snapshot opened after an incremental change keeps the parts whose segments it still has,
subtracts those merged away, reads only its new segments, and reports which terms changed,
so that the vocabularies and the speller are updated term by term rather than rebuilt.
"""
from __future__ import annotations

from dataclasses import dataclass

FULL_READ_SHARE = 0.5  # dropped parts holding more of the documents than this: read anew


@dataclass(frozen=True)
class Part:
    """The per-field term counts of some segments, read together."""

    segments: frozenset[tuple[str, int]]  # (segment id, documents)
    docs: int
    counts: dict[str, dict[str, int]]


def _segments(reader) -> list[tuple[str, int, object]]:
    return [(leaf.segment().segment_id(), leaf.doc_count_all(), leaf)
            for leaf, _ in reader.leaf_readers()]


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


class TermCounts:
    """Per field, each term's document frequency over one snapshot's segments."""

    def __init__(self, parts: list[Part], sums: dict[str, dict[str, int]]) -> None:
        self.parts = parts
        self.sums = sums

    @classmethod
    def read(cls, reader, fields, arrays=None, segments=None) -> TermCounts:
        """Read every term of ``fields`` in ``reader`` (``arrays``: the snapshot's posting
        arrays, which know the frequencies without decoding Whoosh's term infos;
        ``segments``: its ``Segments``, whose facts list each segment's terms of those
        fields, so Whoosh's term tables are not merged)."""
        counts: dict[str, dict[str, int]] = {}
        names = set(reader.indexed_field_names())
        segs = _segments(reader)
        listed = _unions(segments.parts) if segments is not None and arrays is not None \
            else None
        for name in fields:
            if arrays is None or name not in names or arrays.frequencies(name, []) is None:
                counts[name] = _summed([_leaf_counts(leaf, (name,))[name] for *_, leaf in segs])
                continue
            if listed is not None and name in listed:
                # the union of the segments' terms, in Whoosh's order (code points sort as
                # their UTF-8 bytes do)
                texts = sorted(listed[name])
            else:
                texts = [_text(t) for t in reader.lexicon(name)]
            found = arrays.frequencies(name, texts)
            counts[name] = {t: int(df) for t, df in zip(texts, found) if df}
        part = Part(frozenset((sid, n) for sid, n, _ in segs), sum(n for _, n, _ in segs), counts)
        return cls([part], {name: dict(c) for name, c in counts.items()})

    def advance(self, reader, fields, arrays=None) -> tuple[TermCounts, dict[str, set[str]] | None]:
        """Return the counts of ``reader`` (a later snapshot) and, per field, the terms whose
        count changed; None instead when it was cheaper to read everything anew."""
        segs = _segments(reader)
        present = {(sid, n) for sid, n, _ in segs}
        kept = [p for p in self.parts if p.segments <= present]
        dropped = [p for p in self.parts if not p.segments <= present]
        total = sum(n for _, n, _ in segs)
        if not kept or sum(p.docs for p in dropped) > FULL_READ_SHARE * max(total, 1):
            return TermCounts.read(reader, fields, arrays), None
        covered = set().union(*(p.segments for p in kept))
        new = [Part(frozenset([(sid, n)]), n, _leaf_counts(leaf, fields))
               for sid, n, leaf in segs if (sid, n) not in covered]
        sums = {name: dict(c) for name, c in self.sums.items()}
        changed: dict[str, set[str]] = {name: set() for name in fields}
        for part, sign in [(p, -1) for p in dropped] + [(p, 1) for p in new]:
            for name, counts in part.counts.items():
                into = sums[name]
                changed[name].update(counts)
                for text, df in counts.items():
                    value = into.get(text, 0) + sign * df
                    if value > 0:
                        into[text] = value
                    else:
                        into.pop(text, None)
        return TermCounts(kept + new, sums), changed


def _unions(parts) -> dict[str, set[str]]:
    """Return, per field of ``ARRAY_FIELDS``, the union of the terms of ``parts`` (segments'
    facts, which list every one of those fields), parsed a segment at a time (each segment's
    copies of words already seen dropped at once: a worker's memory holds each word once)."""
    unions: dict[str, set[str]] = {}
    for part in parts:
        for name, terms in part.term_lists().items():
            unions.setdefault(name, set()).update(terms)
    return unions


def _summed(parts: list[dict[str, int]]) -> dict[str, int]:
    """Return the segments' counts of one field added up, in the whole reader's term order
    (each segment's terms are read from its own term table: asking the whole reader for
    each term's frequency looked it up in every segment, 20 s at 4x FakeNewsNet)."""
    if len(parts) == 1:
        return {t: df for t, df in parts[0].items() if df}
    total: dict[str, int] = {}
    for part in parts:
        for text, df in part.items():
            total[text] = total.get(text, 0) + df
    return {t: total[t] for t in sorted(total) if total[t]}  # code points sort as UTF-8 bytes


def _leaf_counts(leaf, fields) -> dict[str, dict[str, int]]:
    """Read the term counts of one segment."""
    names = set(leaf.indexed_field_names())
    return {name: {_text(text): info.doc_frequency() for text, info in leaf.iter_field(name)}
            if name in names else {} for name in fields}


def max_over(sums: dict[str, dict[str, int]], fields, transform=None) -> dict[str, int]:
    """Return each term's largest count over ``fields`` (terms passed through ``transform``,
    e.g. accent folding, first)."""
    frequency: dict[str, int] = {}
    for name in fields:
        for text, df in sums.get(name, {}).items():
            if transform is not None:
                text = transform(text)
            if df > frequency.get(text, 0):
                frequency[text] = df
    return frequency


def updated_max(before: dict[str, int], sums: dict[str, dict[str, int]], fields,
                changed: dict[str, set[str]], members: dict[str, list[str]] | None = None,
                transform=None) -> tuple[dict[str, int], set[str]]:
    """Return ``max_over`` of ``sums`` computed from ``before`` (its value for the sums
    before ``changed``), and the terms whose value was recomputed. With ``transform``,
    ``members`` maps a transformed term to the terms it stands for (kept up to date)."""
    frequency = dict(before)
    touched: set[str] = set()
    for name in fields:
        for text in changed.get(name, ()):
            key = transform(text) if transform is not None else text
            if members is not None:
                group = members.get(key, [])
                if text not in group:
                    members[key] = group + [text]
            touched.add(key)
    for key in touched:
        texts = members.get(key, [key]) if members is not None else [key]
        best = max((sums.get(name, {}).get(t, 0) for name in fields for t in texts), default=0)
        if best:
            frequency[key] = best
        else:
            frequency.pop(key, None)
    return frequency, touched


def members_of(sums: dict[str, dict[str, int]], fields, transform) -> dict[str, list[str]]:
    """Return, per transformed term, the terms of ``fields`` it stands for."""
    members: dict[str, list[str]] = {}
    for name in fields:
        for text in sums.get(name, {}):
            group = members.setdefault(transform(text), [])
            if text not in group:
                group.append(text)
    return members
