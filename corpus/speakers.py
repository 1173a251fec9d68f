"""Who is speaking: resolve an attribution in its article, as a name, a role and the mention.

The model: an article introduces people and then refers back to them (``people``). ``Cast``
reads the article's narration in order and resolves each attribution:

    a pronoun      → the person it points back to (``referents``)
    a description  → the person or organisation given that role, the issuer of a statement,
                     or the woman or man the paragraph is about; else unresolved
    an anonymous source ("a source close to the couple") → ``UNNAMED``
    a surname      → the fullest name of that person the article gives

and ``canonical`` stores one person under one name ("Trump", "President Trump" and "Donald
Trump" are all "Donald Trump"). Role words and the splitting rules are in ``roles``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .descriptions import TITLES, UNNAMED, anonymous, kind_of, unnamed_head
from .mentions import POSSESSIVE, gender_hint, is_description, role_nouns, shouted, trim_mention
from .people import role_of
from .referents import Referents
from .roles import (DETERMINERS, FUNCTION_WORDS, GROUPS, HONORIFICS, PERSON_NOUNS, PRONOUN_GENDER,
                    is_org, is_role_word, split_speaker)


@dataclass(slots=True)
class Resolved:
    """A speaker as resolved: the name to store, the role, and the mention as written."""

    speaker: str
    role: str
    mention: str


class Cast(Referents):
    """The people named in one article so far, and who each of its attributions names."""

    def resolve(self, who: str) -> Resolved | None:
        """Return the speaker an attribution ``who`` names, resolved in this article."""
        trimmed = trim_mention(who)
        if trimmed is None:
            return None
        self._flush()
        mention, full = trimmed
        found = self._resolve(mention, mention.split(), full)
        if found is not None and found.speaker in self.people:
            self.people[found.speaker].salient = self.clock
            self.people[found.speaker].spoke = True
        return found

    def turn(self, label: str, full: str = "") -> Resolved:
        """Return the speaker of a transcript's turn "PENCE: …": the person the article named
        so, else ``full`` (the full name it gives the label: Mike Pence), else the label as a
        name ("Wallace")."""
        self._flush()
        name = label.title()
        person = self._by_surname(name.split()[-1])
        if person is None or full and " " not in person.name:  # "Cooper" read, "Anderson Cooper" given
            person = self.add(full or name)
        person.salient, person.spoke = self.clock, True
        return Resolved(person.name, role_of(person), label)

    def _resolve(self, mention: str, words: list[str], full: str) -> Resolved | None:
        if len(words) == 1 and words[0].lower() in PRONOUN_GENDER:
            if PRONOUN_GENDER[words[0].lower()] == "self":
                return None  # the writer speaks: no one the article names
            person = self._recent(PRONOUN_GENDER[words[0].lower()])
            return Resolved(person.name, role_of(person), mention) if person else None
        if anonymous(mention):  # "a source close to the couple", "an insider"
            return Resolved(UNNAMED, "", mention)
        if len(words) == 1 and words[0] in TITLES:  # "according to People": the magazine
            return Resolved(TITLES[words[0]], "", mention)
        if len(words) == 1 and kind_of(words[0]) == "none":  # "Another (wrote)"
            return Resolved("", "", mention)
        split = split_speaker(full)  # with its apposition: "X, director of …"
        if split is None or (split[0] and (not split[0].split()[-1][:1].isupper() or _a_role(
                split[0].split()))):  # "die Ministerin", "frühere Ministerin und Abgeordnete"
            if is_description(mention):
                return self._description(mention)
            if _SHARE.match(mention):  # "63 percent said": a share of those polled, no one
                return Resolved("", "", mention)
            head = _described(words)  # "The former first lady and U.S. senator"
            return self._description(head) if head else None
        name, role = split
        if not name or all(POSSESSIVE.sub("", w).lower() in FUNCTION_WORDS for w in name.split()):
            return None  # "That’s", "This"
        if shouted(name):
            return None  # "HOMETOWN DATE WITH JASON": a heading, not a name
        if " " not in name or name.split()[0] in HONORIFICS_TITLE:
            person = self._by_surname(name.split()[-1]) or (
                self._by_first(name) if " " not in name else None)
            if person is not None:
                self.add(person.name, [role] if role else [])
                return Resolved(person.name, role or role_of(person), mention)
        person = self.add(name, [role] if role else [], gender_hint(role))
        return Resolved(person.name, role or role_of(person), mention)

    def _description(self, mention: str) -> Resolved | None:
        """Resolve "the premier" to the person introduced as Premier, "the actress" to the
        woman the text is about, "the company" to the organisation it named; else leave the
        speaker unresolved (an empty name, the mention kept)."""
        words = mention.split()
        while words and words[0].lower() in DETERMINERS:
            words = words[1:]
        if not words:
            return None  # "Das", "The": nobody
        head = words[-1].lower().strip(".,")
        kind = kind_of(head) or ("aged" if _AGED.match(head) else "")  # "the 23-year-old"
        if head in GROUPS or kind == "none":
            return Resolved("", "", mention)  # "protesters", "the couple": no one person
        owners = {POSSESSIVE.sub("", w) for w in words[:-1] if POSSESSIVE.search(w)}
        issuer = [POSSESSIVE.sub("", w) for w in words[:-1] if w[:1].isupper()]
        if kind == "issued" and issuer:  # "an NCRI statement", "Trump’s statement"
            person = self._by_surname(issuer[-1]) or self.add(" ".join(issuer))
            return Resolved(person.name, role_of(person), mention)
        if kind == "org" and issuer and not owners and len(words) <= 4:
            body = " ".join(words)  # "the French foreign ministry": a body of its own, named
            return Resolved(body[:1].upper() + body[1:], "", mention)
        best = None
        for person in self.people.values():
            named = person.org and head.capitalize() in person.name.split()  # the commission
            if named or any(head and head in role_nouns(r) for r in person.roles):
                if best is None or person.seen > best.seen:
                    best = person
        if best is None and head not in PERSON_NOUNS and not unnamed_head(head):
            best = self._referent(kind or ("person" if is_role_word(head) and not is_org(head)
                                           else ""), gender_hint(head))
        if best is not None and head and best.name.split()[-1] not in owners:  # X’s doctor ≠ X
            self.add(best.name)
            return Resolved(best.name, role_of(best), mention)
        return Resolved(UNNAMED if unnamed_head(head) else "", "", mention)


HONORIFICS_TITLE = {h.capitalize() for h in HONORIFICS}
_AGED = re.compile(r"^\d{1,3}-year-old$")
_SHARE = re.compile(r"^\d[\d.,]*\s*(?:percent|per cent|%)$")


def _described(words: list[str]) -> str | None:
    """Return the description that opens a longer mention, before what is joined to it or
    said of it: "The former first lady" of "The former first lady and U.S. senator", "a civil
    complaint" of "a civil complaint filed by …"."""
    if words[0].lower() not in DETERMINERS:
        return None
    for n in range(min(len(words) - 1, 6), 1, -1):
        head = words[n - 1].lower()
        if (words[n] in ("and", "or") or words[n].islower() and words[n].endswith("ed")) and head.isalpha() and (kind_of(head) or is_role_word(head)) \
                and is_description(" ".join(words[:n])):
            return " ".join(words[:n])
    return None


def _a_role(words: list[str]) -> bool:
    """Return True for role words that name no one: "Ministerin", "frühere Ministerin und …"."""
    return is_role_word(words[-1]) and (len(words) == 1 or any(w.islower() for w in words))
