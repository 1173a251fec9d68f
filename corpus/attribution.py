"""Attributions: who a quoted span's sentence says is speaking, read from the words around it.

``attribution(before, after, span)`` looks after the span first (“…,” said X / “…,” X said /
“…” ― X / « … », a-t-elle déclaré / „…“, so X), then before it in the same sentence (X said:
“…” / X told CBS, “…” / Dagegen meinte X, „…“ / According to X, …). When the span sits inside
what the cue introduces ("Sanders said the tax breaks “do nothing …”"), the quote's text is
the whole clause. It returns the words that name the speaker, as written; ``speakers``
resolves them. A sentence before a span may hold several cues ("In a message posted Friday,
Cruz said …"): ``candidates`` yields each one's attribution in turn, and the caller keeps the
first that resolves to someone. The subject of a cue is found by ``subjects``. A span that
opens a sentence takes no cue from before it, only the speaker of an attributed sentence
there ("…, Schiff said. “The other factor …”"). The text it reads has its abbreviation
periods masked (see ``quotes``).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .roles import FUNCTION_WORDS, PRONOUN_GENDER
from .subjects import (AUXILIARIES, RELATIVE, SAME_SUBJECT, THAT, first_name_run, inverted_subject,
                       sentence_subject, subject)

MAX_CLAUSE_WORDS = 25  # words between a cue and a span quoted inside what was said
MAX_SUBJECT_WORDS = 30  # "Scott Pruitt, the Republican attorney general of Oklahoma, …, said"
_ENGLISH = set("""
    said says say told tells added adds adding asked asks explained explains stated states
    noted notes wrote writes replied replies warned warns insisted insists argued argues
    continued declared announced recalled recalls admitted tweeted tweets posted claimed
    claims observed concluded remarked answered stressed reports reported acknowledged
    conceded responded countered complained suggested predicted promised vowed urged joked
    quipped boasted charged contended emphasized cautioned testified agreed saying noting
    arguing asking writing telling insisting warning explaining declaring claiming stressing
    tweeting calling
    called calls described describes condemned criticized dismissed likened denounced
    praised accused slammed blasted mocked reads read ruled
    yelled yells shouted shouts chanted chanting screamed branded dubbed labeled labelled
    hailed lauded exhorted cited pledged proclaimed demanded touted characterized blamed
    asserted asserts attacked referenced
    continues captioned captions reveals revealed reiterated reiterates begged tell
""".split())
VERBS = _ENGLISH | set("""
    sagte sagt erklärte erklärt betonte betont meinte meint schrieb schreibt warnte warnt
    ergänzte kritisierte fragte sagten erklärten bezeichnete bezeichnet nannte nennt lobte
    forderte fordert versprach
    qualifie juge dénonce salue critique promet annonce demande répond
    déclare affirme explique ajoute souligne estime indique précise assure confie raconte
    insiste prévient rappelle lance dit
    dijo afirmó explicó declaró añadió aseguró señaló indicó comentó subrayó advirtió dice
    afirma explica asegura señala
