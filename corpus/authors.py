"""Clean noisy author lists into names, and the bio sentences mixed into them into bios.

Crawlers such as newspaper3k split a byline box on commas, so one "author list" can hold the
real names, job titles, photo credits, months and the author's bio cut into pieces:

    ["Georgia Mars", "Georgia Mars Is A Digital Content Editor At New Idea Magazine. As A …",
     "Georgia Claims To Know Everything About Everyone", …]

The model: names come first; a bio starts at an entry that opens with a known name (or first
name) followed by more words, and runs until the next such entry. Entries that are neither a
plausible name nor part of a bio (credits, titles, dates) are dropped.

>>> clean_authors(["Georgia Mars", "Georgia Mars Is A Digital Editor. As A Celeb Expert",
...                "Georgia Claims To Know Everything"])
(['Georgia Mars'], {'Georgia Mars': 'Georgia Mars Is A Digital Editor. As A Celeb Expert, Georgia Claims To Know Everything'})
"""
from __future__ import annotations

import re

from .roles import first_name_gender

_NOT_NAME_WORDS = {
    "editor", "editors", "reporter", "writer", "staff", "news", "image", "images", "read",
    "min", "contributor", "correspondent", "wireimage", "shutterstock", "instagram", "getty",
    "twitter", "facebook", "press", "associated", "reuters", "afp", "ap", "agency", "team",
    "desk", "posted", "updated", "published", "by", "and", "view", "all", "posts", "photo",
    "photos", "video", "credit", "courtesy", "the", "of", "at", "for", "in", "on", "with",
    "royals", "celebrity", "entertainment", "digital", "weekend", "deputy", "assistant",
    "fellow", "senior", "associate", "producer", "columnist", "contributing", "guest",
    "pa", "gc", "rex", "splash", "bauer", "media", "com", "inc", "magazine", "daily",
    "online", "politics", "covering", "like", "is", "has", "was", "her", "his", "she", "he",
}
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec",
}
_ABBREVIATION = re.compile(r"^[A-Z][a-z]{0,2}\.$")  # an initial, Jr., St.
_PARTICLE = re.compile(r"^(?:van|von|de|da|dos|del|der|di|du|la|le|bin|al|ten)$")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’-]*|[A-Z][a-z]{0,2}\.|(?:van|von|de|da|dos|del|der|di|du|la|le|bin|al|ten))$")
_FOR_SUFFIX = re.compile(r"\s+(?:For|for)\s+(?:The\s+)?[A-Z].*$")
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|por|about)\s+", re.IGNORECASE)
# Bylines a CMS or a crawler fills in when there is no author: dropped, and reported.
_PLACEHOLDERS = re.compile(
    r"^(?:please enter your name here|enter your name|your name|trending story found|"
    r"author(?: email| url| archive| mana)?|past articles this author|admin|administrator|"
    r"guest|staff|unknown|anonymous|editor|editors|contributor|view all posts|"
    r"(?:[\w-]+ )?(?:editor|director|blogger|manager|editor-at-large)(?: [\w-]+)?)$",
    re.IGNORECASE)
# Role words a byline may carry after the name ("Jane Doe Staff Writer"): cut off.
_ROLE_TAIL = re.compile(
    r"(?:\s+(?:senior|staff|contributing|deputy|associate|assistant|digital|news|entertainment|"
    r"executive|managing|chief|political|royal|celebrity|lifestyle|beauty|content|"
    r"editorial|weekend|writer|editor|reporter|correspondent|contributor|columnist|"
    r"producer|intern|editor-at-large|director|blogger))+$", re.IGNORECASE)


def placeholder(entry: object) -> bool:
    """Return True for a byline that names no one ("Please Enter Your Name Here").

    >>> placeholder("Please Enter Your Name Here"), placeholder("Beauty Director")
    (True, True)
    >>> placeholder("Jane Doe"), placeholder("About Jane Doe")
    (False, False)
    """
    return isinstance(entry, str) and bool(_PLACEHOLDERS.match(" ".join(entry.split()).strip(" ,;")))


def is_name(entry: str) -> bool:
    """Return True if ``entry`` looks like a person's name: 2 to 5 capitalised words, or up
    to 7 when at most 3 of them are more than initials and particles such as "de".

    >>> is_name("Lars Løkke Rasmussen"), is_name("Strategy Editor"), is_name("May")
    (True, False, False)
    >>> is_name("Rayna St."), is_name("John Smith Jr."), is_name("He Said It.")
    (True, True, False)
    >>> is_name("João Miguel D. de A. Lima"), is_name("Allen J. Schaben Los Angeles Times")
    (True, False)
    """
    words = entry.split()
    main = [w for w in words if not (_ABBREVIATION.match(w) or _PARTICLE.match(w))]
    if not 2 <= len(words) <= (5 if len(main) > 3 else 7) or len(entry) > 60:
        return False
    if any(w.lower().strip(".,") in _NOT_NAME_WORDS | _MONTHS for w in words):
        return False
    if any(c.isdigit() or c in "@/:;!?()[]|" for c in entry):
        return False
    if entry.endswith(".") and not _ABBREVIATION.match(words[-1]):
        return False
    return all(_NAME_WORD.match(w) for w in words)


def _name_of(entry: str) -> str:
    """Return the name an entry gives: "By", "About" and role words after the name cut off
    ("About Jane Doe", "Jane Doe Staff Writer" → "Jane Doe")."""
    entry = " ".join(entry.split()).strip(" ,;")
    entry = _BYLINE_PREFIX.sub("", entry)
    short = _ROLE_TAIL.sub("", entry)
    if short != entry and is_name(short) and first_name_gender(short.split()[0]):
        entry = short  # not "National Security (Reporter)"
    # "Erin Doyle For Daily Mail Australia": a byline with its outlet, not a bio fragment.
    return _FOR_SUFFIX.sub("", entry) if len(entry.split()) <= 7 else entry


def clean_authors(raw: object) -> tuple[list[str], dict[str, str]]:
    """Return (author names, {name: bio text}) from a raw author field (list or string)."""
    if isinstance(raw, str):
        raw = re.split(r"\s*(?:,|;|\band\b|\bund\b|\bet\b|\by\b|&)\s*", raw)
    if not isinstance(raw, list):
        return [], {}
    names: list[str] = []
    bios: dict[str, list[str]] = {}
    current: str | None = None
    for item in raw:
        if not isinstance(item, str) or not item.strip():
            continue
        entry = " ".join(item.split())
        if placeholder(entry):
            continue
        owner = _bio_owner(entry, names)
        if owner:
            current = owner
            bios.setdefault(owner, []).append(entry)
            continue
        name = _name_of(entry)
        if current is None and is_name(name):
            if name not in names:
                names.append(name)
        elif current is not None and not (is_name(name) and name in names):
            bios[current].append(entry)
    return names, {n: ", ".join(parts) for n, parts in bios.items()}


def _bio_owner(entry: str, names: list[str]) -> str | None:
    """Return the known name whose bio ``entry`` starts, if it starts one."""
    words = entry.split()
    for name in names:
        parts = name.split()
        for prefix in (parts, parts[:1]):
            n = len(prefix)
            if len(words) >= n + 2 and [w.lower() for w in words[:n]] == [p.lower() for p in prefix]:
                return name
    return None
