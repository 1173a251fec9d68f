"""Who is speaking: split an attribution into name and role, and resolve it in its article.

The model: an article introduces people ("Premier Doug Ford", "Jane Doe, the mayor of
Springfield") and then refers back to them by surname ("Ford said"), by pronoun ("she said")
or by description ("the premier said"). A ``Cast`` reads the article's text in order and keeps
every person named so far with their roles, gender (from honorifics, gendered role words and
first names) and when they were last mentioned. ``resolve`` maps a mention to the person:

    a pronoun      → the most recent person of a compatible gender
    a description  → the most recent person or organisation given that role
    a surname      → the fullest name of that person the article gives

and ``canonical`` stores one person under one name ("Trump", "President Trump" and "Donald
Trump" are all "Donald Trump"). Role words and the splitting rules are in ``roles``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .descriptions import TITLES, UNNAMED, anonymous, kind_of, unnamed_head
from .mentions import (POSSESSIVE, gender_hint, is_description, name_groups, role_near,
                       role_nouns, says_after, shouted, trim_mention)
from .roles import (DETERMINERS, FUNCTION_WORDS, GROUPS, HONORIFICS, PERSON_NOUNS, PRONOUN_GENDER,
                    ROLE_WORDS, first_name_gender, is_org, is_role_word, split_speaker)

GENDER_BONUS = 2  # mentions: a known gender that fits breaks near-ties only
SALIENCE_BONUS = 8  # mentions
MAX_READ = 8_000  # characters of narration read per article (6 % of FakeNewsNet articles are longer)
_STARTS = ("", ".", "!", "?", ":", '"', "”", "“")  # what stands before a sentence's subject
_TITLES = frozenset(HONORIFICS | ROLE_WORDS)


@dataclass(slots=True)
class Person:
    """One person (or organisation) of an article."""

    name: str
    roles: list[str] = field(default_factory=list)
    gender: str = ""  # "m", "f" or "" when unknown
    org: bool = False
    seen: int = 0  # when last mentioned (a counter over the article)
    salient: int = -99  # when last the subject of a sentence or a speaker
    spoke: bool = False  # quoted in this article (so a person, whatever the gender)
    times: int = 0  # how often the article has named them so far


@dataclass(slots=True)
class Resolved:
    """A speaker as resolved: the name to store, the role, and the mention as written."""

    speaker: str
    role: str
    mention: str


class People:
    """Who an article has named so far: one record a person, found by name or surname."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.by_last: dict[str, list[Person]] = {}  # people by the last word of their name
        self.clock = 0

    def _put(self, person: Person) -> Person:
        self.people[person.name] = person
        self.by_last.setdefault(person.name.split()[-1], []).append(person)
        return person

    def _drop(self, person: Person) -> None:
        del self.people[person.name]
        self.by_last[person.name.split()[-1]].remove(person)

    def add(self, name: str, roles: tuple[str, ...] | list[str] = (), hint: str = "") -> Person:
        """Register a mention of ``name`` (with roles) and return its person."""
        self.clock += 1
        words = name.split()
        if len(words) == 1:
            person = self._by_surname(name) or self._by_first(name) or self.people.get(name)
            if person is None:
                person = self._put(Person(name, org=is_org(name)))
        else:
            person = self.people.get(name) or self._fuller_of(name)
            if person is None:
                person = Person(name, org=is_org(name))
                for short in [p for p in self.by_last.get(words[-1], ())
                              if _is_short_of(p.name, name)]:
                    person.roles += short.roles  # "Trump" said before "Donald Trump" came
                    person.gender = person.gender or short.gender
                    self._drop(short)
                self._put(person)
        for role in roles:
            if role and role not in person.roles:
                person.roles.append(role)
        person.gender = person.gender or hint or _gender_of(person)
        person.seen = self.clock
        person.times += 1
        return person

    def _surname(self, word: str, before: str) -> Person | None:
        person = self._by_surname(word)
        honorific = before[-12:].rsplit(None, 1)[-1:]
        if person is not None:
            self.clock += 1
            person.seen = self.clock
            person.times += 1
            if not person.gender and honorific:
                person.gender = gender_hint(honorific[0])
            return person
        if honorific and honorific[0].lower() in _TITLES:  # "Mr. Barrett"
            return self.add(word, [], gender_hint(honorific[0]))
        return None

    def _by_surname(self, word: str) -> Person | None:
        people = self.by_last.get(word)
        if not people:
            return None
        return people[0] if len(people) == 1 else max(people, key=lambda p: p.seen)

    def _by_first(self, word: str) -> Person | None:
        """Return the one person of the article whose first name is ``word`` ("Kim" of
        "Kim Kardashian"), or None when there is none or several (then no one is guessed)."""
        found = [p for p in self.people.values()
                 if not p.org and " " in p.name and p.name.split()[0] == word]
        return found[0] if len(found) == 1 else None

    def _fuller_of(self, name: str) -> Person | None:
        found = [p for p in self.by_last.get(name.split()[-1], ()) if _is_short_of(name, p.name)]
        return max(found, key=lambda p: p.seen, default=None)

    def _flush(self) -> None:
        """Read what was queued (``Cast`` reads narration only when it has to resolve)."""

    def canonical(self, name: str) -> str:
        """Return the fullest name of ``name``'s person in this article."""
        if not name.strip():
            return name  # narration after the last resolved quote is left unread: full
        person = self.people.get(name) or self._fuller_of(name)  # names come first in news
        if " " not in name and (person is None or person.name == name):
            person = self._by_first(name) or person  # "Kim", then "Kim Kardashian"
        return person.name if person else name


