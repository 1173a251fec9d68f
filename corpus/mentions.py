"""Mentions of people in narration: name groups, roles said around them, and attributions.

The speaker resolver (``speakers``) reads an article through these helpers: ``name_groups``
yields each run of capitalised words with the text around it; ``role_near`` finds a role said
next to a name ("spokesman Nick Merrill", "Jane Doe, the mayor"); ``gender_hint`` reads a
gender from honorifics and gendered role words; ``trim_mention`` cuts an attribution down to
who it names ("but he" → "he", "the mayor also" → "the mayor"); ``is_description`` tells
"the premier" from a name.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from .roles import (CLAUSE_CUT, DETERMINERS, FEMALE_WORDS, FUNCTION_WORDS, HONORIFICS,
                    MALE_WORDS, is_role_word)

# A run of capitalised words, particles allowed between them ("Ursula von der Leyen").
# (The look-behind follows the first capital: a pattern that opens with a character class is
# scanned for it at C speed, one that opens with a look-behind is tried at every position.)
_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ](?<![\w'’\-].)[\w'’\-]*\.?(?:[ \t](?:(?:van|von|de|da|del|der|di|du|la"
                  r"|le|bin|al)[ \t])*[A-ZÀ-ÖØ-Þ][\w'’\-]*\.?)*")
_WORD = re.compile(r"\S+")
_CAPS = re.compile(r"[A-ZÀ-ÖØ-Þ]{2}")
_OWNED = ("'s", "’s")
_INITIAL = re.compile(r"^[A-Z]\.$")
POSSESSIVE = re.compile(r"[’']s$")
_AGED = re.compile(r"^\d{1,3}-year-old$")  # "the 23-year-old (said)"
_SPELLED = {"sen": "senator", "rep": "representative", "gov": "governor", "pres": "president",
            "gen": "general", "sec": "secretary", "atty": "attorney", "lt": "lieutenant"}
SAYS = re.compile(
    r"^(?:\s*,[^,]{1,150},)?\s+(?:also\s+|then\s+|later\s+)?(?:said|says|told|tells|added|"
    r"asked|explained|argued|warned|noted|insisted|wrote|writes|tweeted|stated|sagte|sagt|"
    r"erklärte|betonte|meinte|a déclaré|a dit|déclare|affirme|explique)\b")
_MOVING = re.compile(r"\s[a-z]+ing\s(?=(?:through|into|across|along|around|outside|near|past)\s)")
_PLACED = re.compile(r"\s(?:shared|posted|published|released|uploaded|aired|broadcast)(?:\s|$)")
_SAYS_STARTS = (" ", ",", "\t", "\n", "\xa0")  # what a SAYS match can start with
_NOT_SPEAKERS = {"who", "which", "that", "qui", "dont", "lequel", "der", "die", "welche"}
_OBJECTS = {"lui", "leur", "ihm", "him", "them"}  # "lui avait dit": said to someone
_LEADING = {"but", "and", "though", "although", "when", "while", "as", "so", "because", "if", "even",
            "after", "before", "since", "until",
            "aber", "und", "mais", "et", "quand"}
_TRAILING = {"also", "often", "further", "later", "then", "once", "too", "again", "just", "still",
             "already", "previously", "recently", "repeatedly", "auch", "aussi"}
_LINKS = {"and", "but", "or", "when", "while", "though", "although", "because", "if", "with",
          "by", "for", "to", "from", "in", "on", "at", "that", "which", "who", "as", "und",
          "mit", "et", "avec", "pour"}
_AUXILIARIES = {"was", "were", "is", "are", "be", "been", "has", "have", "had", "will", "would",
                "can", "could", "did", "does", "do", "also", "ist", "war", "wurde", "hat",
                "est", "était", "ont"}


def says_after(after: str) -> bool:
    """Return True if the text after a name goes on with a speech cue ("Melanie said")."""
    return after[:1] in _SAYS_STARTS and bool(SAYS.match(after))


def is_description(mention: str) -> bool:
    """Return True for "the premier", "a statement", "die Ministerin": role words, no name."""
    words = mention.split()
    if not 1 <= len(words) <= 6 or not (words[-1].isalpha() or _AGED.match(words[-1])):
        return False
    joined = words[0].lower() in DETERMINERS and is_role_word(words[-1])  # the lady and senator
    if any(w.lower() in _AUXILIARIES or w.lower() in _LINKS and not (joined and w in ("and", "und", "et"))
           for w in words):
        return False  # "liberal values were", "with a pattern": not who speaks
    return words[0].lower() in DETERMINERS or (words[-1].islower() and words[0].islower()) \
        or is_role_word(words[-1])


def role_nouns(role: str) -> set[str]:
    """Return the words of a role, abbreviations spelled out ("Sen." → "senator")."""
    words = {w.lower().strip(".,") for w in role.split()}
    return words | {_SPELLED[w] for w in words if w in _SPELLED}


def gender_hint(text: str) -> str:
    """Return "f", "m" or "" from the honorifics and gendered role words in ``text``."""
    split = text.split()
    if not split:
        return ""
    words = {w.lower().strip(".,") for w in split}
    if words & FEMALE_WORDS or any(len(w) > 6 and w.endswith("in") and w[:1].isupper()
                                   and is_role_word(w) for w in split):
        return "f"
    return "m" if words & MALE_WORDS else ""


def role_near(before: str, after: str) -> str:
    """Return a role said around a name: "spokesman Nick Merrill", "Nick Merrill, the mayor"."""
    words = before.split()[-3:]
    if words and is_role_word(words[-1]) and words[-1][:1].islower():
        return " ".join(w for w in words if w.lower() not in DETERMINERS)
    if after.startswith(","):
        app = after[1:].split(",")[0].split()[:6]
        if any(is_role_word(w) for w in app):
            return " ".join(w for w in app if w.lower() not in DETERMINERS)
    return ""


def name_groups(text: str) -> Iterator[tuple[str, str, str]]:
    """Yield (capitalised word group, text before it, text after it) for ``text``.

    >>> [g for g, _, _ in name_groups("But Mr. Clarke met Ursula von der Leyen. Then Trump's aide spoke.")]
    ['Mr. Clarke', 'Ursula von der Leyen', 'Trump']
    """
    for run in _RUN.finditer(text):
        w = run.group()
        if " " not in w and "\t" not in w:  # one word (most runs): the loop below, unrolled
            owned = w.endswith(_OWNED)
            if (w[:-2] if owned else w).lower() not in FUNCTION_WORDS:
                start, end = run.start(), run.end()
                if owned:
                    w = w[:-2]
                elif w[-1] == "." and not _INITIAL.match(w[-2:]):
                    w = w[:-1]
                yield w, text[max(0, start - 60):start], text[end:end + 200]
            continue
        if shouted(w):
            continue
        group: list[re.Match] = []
        for word in _WORD.finditer(run.group()):
            w = word.group()
            owned = w.endswith(_OWNED)
            if not group and (w[:-2] if owned else w).lower() in FUNCTION_WORDS and w != "New":
                continue  # "But", "The", "Monday": a sentence's first word, not a name
            group.append(word)
            ends = owned or (w[-1] == "." and not (len(w) == 2 and w[0].isupper())
                             and w.lower() not in HONORIFICS)
            if ends:
                yield _group(text, run.start(), group)
                group = []
        if group:
            yield _group(text, run.start(), group)


def shouted(words: str) -> bool:
    """Return True for a run of capitals such as a heading ("ALY RAISMAN FACES ABUSER")."""
    if not _CAPS.search(words):
        return False  # most runs: no two capitals in a row at all
    return sum(1 for w in words.split() if len(w) > 2 and w.isupper()) >= 2


def _group(text: str, base: int, words: list[re.Match]) -> tuple[str, str, str]:
    start, end = base + words[0].start(), base + words[-1].end()
    group = text[start:end]
    if group.endswith(_OWNED):
        group = group[:-2]
    elif group[-1] == "." and not _INITIAL.match(group[-2:]):
        group = group[:-1]
    return group, text[max(0, start - 60):start], text[end:end + 200]


def trim_mention(who: str) -> tuple[str, str] | None:
    """Return (the mention as written, the attribution with its apposition), or None.

    >>> trim_mention("but he"), trim_mention("the mayor also"), trim_mention("who")
    (('he', 'he'), ('the mayor', 'the mayor also'), None)
    """
    full = " ".join(who.split()).strip(" ,")
    mention = CLAUSE_CUT.split(f" {full} ", maxsplit=1)[0].strip() or full
    mention = _MOVING.split(mention, maxsplit=1)[0]  # "Protesters marching through the streets"
    mention = _PLACED.split(mention, maxsplit=1)[0]  # "a recording of X’s speech shared on Snapchat"
    words = mention.split()
    if len(words) == 1 and POSSESSIVE.search(words[0]):
        words = [words[0][:-2]]  # "He’s claiming": he
    while words and (words[0].lower() in _LEADING or len(words) > 1 and words[0].islower()
                     and words[0].endswith("ing")):
        words = words[1:]  # "but he said", "though she noted", "causing the actress (to say)"
        full = full.split(" ", 1)[-1]
    while len(words) > 1 and words[-1].islower() and (
            words[-1] in _TRAILING or words[-1].endswith("ly")):
        words = words[:-1]  # "the mayor also said", "my father often said"
    mention = " ".join(words)
    if not words or mention.lower() in _NOT_SPEAKERS or words[0].lower() in _OBJECTS:
        return None
    return mention, full
