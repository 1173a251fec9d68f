"""What a pronoun or a description points back to among the people an article has named.

    a pronoun          → the most recent person of a compatible gender, with a head start
                         for who was last a sentence's subject or a speaker
    "the actress"      → the woman last a subject or speaker, else the one the text names most
    "the company"      → the organisation last named
    "the 23-year-old"  → the person last named
    "the statement"    → who the text was last about

``speakers.Cast`` asks these when an attribution names no one by name.
"""
from __future__ import annotations

from .people import Narration, Person

GENDER_BONUS = 2  # mentions: a known gender that fits breaks near-ties only
SALIENCE_BONUS = 8  # mentions
PARAGRAPH_BONUS = 8  # mentions: named earlier in the pronoun's own paragraph


class Referents(Narration):
    """The people of an article, asked whom a pronoun or a description refers to."""

    def _recent(self, gender: str) -> Person | None:
        """Return the person a pronoun of ``gender`` most likely points back to.

        The most recently mentioned wins, with a head start for who was last a sentence's
        subject or a speaker, for a known gender that fits ("she": Hillary, not Trump), and
        for organisations when the pronoun is "they" or "it".
        """
        people = [p for p in self.people.values() if not p.org and " " in p.name or p.gender]
        if gender == "org":
            people = list(self.people.values())
        elif gender:  # a person of that gender, or of unknown gender who spoke or has a role
            people = [p for p in people if p.gender == gender or not p.gender and (
                p.spoke or p.roles)] or [p for p in people if p.gender in ("", gender)]

        def score(p: Person) -> int:
            return (max(p.seen, p.salient + SALIENCE_BONUS)
                    + (GENDER_BONUS if gender and (p.gender == gender or not p.gender and p.spoke) else 0)
                    + (PARAGRAPH_BONUS if p.seen > self.para_start else 0)
                    + (GENDER_BONUS if gender == "org" and p.org else 0))
        return max(people, key=score) if people else None

    def _in_view(self, gender: str) -> Person | None:
        """Return the person last a subject or a speaker (a description's likely referent),
        else the one the text names most ("the 20-year-old reality star": the article's
        subject), of a gender that fits."""
        people = [p for p in self.people.values() if not p.org and p.gender in ("", gender or p.gender)]
        best = max(people, key=lambda p: p.salient, default=None)
        if best is not None and best.salient > 0:
            return best
        named = sorted(people, key=lambda p: (p.times, p.seen), reverse=True)
        if named and named[0].times >= 2 and (len(named) == 1 or named[0].times > named[1].times):
            return named[0]
        return None

    def _referent(self, kind: str, gender: str) -> Person | None:
        """Return who a description of ``kind`` (see ``descriptions.kind_of``) points to."""
        if kind == "aged":  # "Singer Julia Michaels … “…,” the 23-year-old said": the last named
            return max((p for p in self.people.values() if not p.org and " " in p.name),
                       key=lambda p: p.seen, default=None)
        if kind in ("f", "m", "person"):  # "the actress": the woman last a subject or speaker
            return self._in_view(kind if kind in ("f", "m") else gender)
        if kind == "org":  # "the company": the organisation last named
            return max((p for p in self.people.values() if p.org), key=lambda p: p.seen,
                       default=None)
        if kind == "issued":  # "the statement": who the text was last about, person or body
            best = max(self.people.values(), key=lambda p: p.salient, default=None)
            return best if best is not None and best.salient > 0 else None
        return None