class Cast(People):
    """The people named in one article so far, in the order the text mentions them."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[str] = []
        self.queued = 0  # characters of narration queued so far

    def read(self, text: str) -> None:
        """Register the names mentioned in ``text`` (narration, not quoted words).

        The text is queued and read when a speaker is next resolved: an article in which
        nothing is quoted costs no name reading at all. Past ``MAX_READ`` characters the
        narration is no longer read (people are introduced early; speakers named in
        attributions are still registered).
        """
        if text.strip() and self.queued < MAX_READ:
            self.queued += len(text)
            self.pending.append(text)

    def _flush(self) -> None:
        pending, self.pending = self.pending, []
        for text in pending:
            self._read(text)

    def _read(self, text: str) -> None:
        for group, before, after in name_groups(text):
            if " " not in group:  # one word: a surname already met, or an organisation
                self._one_word(group, before, after)
                continue
            words = group.split()
            cut = [i for i, w in enumerate(words) if w.lower() in HONORIFICS]
            if cut and cut[-1] < len(words) - 1:  # "Should Mr. Clarke" → Clarke
                before, words = f"{before} {' '.join(words[:cut[-1] + 1])}", words[cut[-1] + 1:]
            subject = before.rstrip()[-1:] in _STARTS or says_after(after)
            if len(words) > 2 and any(w.lower() in FUNCTION_WORDS for w in words[1:]):
                continue  # "Sarah Stage Keeps Up Her Workouts": a headline, not a name
            if len(words) >= 4 and first_name_gender(words[0]) and not any(
                    is_role_word(w) for w in words) and any(first_name_gender(w) for w in words[2:-1]):
                continue  # "Tristan Thompson Khloe Kardashian/Instagram": two names run together
            split = split_speaker(" ".join(words))
            if not split or not split[0]:
                continue
            name, role = split
            if " " not in name and not role:
                self._one_word(name, before, after)
                continue
            roles = [r for r in (role, role_near(before, after)) if r]
            hint = "" if getattr(self.people.get(name), "gender", "") else gender_hint(f"{role} {before[-24:]}")
            person = self.add(name, roles, hint)
            if subject:
                person.salient = self.clock

    def _one_word(self, name: str, before: str, after: str) -> None:
        if before.endswith("E! "):  # "E! News": the mark ends no name
            name = f"E! {name}"
        person = self._surname(name, before)
        starts = before.rstrip()[-1:] in _STARTS
        if person is None:
            if is_role_word(name):
                return
            if is_org(name):
                person = self.add(name)  # "the Commission on …", later "the commission"
            elif starts and says_after(after):
                person = self.add(name)  # "Melanie said"
                person.salient = self.clock
                return
            else:
                return  # most capitalised words: no one the article has named
        if starts or says_after(after):
            person.salient = self.clock

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

    def _resolve(self, mention: str, words: list[str], full: str) -> Resolved | None:
        if len(words) == 1 and words[0].lower() in PRONOUN_GENDER:
            if PRONOUN_GENDER[words[0].lower()] == "self":
                return None  # the writer speaks: no one the article names
            person = self._recent(PRONOUN_GENDER[words[0].lower()])
            return Resolved(person.name, _role_of(person), mention) if person else None
        if anonymous(mention):  # "a source close to the couple", "an insider"
            return Resolved(UNNAMED, "", mention)
        if len(words) == 1 and words[0] in TITLES:  # "according to People": the magazine
            return Resolved(TITLES[words[0]], "", mention)
        if len(words) == 1 and kind_of(words[0]) == "none":  # "Another (wrote)"
            return Resolved("", "", mention)
        split = split_speaker(full)  # with its apposition: "X, director of …"
        if split is None or (split[0] and (not split[0].split()[-1][:1].isupper() or _a_role(
                split[0].split()))):  # "die Ministerin", "frühere Ministerin und Abgeordnete"
            return self._description(mention) if is_description(mention) else None
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
                return Resolved(person.name, role or _role_of(person), mention)
        person = self.add(name, [role] if role else [], gender_hint(role))
        return Resolved(person.name, role or _role_of(person), mention)

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
                    + (GENDER_BONUS if gender and p.gender == gender else 0)
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
            return Resolved(person.name, _role_of(person), mention)
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
            return Resolved(best.name, _role_of(best), mention)
        return Resolved(UNNAMED if unnamed_head(head) else "", "", mention)

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

HONORIFICS_TITLE = {h.capitalize() for h in HONORIFICS}
_AGED = re.compile(r"^\d{1,3}-year-old$")


def _a_role(words: list[str]) -> bool:
    """Return True for role words that name no one: "Ministerin", "frühere Ministerin und …"."""
    return is_role_word(words[-1]) and (len(words) == 1 or any(w.islower() for w in words))


def _is_short_of(short: str, full: str) -> bool:
    """Return True if ``short`` is ``full`` said shorter ("Trump" of "Donald J. Trump")."""
    s, f = short.split(), full.split()
    return len(s) < len(f) and s[-1] == f[-1] and all(w in f for w in s)


def _role_of(person: Person) -> str:
    return person.roles[0] if person.roles else ""


def _gender_of(person: Person) -> str:
    return "" if person.org else first_name_gender(person.name.split()[0])