""".split())
VERB_PAIRS = {("fügte", "hinzu"), ("according", "to"), ("teilte", "mit"), ("in", "a")} | {
    (aux, v) for aux in ("a", "ont") for v in (
        "déclaré", "dit", "affirmé", "expliqué", "ajouté", "souligné", "estimé", "indiqué",
        "précisé", "assuré", "confié", "raconté", "insisté", "prévenu", "rappelé", "lancé",
        "qualifié", "jugé", "dénoncé", "salué", "critiqué", "promis", "annoncé", "demandé",
        "répondu")}
_FIRSTS = frozenset(VERBS | {first for first, _ in VERB_PAIRS})  # words a cue can start with
PARTICIPLES = {"saying", "adding", "arguing", "noting", "asking", "writing", "telling",
               "insisting", "warning", "explaining", "declaring", "claiming", "stressing",
               "tweeting", "calling", "chanting"}
# Participles whose clause is what was said, however long: "saying anybody who complains …"
_REPORTING = {"saying", "adding", "arguing", "noting", "insisting", "warning", "explaining",
              "declaring", "claiming", "stressing"}
# “…” for criminal behavior, she said. / “…” is held accountable, Warren said.
_SAID_LAST = re.compile(r",\s+(?P<who>[^,;:“”\"]{1,60}?)\s+(?P<cue>[a-zäöüéè]+)\s*[.!?]?\s*$")
_SUBJECT_PRONOUNS = {"he", "she", "they"}  # right before a cue, its subject whatever comes first
_WINDOW = 600  # characters around a span where its attribution may stand
PREPOSED = {"so", "selon", "laut", "según"}  # „…“, so Müller / selon le maire
# Any cue word at all: a quick test before the word-by-word reading.
_CUE_WORDS = frozenset(VERBS | {w for pair in VERB_PAIRS for w in pair} | PREPOSED
                       | {"statement", "il", "elle"}) - {"a", "ont", "in", "to", "mit", "hinzu"}
# ... and as split from text: "said," "said." "said:" count too.
_CUE_TOKENS = frozenset(w + p for w in _CUE_WORDS for p in ("", ",", ".", ":", ";", "”", '"'))


def has_cue(text: str) -> bool:
    """Return True if ``text`` holds any speech cue word (a quick test before reading it)."""
    return not _CUE_TOKENS.isdisjoint(text.lower().split())


_INVERTED = re.compile(r"^(?:a|ont|\w+e)-t-(?P<p>il|elle|ils|elles)$|^\w+-(?P<q>il|elle)$")
_WHO_PREFIX = re.compile(r"^[^.!?;:“”„«»\"]{1,200}")
# “…” ― Sonya Herridge / “…” – Trump warned. / “…” ― Jorge Falcon “…” (reader comments, run on)
_DASH = re.compile(r"^[―—–]\s*(?P<who>[A-ZÀ-ÖØ-Þ][^.!?;:“”„«»\"―—–]{1,80}?)\s*(?:[.,]|$|(?=[“„«\"]))")
INDIRECT = re.compile(
    r"\b(?:[Aa]ccording to|[Ss]elon|[Ss]egún|[Ll]aut)\s+(?P<who>[^.!?;:“”„«»\"]{1,160}?)\s*,")
# “…” at more than 2,000 schools, according to the event organizer. (the sentence is the quote)
_ACCORDING_LAST = re.compile(r",\s+according to\s+(?P<who>[^,;:“”„«»\"]{1,120}?)\s*[.!?]?\s*$")
# “…,” as a Homeland Security memo put it. / as The New Yorker put it in an expose, “…”
_PUT_IT = re.compile(r"\bas\s+(?P<who>[^,;:“”\"]{2,80}?)\s+(?:put|puts|has put|had put)\s+it\b"
                     r"(?P<rest>[^,;:“”\"]{0,60})")
# A speech noun's clause: Donald Trump’s claim that there have been “thousands of shootings” …
_NOUN_CLAUSE = re.compile(
    r"(?:^|\s)(?P<who>(?:[A-Z][\w\ue000-]*\s+){0,3}[A-Z][\w\ue000-]*)[’']s\s+(?:[a-z]+\s+){0,2}"
    r"(?:claim|statement|assertion|prediction|promise|warning|insistence|argument|emphasis|"
    r"suggestion|contention|comment|remark|accusation|allegation|boast|vow|pledge)s?\s+that\s+"
    r"(?P<rest>[^“”\"]*)$")
# Read on masked text (see quotes._ABBREVIATION), so "Mr. Podesta" ends no sentence.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ“„«»\"])")

@dataclass(slots=True)
class Attribution:
    who: str | None = None
    consumed: int = 0  # characters after the span that the attribution used
    text: str | None = None  # the quote's text when it is more than the span (partly quoted)



def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,")


def _cue_len(words: list[str], i: int) -> int:
    """Return how many words at ``words[i]`` form a speech cue (0, 1 or 2)."""
    word = words[i].lower().strip(",.;:")
    if word not in _FIRSTS:
        if "-" not in word:
            return 0  # most words: no cue at all
        word = word.removesuffix("-t-il").removesuffix("-t-elle").removesuffix("-il") \
            .removesuffix("-elle")
    if i + 1 < len(words):
        pair = (word, words[i + 1].lower().strip(",.;:"))
        if pair in VERB_PAIRS and (pair != ("in", "a") or words[i + 2:i + 3] == ["statement"]):
            return 2
    return 1 if word in VERBS else 0


def attribution(before: str, after: str, span: str) -> Attribution:
    """Return who an attribution names for one quoted span, looking after it, then before."""
    sentence = SENTENCE_END.split(after[:_WINDOW], maxsplit=1)[0]
    according = _ACCORDING_LAST.search(sentence) if "ccording to" in sentence else None
    if according and not has_cue(sentence[:according.start()]):  # not “…,” Holmes said, according to
        opening = SENTENCE_END.split(before[-_WINDOW:])[-1]  # the whole sentence is the quote
        return Attribution(according["who"], len(sentence),
                           _clean(opening + span + sentence[:according.start()]))
    head = sentence.lstrip(" ,")
    skipped = len(sentence) - len(head)
    put = _PUT_IT.match(head) if head.startswith("as ") else None
    if put:
        return Attribution(put["who"], skipped + put.end("who"))
    dash = _DASH.match(head)
    if dash:
        who = dash.group("who").split()
        if len(who) > 1 and who[-1].lower() in VERBS:
            who = who[:-1]  # “…” – Trump warned.
        return Attribution(" ".join(who), skipped + dash.end())
    words = head.split(" ")[: MAX_SUBJECT_WORDS + 2]
    # “…,” X said / “…?” he asked; after “… .” a new sentence begins.
    open_end = span[:-1].rstrip(" '’‘\"")[-1:] in (",", "?", "!", "—", "-") or \
        after.lstrip()[:1] in (",", "—", "―")
    # “…” said X / « … » a déclaré X: a lowercase cue goes on the quote's sentence anyway.
    verb_first = words[0][:1].islower() if words and words[0] else False
    if words and words[0] and (open_end or verb_first) and has_cue(head):
        inverted = _INVERTED.match(words[0].strip(",.;"))
        if inverted:  # « … », a-t-elle déclaré.
            n = 2 if len(words) > 1 and words[0].startswith(("a-", "ont-")) else 1
            end = skipped + len(" ".join(words[:n]))
            return Attribution(inverted.group("p") or inverted.group("q"), end)
        n = 0 if words[0].endswith("ing") else (
            _cue_len(words, 0) or (1 if words[0].lower() in PREPOSED else 0))
        if n:  # “…,” said X.
            if len(words) > n and words[n - 1][-1:] not in ",;" and words[n][:1] != "“":
                rest = head.split(" ", n)[n]
                m = _WHO_PREFIX.match(rest)
                if m and rest.split(" ", 1)[0].lower() not in SAME_SUBJECT:  # „…“, nannte aber …
                    return Attribution(m.group(), skipped + len(head) - len(rest) + m.end())
        for i in range(1, min(len(words), MAX_SUBJECT_WORDS + 1) if open_end else 0):
            n = _cue_len(words, i)
            if n:  # “…,” X said.
                who = " ".join(words[:i]).rstrip(",")
                clause = words[0].lower() in SAME_SUBJECT and not (
                    words[1][:1].isupper() or words[1].lower() in PRONOUN_GENDER)
                if _WHO_PREFIX.fullmatch(who) and (i <= 10 or "," in who) and not clause:
                    return Attribution(who, skipped + len(" ".join(words[: i + n])))
                break
    said_last = _SAID_LAST.search(sentence) if not open_end else None
    if said_last and said_last.group("cue").lower() in VERBS and _WHO_PREFIX.fullmatch(
            said_last.group("who")):  # “…” for criminal behavior, she said.
        text = _clean(span + sentence[:said_last.start()])
        return Attribution(said_last.group("who"), len(sentence), text)
    return _before(before, span)


def _before(before: str, span: str) -> Attribution:
    """Return the attribution in the sentence before a span: "X said: “…”" and its kin."""
    return next(candidates(before, span), Attribution())


def candidates(before: str, span: str) -> Iterator[Attribution]:
    """Yield the attributions the sentence before a span could make, the likeliest first
    (a sentence may hold several cues: "In a message posted Friday, Cruz said …")."""
    if before.rstrip()[-1:] in (".", "!", "?"):
        # The span opens a sentence: the sentence before may name who goes on speaking
        # ("…, Schiff said. “The other factor …”"), never what the span says.
        prev = before.rstrip()[:-1]
        last = SENTENCE_END.split(prev[-_WINDOW:])[-1].rsplit(",", 1)
        if len(last) == 2 and len(last[1].split()) <= 8:  # "…, sagte Tom Berg." / "…, he said."
            who = attribution("", "," + last[1], "“…,”").who
            if who:
                yield Attribution(who)
                return
        if prev.strip():
            yield from (Attribution(att.who) for att in candidates(prev, span))
        return
    tail = SENTENCE_END.split(before[-_WINDOW:])[-1]
    noun = _NOUN_CLAUSE.search(tail) if "that" in tail and ("’s " in tail or "'s " in tail) else None
    if noun and len(noun["rest"].split()) <= MAX_CLAUSE_WORDS:
        yield Attribution(noun["who"], 0, _clean(noun["rest"] + span))
        return
    put = _PUT_IT.search(tail) if " put it" in tail else None
    if put and tail[put.end():].strip() in ("", ",") and tail.rstrip().endswith(","):
        yield Attribution(put["who"])  # as The New Yorker put it in a lengthy expose, “…”
        return
    if not has_cue(tail):
        if tail.rstrip().endswith(":"):  # Sen. Claire McCaskill scolded him: “…”
            who = sentence_subject(tail.rstrip()[:-1])
            if who and not who.endswith(("’s", "'s")):  # not a label: "Brad’s series of upgrades:"
                yield Attribution(who)
        return  # most spans: titles and scare quotes in narration
    indirect = INDIRECT.match(tail.strip())
    if indirect:  # According to X, the developers engaged in a “massive … scheme”
        rest = tail.strip()[indirect.end():]
        yield Attribution(indirect.group("who"), 0, _clean(rest + span))
        return
    every = tail.split()
    words = every[-MAX_SUBJECT_WORDS:]
    for k in range(len(words)):
        n = _cue_len(words, k)
        if not n or words[k].lower() == "in":  # "in a statement, X said"
            continue
        att = _at_cue(words[:k], every[:len(every) - len(words) + k], words[k], words[k + n:], span)
        if att is not None:
            yield att


def _name_before(pre: list[str]) -> str | None:
    """Return the capitalised name that ends ``pre`` with no comma after it, if any."""
    run: list[str] = []
    for word in reversed(pre):
        if not word[:1].isupper() or word[-1:] in ",;:" or word.lower() in FUNCTION_WORDS:
            break
        run.insert(0, word)
    return " ".join(run) if run and not run[-1].endswith(("’s", "'s")) else None


def _at_cue(pre: list[str], sentence: list[str], cue: str, between: list[str],
            span: str) -> Attribution | None:
    """Return the attribution a cue before a span makes, or None to try the next cue."""
    low = cue.lower().strip(",.;:")
    if len(between) > 1 and between[-1][-1:] in ",:" and _cue_len(between, len(between) - 1):
        return None  # When a user asked if …, Mackenzie said, “…”: the later cue's
    if not pre and not (low in PARTICIPLES and cue[:1].islower()):  # Said Ellis: “…”
        if cue[:1].isupper() and low in _ENGLISH and 1 <= len(between) <= 6 \
                and between[-1][-1:] in ",:":
            return Attribution(" ".join(between).rstrip(",:"))
        return None
    progressive = bool(pre) and low.endswith("ing") and pre[-1].lower() in AUXILIARIES
    if low in PARTICIPLES and not progressive:  # Trump attacked Clinton, saying, “…”
        text = " ".join(sentence)
        named = _name_before(pre)  # "footage of Hillary Clinton asking, “…”": her asking
        who = named or first_name_run(text) or sentence_subject(text)
        if len(between) > (MAX_CLAUSE_WORDS if low in _REPORTING else 5) and \
                between[0].lower() not in THAT:
            return None
        if not between or between[-1][-1:] in ",:":
            return Attribution(who) if who else None
        # "“…,” Chaffetz said in a statement, adding that …": no subject of its own, the
        # quote's before it (who None: the caller continues the current speaker)
        return Attribution(who, 0, _clean(" ".join(between[1:] if between[0].lower()
                                                   in THAT else between) + " " + span))
    while len(pre) > 1 and pre[-1].islower() and pre[-1].endswith("ly"):
        pre = pre[:-1]  # "and repeatedly says"
    inverted = None if low in _ENGLISH else inverted_subject(pre, between)
    if inverted:  # Dagegen meinte Steve Hanke, dass … / Dies erklärte Rumsfeld: „…“
        who, between = inverted
    elif pre[-1].lower() in SAME_SUBJECT:  # The nominee outlined his plan and vowed to …
        who = sentence_subject(" ".join(sentence[:-1]))
    elif pre[-1].lower() in _SUBJECT_PRONOUNS:  # A few days ago in an interview … he blasted
        who = pre[-1]
    else:
        who = subject(" ".join(pre))
    if who is None:
        return None
    if not between or (len(between) <= 5 and between[-1][-1:] in ",:"):
        return Attribution(who)  # Jane Doe told CBS: “…”
    that = next((j for j, w in enumerate(between[:12]) if w.lower() in THAT), -1)
    between = between[that + 1:]  # told a young protégé on a regular basis that “…”
    if not between:
        return Attribution(who)
    quoting = that == 0 and between[-1][-1:] == ","  # added that …, which …, because, “…”
    if len(between) > MAX_CLAUSE_WORDS or not quoting and RELATIVE & {w.lower() for w in between}:
        return None  # the span sits deep in a clause of its own: not this cue's (a man who
        # was charged with “…”), unless it is a whole quotation the clause leads to
    return Attribution(who, 0, _clean(" ".join(between) + " " + span))
