"""Subjects: which words before a speech cue name who speaks.

The attribution reader (``attribution``) finds a cue ("said", "sagte", "a déclaré") and asks
here for its subject in the words before it:

    On Tuesday, Trump said …                     → "Trump"         (``subject``)
    Scott Pruitt, the attorney general, said …   → "Scott Pruitt, the attorney general"
    In a Bloomberg interview Trump declared …    → "Trump"
    Donald Trump is telling …                    → "Donald Trump"  (auxiliaries dropped)
    Dagegen meinte Anna Weber, „…“               → "Anna Weber"    (``inverted_subject``)
    The Republican nominee also … and vowed …    → "The Republican nominee" (``sentence_subject``)

Each returns the words as written, or None; ``speakers`` resolves them to a person.
"""
from __future__ import annotations

import re

from .roles import DETERMINERS, FUNCTION_WORDS, PRONOUN_GENDER

SAME_SUBJECT = {"and", "but", "then", "und", "aber", "dann", "et", "mais", "puis", "y"}
THAT = {"that", "dass", "que", "qu'", "qu’"}
RELATIVE = {"who", "whose", "which", "welche", "welcher", "worauf", "woraufhin", "qui", "dont", "quoi",
            "lequel", "laquelle"}
# Adverbials that open a German or French sentence before the cue and its subject.
_OPENERS = set("""dagegen dies dann weiter außerdem zudem jedoch angesichts gegenüber darüber
    dazu daraufhin später zuvor anschließend ebenso deshalb trotzdem demnach ainsi puis
    ensuite enfin pourtant""".split())
AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "will", "would", "also", "then",
               "been", "had", "hat", "hatte", "ist", "war", "wird", "a", "avait"}
_PREPOSITIONS = {"in", "at", "on", "during", "after", "before", "following", "from", "with",
                 "im", "am", "bei", "nach", "während", "dans", "lors", "après", "avant"}
_CLAUSE_MARK = re.compile(r"[;:—―–]|\.\s")  # what ends the clause before a subject
_NO_SUBJECT = re.compile(r"[.!?;:“”„«»\"]")
_ADVERBS = {"also", "then", "later", "further", "again", "once", "previously", "recently", "often",
            "still", "too", "instead", "auch", "aussi"}
_PARTICLES = {"de", "van", "von", "der", "da", "del", "di", "du", "la", "le", "bin", "al"}
MAX_SUBJECT = 12  # words of a subject without commas ("the former first lady and U.S. senator")


def subject(text: str) -> str | None:
    """Return the speaker part of the words before a cue, with an apposition if any."""
    text = _CLAUSE_MARK.split(text.strip())[-1].strip()
    parts = [p.strip(" ”“\"»«„") for p in text.split(",")]
    if parts[-1].split()[:1] in (["who"], ["qui"]) and len(parts) > 1:  # X, …, who in 2010 said
        parts.pop()
        while len(parts) > 1 and _apposition(parts[-1]):
            parts.pop()
        name = _name_at_end(parts[-1].split())
        return " ".join(name) if name else None
    if parts[-1]:  # On Tuesday, Trump said / In a statement, the group said
        return None if _NO_SUBJECT.search(parts[-1]) else _bare(parts[-1])
    parts.pop()
    if not parts:
        return None
    apposition = ""
    while len(parts) > 1 and _apposition(parts[-1]):
        apposition = parts.pop()  # Scott Pruitt, the attorney general of Oklahoma, …, said
    who = f"{parts[-1]}, {apposition}" if apposition else parts[-1]
    return None if not who or _NO_SUBJECT.search(who) else who


def _apposition(part: str) -> bool:
    """Return True for "the attorney general", "a Democrat", "Pyongyang's only ally"."""
    first = part.split()[0] if part.split() else ""
    return part[:1].islower() or first.lower() in {"the", "a", "an", "der", "die", "le", "la"} \
        or first.endswith(("'s", "’s"))


