"""The people of one article: who it has named so far, and reading them from its narration.

An article introduces people ("Premier Doug Ford", "Jane Doe, the mayor of Springfield") and
then refers back to them by surname, first name, pronoun or description. ``People`` keeps one
``Person`` per person named so far (roles, gender from honorifics, gendered role words and
first names, when last mentioned, when last a sentence's subject), found by full name, surname
or first name; "Trump" said before "Donald Trump" becomes one person, and ``canonical`` gives
the fullest name the article uses. ``Narration`` reads the names out of the article's text
(queued: read only when a speaker is next resolved). ``referents`` and ``speakers`` resolve
mentions against them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .mentions import gender_hint, name_groups, role_near, says_after
from .roles import (FUNCTION_WORDS, HONORIFICS, ROLE_WORDS, first_name_gender, is_org,
                    is_role_word, split_speaker)

MAX_READ = 8_000  # characters of narration read per article (6 % of FakeNewsNet articles are longer)
_STARTS = ("", ".", "!", "?", ":", '"', "”", "“")  # what stands before a sentence's subject
_TITLES = frozenset(HONORIFICS | ROLE_WORDS)
# Words that open a sentence before its subject: "When Afghan President Ashraf Ghani announced …"
_OPENERS = {"When", "After", "As", "While", "Before", "Once", "Since", "Although", "Though", "But",
            "And", "Then", "So", "Yet", "If"}
_PLACE_AFTER = {"to", "of", "for", "from", "in"}  # a role's place before a name: "envoy to Britain"


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


class Narration(People):
    """The people named in one article's narration so far, in the order the text names them."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[str | None] = []  # None: a new paragraph begins
        self.queued = 0  # characters of narration queued so far
        self.para_start = 0  # the clock when the paragraph being read began

    def paragraph(self) -> None:
        """Mark the start of a paragraph (a pronoun looks in its own paragraph first)."""
        self.pending.append(None)

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
            if text is None:
                self.para_start = self.clock
            else:
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
            prior = before.split()[-2:]
            if len(words) > 2 and len(prior) == 2 and prior[1] in _PLACE_AFTER and is_role_word(prior[0]):
                words = words[1:]  # "ambassador to Britain Liu Xiaming": Britain is a place
            says = says_after(after)
            subject = says or _opens(before)
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
            if says:
                person.spoke = True  # "Saeb Erekat said …": a person, who speaks

    def _one_word(self, name: str, before: str, after: str) -> None:
        if before.endswith("E! "):  # "E! News": the mark ends no name
            name = f"E! {name}"
        person = self._surname(name, before)
        if person is None:
            if is_role_word(name):
                return
            if is_org(name):
                person = self.add(name)  # "the Commission on …", later "the commission"
            elif says_after(after) and _opens(before):
                person = self.add(name)  # "Melanie said"
                person.salient = self.clock
                return
            else:
                return  # most capitalised words: no one the article has named
        says = says_after(after)
        if says or _opens(before):
            person.salient = self.clock
        if says and not person.org:
            person.spoke = True


def _opens(before: str) -> bool:
    """Return True if a name after ``before`` opens its sentence (or its main clause's
    subordinate one: "When Ghani announced …")."""
    before = before.rstrip()
    if before[-1:] in _STARTS:
        return True
    head, _, last = before.rpartition(" ")
    return last in _OPENERS and head.rstrip()[-1:] in _STARTS


def _is_short_of(short: str, full: str) -> bool:
    """Return True if ``short`` is ``full`` said shorter ("Trump" of "Donald J. Trump")."""
    s, f = short.split(), full.split()
    return len(s) < len(f) and s[-1] == f[-1] and all(w in f for w in s)


def role_of(person: Person) -> str:
    """Return the first role the article gave ``person``, or ""."""
    return person.roles[0] if person.roles else ""


def _gender_of(person: Person) -> str:
    return "" if person.org else first_name_gender(person.name.split()[0])
