"""Editors' rules: pin documents to the top of a query, or hide them, for a while.

A rule names what it matches, the documents it pins (in order) and those it hides, and an
optional start and end (UTC):

    match "query"   the query, normalised (``words``: NFKC, case-folded, words only), is
                    exactly the rule's: "Wind farm?" matches the rule "wind farm"
    match "word"    the query holds the rule's words, in a row: "election" matches
                    "election results" and "who won the election", not "elections"

``RuleSet`` is the rules in force, indexed so that matching a query costs a dictionary
look-up per word of the query whatever the number of rules; with no rule it costs one
attribute test. When several rules match, exact-query rules come before word rules, then the
older before the newer; their pins are listed in that order (at most ``MAX_PINNED``), and a
document any of them hides never shows, even where another pins it.

Pure: no Flask, no file; the store is ``editor_state`` and the HTTP side ``rules_views``.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from corpus.text import document_id

from .analytics import normalise

MATCHES = ("query", "word")
MAX_RULES = 1000
MAX_PINNED = 10          # pins a rule holds, and pins a search lists
MAX_HIDDEN = 50
MAX_NOTE = 200
MAX_ID = 200
MAX_QUERY_WORDS = 8
RULE_ID_PATTERN = "^r[0-9a-f]{12}$"
_WORD = re.compile(r"\w+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")  # corpus ids, quotes' "-qN" too


class RuleError(ValueError):
    """A rule as sent cannot be stored; the message says which field and why."""


def words(q: str) -> tuple[str, ...]:
    """Return the words of a query as rules compare them.

    >>> words("  Wind FARM? ")
    ('wind', 'farm')
    """
    return tuple(_WORD.findall(normalise(q)))


@dataclass(frozen=True)
class Rule:
    """One rule as stored (times as ISO 8601 UTC strings, or None)."""

    id: str
    match: str
    query: str
    pin: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    note: str = ""
    created: str = ""

    def active(self, now: float) -> bool:
        """Return True if the rule is in force at ``now`` (seconds since the epoch)."""
        return (self.start is None or timestamp(self.start) <= now) and \
            (self.end is None or now < timestamp(self.end))

    def state(self, now: float) -> str:
        """Return "active", "scheduled" or "ended"."""
        if self.end is not None and now >= timestamp(self.end):
            return "ended"
        return "active" if self.active(now) else "scheduled"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "pin": list(self.pin), "hide": list(self.hide)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        """Return a stored rule (already checked when it was made)."""
        return cls(**{**data, "pin": tuple(data.get("pin", ())),
                      "hide": tuple(data.get("hide", ()))})


def timestamp(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def utc_time(value: Any, name: str) -> str | None:
    """Return an ISO 8601 time as a UTC string ``YYYY-MM-DDTHH:MM:SSZ`` (naive: UTC)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise RuleError(f"{name} must be a time like 2024-06-01T09:00:00Z")
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise RuleError(f"{name} must be a time like 2024-06-01T09:00:00Z, got {value[:40]!r}") \
            from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ids(value: Any, name: str, most: int) -> tuple[str, ...]:
    """Return document ids; a URL becomes the id the index gives the article published there."""
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{name} must be a list of document ids or URLs")
    found = []
    for item in (v.strip() for v in value if v.strip()):
        if item.startswith(("http://", "https://")) and len(item) <= 8192:
            item = document_id(item, None, "", "")
        if not _ID.match(item):
            raise RuleError(f"{name}: {item[:40]!r} is not a document id or URL")
        found.append(item)
    found = list(dict.fromkeys(found))
    if len(found) > most:
        raise RuleError(f"{name} holds at most {most} documents")
    return tuple(found)


def make_rule(body: Any, now: float) -> Rule:
    """Check a rule as sent (a JSON object) and return it with a new id; raise RuleError."""
    if not isinstance(body, dict):
        raise RuleError("a rule is a JSON object like "
                        '{"query": "election", "match": "word", "pin": ["ID"]}')
    unknown = sorted(set(body) - {"match", "query", "pin", "hide", "start", "end", "note"})
    if unknown:
        raise RuleError(f"unknown field {unknown[0][:40]!r}")
    match = body.get("match", "query")
    if match not in MATCHES:
        raise RuleError(f"match must be one of {', '.join(MATCHES)}")
    query = body.get("query")
    said = words(query) if isinstance(query, str) else ()
    if not said or len(said) > MAX_QUERY_WORDS:
        raise RuleError(f"query must hold 1 to {MAX_QUERY_WORDS} words")
    pin, hide = _ids(body.get("pin"), "pin", MAX_PINNED), _ids(body.get("hide"), "hide", MAX_HIDDEN)
    if not pin and not hide:
        raise RuleError("a rule pins or hides at least one document")
    start, end = utc_time(body.get("start"), "start"), utc_time(body.get("end"), "end")
    if start and end and timestamp(start) >= timestamp(end):
        raise RuleError("start must be before end")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise RuleError(f"note must be text of at most {MAX_NOTE} characters")
    created = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Rule(id="r" + secrets.token_hex(6), match=match, query=" ".join(said), pin=pin,
                hide=hide, start=start, end=end, note=note.strip(), created=created)


@dataclass(frozen=True)
class Applied:
    """What the rules matching one query do: pins in order, hides, and which rules."""

    pinned: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()


NOTHING = Applied()


class RuleSet:
    """The rules, indexed by their exact query and by their first word."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules = tuple(rules)
        self._exact: dict[str, list[Rule]] = {}
        self._first: dict[str, list[Rule]] = {}
        self._place = {rule.id: n for n, rule in enumerate(self.rules)}
        for rule in self.rules:  # stored oldest first: lists keep that order
            if rule.match == "query":
                self._exact.setdefault(rule.query, []).append(rule)
            else:
                self._first.setdefault(rule.query.split()[0], []).append(rule)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, q: str, now: float) -> Applied:
        """Return what the rules in force at ``now`` do to the query ``q``."""
        if not self.rules or not q.strip():
            return NOTHING
        said = words(q)
        found = [r for r in self._exact.get(" ".join(said), ()) if r.active(now)]
        seen = {r.id for r in found}
        for i, word in enumerate(said):
            for rule in self._first.get(word, ()):
                held = rule.query.split()
                if rule.id not in seen and tuple(said[i:i + len(held)]) == tuple(held) \
                        and rule.active(now):
                    found.append(rule)
                    seen.add(rule.id)
        if not found:
            return NOTHING
        found.sort(key=lambda r: (r.match != "query", self._place[r.id]))
        hidden = tuple(dict.fromkeys(d for r in found for d in r.hide))
        gone = set(hidden)
        pinned = tuple(dict.fromkeys(d for r in found for d in r.pin if d not in gone))
        return Applied(pinned[:MAX_PINNED], hidden, tuple(found))