def _bare(part: str) -> str | None:
    """Drop auxiliaries and adverbs after a subject, and what stands before a name that
    ends a longer phrase ("In a Bloomberg interview Trump", "an explosion that Mayor X")."""
    words = part.split()
    while len(words) > 1 and (words[-1].lower() in AUXILIARIES or words[-1].lower() in _ADVERBS
                              or words[-1].islower() and words[-1].endswith("ly")):
        words.pop()  # "Donald Trump is (telling)", "Clinton had (mocked)", "Trump further"
    lowered = {w.lower() for w in words}
    if len(words) > 1 and words[-1].lower() in PRONOUN_GENDER and lowered & (RELATIVE | THAT):
        return words[-1]  # "To which she (said)", "the plan that he (called)"
    if len(words) > 2 and (words[0].lower() in _PREPOSITIONS or len(words) > MAX_SUBJECT
                           or lowered & RELATIVE or lowered & THAT):
        words = _name_at_end(words)
    if not words or len(words) > MAX_SUBJECT or RELATIVE & {w.lower() for w in words}:
        return None
    return " ".join(words)


def _name_at_end(words: list[str]) -> list[str]:
    """Return the capitalised name that ends ``words`` ("… that Mayor Bill de Blasio")."""
    run: list[str] = []
    for w in reversed(words):
        if w[:1].isupper() and w.lower() not in FUNCTION_WORDS:
            run.insert(0, w)
        elif run and w in _PARTICLES:
            run.insert(0, w)
        else:
            break
    while run and run[0] in _PARTICLES:
        run.pop(0)
    return run


def inverted_subject(head: list[str], rest: list[str]) -> tuple[str, list[str]] | None:
    """Return (subject, the words after it) when a German or French sentence puts the
    subject after the cue because an adverbial opens it ("Dagegen meinte X, dass …")."""
    first = head[0].lower().strip(",")
    if not rest or first in DETERMINERS or first in PRONOUN_GENDER or (
            first not in FUNCTION_WORDS and first not in _OPENERS):
        return None
    if not (rest[0][:1].isupper() or rest[0].lower() in DETERMINERS or rest[0].lower() in PRONOUN_GENDER):
        return None
    for j, word in enumerate(rest[:12]):
        if word[-1:] in ",:" or word.lower() in THAT:
            cut = j + 1 if word[-1:] in ",:" else j
            return " ".join(rest[:cut]).rstrip(",:"), rest[cut:]
    return None


def first_name_run(text: str) -> str | None:
    """Return the first capitalised name of a sentence (the subject a participle goes with)."""
    for part in text.split(","):
        words = part.split()
        if words and words[0].lower() in PRONOUN_GENDER:
            return words[0]  # "He then defended the remark, saying"
        while words and words[0].lower() in FUNCTION_WORDS:
            words = words[1:]
        run = []
        for w in words:
            if not w[:1].isupper():
                break
            run.append(w)
        if run and not run[-1].endswith(("’s", "'s")):  # "Packer’s first wife, Jodhi Meares"
            return " ".join(run)
    return None


def sentence_subject(text: str) -> str | None:
    """Return the subject that opens a sentence: its words up to the first verb-like word
    ("The Republican nominee also outlined …" → "The Republican nominee")."""
    for part in text.split(","):
        words = part.split()
        if not words:
            continue
        first = words[0].lower()
        if first in FUNCTION_WORDS and first not in DETERMINERS and first not in PRONOUN_GENDER \
                or first[:1].isdigit():
            continue  # "In August, …", "At a rally, …", "On July 6, 2015, …": not the subject
        named = words[0][:1].isupper() and first not in DETERMINERS  # "Jane Doe" or "The mayor"
        run = []
        for w in words[:8]:
            low = w.lower()
            if run and (low in AUXILIARIES or w.islower() and (
                    named or low.endswith(("ed", "ly")) or low in FUNCTION_WORDS and low != "of")):
                break
            run.append(w)
        return " ".join(run) if len(run) < 8 else None
    return None
