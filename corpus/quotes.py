"""Attributed quotations: find quoted spans in paragraphs and who said them.

The model: a paragraph holds quoted spans (“…”, „…“, »…«, « … », "…"). A span is a quote when
an attribution stands next to it, in one of the forms newsrooms use in English, German, French
and Spanish:

    “…,” said Danish Prime Minister Lars Løkke Rasmussen.      (cue, then speaker)
    “…,” Harry Kazianis, director of defense studies, said.   (speaker, then cue)
    “…” ― Sonya Herridge                                       (a dash and a name)
    Jane Doe told CBS: “…”                                     (speaker and cue before)
    Sanders said the tax breaks “do nothing for the economy.”  (partly quoted: the whole clause)
    According to Jane Doe, the budget …                        (indirect: the sentence)
    „…“, sagte Müller. / „…“, so die Ministerin. / « … », a-t-elle déclaré. / selon X

A span with no attribution of its own keeps the speaker of the quote just before it in the same
paragraph, or of the previous paragraph when it opens its paragraph (a quotation running on);
a quotation over several paragraphs (an opening mark left open, the next paragraph opening
again) is one quote. Who the attribution names is resolved in the article by ``Cast``
(pronouns, descriptions, surnames), and each quote keeps the mention as written.

>>> [(q.speaker, q.role) for q in find_quotes(['“We will act now,” said Mayor Jane Doe.'])]
[('Jane Doe', 'Mayor')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .attribution import (INDIRECT, SENTENCE_END, VERBS, Attribution, attribution, candidates,
                          has_cue)
from .descriptions import UNNAMED
from .quotemarks import (GAP, MARKS, QUOTE, TAG, TURN, clean, join_open_quotes, mask, transcript,
                         unmask, unnest)
from .roles import split_speaker  # noqa: F401  (re-exported: the split is part of this API)
from .speakers import Cast, Resolved
from .subjects import SAME_SUBJECT

MIN_WORDS = 3  # shorter spans are scare quotes or titles, not quotations
_TITLE_AFTER = {"on", "in", "of", "at", "from", "im", "bei", "dans", "sur", "de"}
# Where a partly quoted clause ends: a sentence's end, a closing mark included (“… all.” She …).
_CLAUSE_END = re.compile(r"(?<=[.!?])(?P<q>[”\"»“]?)\s+(?=[A-ZÀ-ÖØ-Þ“„«»\"])")
MAX_REST = 400  # characters of a partly quoted clause read after its last quoted span
JOINER = " … "  # between the spans of one attribution: “A,” she said. “B.” → "A … B."
_INDIRECT_CUE = re.compile(r"ccording to|[Ss]elon|[Ss]egún|[Ll]aut|Nach Angaben")
_LAUT = re.compile(r"(?:Laut|Nach Angaben von)\s+(?P<who>(?:[A-ZÄÖÜ][\w.-]*\s+){1,4})(?=[a-zäöüß])")


@dataclass(slots=True)
class FoundQuote:
    """A quotation found in text: the words, who said them, their role, the mention."""

    text: str
    speaker: str
    role: str
    mention: str = ""


def find_quotes(paragraphs: list[str]) -> list[FoundQuote]:
    """Return the attributed quotations in ``paragraphs``, in reading order."""
    cast = Cast()
    found: list[FoundQuote] = []
    # The speaker a paragraph opening with a quote continues (or the narration before it,
    # which may report who speaks next: resolved only if needed, ``_reported``).
    carry: Resolved | str | None = None
    labels = transcript(paragraphs)
    for text in join_open_quotes(paragraphs):
        cast.paragraph()
        if labels and text[1:2].isupper() and (turn := TURN.match(text)) and turn["who"] in labels:
            carry = _turn(text[turn.end():], cast.turn(turn["who"], labels[turn["who"]]), cast, found)
            continue
        if not any(mark in text for mark in MARKS) and not text.rstrip().endswith(":") and \
                not _indirect_cue(text):
            cast.read(text)  # most paragraphs: narration, only read for names
            carry = text
            continue
        if text.startswith("”"):  # some sites open with the closing mark: ”Fear. …”
            text = "“" + text[1:]
        para = mask(text)
        if "(" in para:
            para = TAG.sub(lambda m: GAP * len(m.group()), para)
        para = unnest(para)
        spans = list(QUOTE.finditer(para))
        if not spans:
            _indirect(para, cast, found)
            cast.read(text)
            # "He said:" closing a paragraph introduces the quote paragraph that follows.
            carry = _introduced(para, cast) if para.rstrip().endswith(":") else None
            continue
        carry = _quotes_of(text, para, spans, cast, carry, found)
    for q in found:  # one person, one speaker: the fullest name the article gives
        q.speaker = cast.canonical(q.speaker)
    return found


def _turn(said: str, res: Resolved, cast: Cast, found: list[FoundQuote]) -> Resolved:
    """Add a transcript's turn ("PENCE: Well, look, …") as a quote of its speaker."""
    said = clean(said.rstrip().rstrip('"”'))
    if len(said.split()) >= MIN_WORDS:
        found.append(FoundQuote(said, res.speaker, res.role, res.mention))
    cast.read(said)
    return res


def _quotes_of(text: str, para: str, spans: list[re.Match], cast: Cast,
               carry: Resolved | str | None, found: list[FoundQuote]) -> Resolved | None:
    """Add the quotes of one paragraph to ``found``; return its last speaker."""
    cursor = 0
    current: Resolved | None = None
    merge = False  # the last quote found is this paragraph's, with the current speaker
    for i, m in enumerate(spans):
        if m.start() < cursor:
            continue  # inside the clause the quote before took in whole
        raw = text[m.start(m.lastgroup):m.end(m.lastgroup)]
        inner = clean(raw)
        nxt = spans[i + 1].start() if i + 1 < len(spans) else len(para)
        before = para[cursor:m.start()]
        cast.read(unmask(before))
        if _titled(raw.strip(), before, para[m.end():nxt]):  # on CBS’s “Face the Nation,” Ryan said
            continue
        att = attribution(before, para[m.end():nxt], m.group())
        cursor = m.end() + att.consumed
        res = cast.resolve(unmask(att.who)) if att.who is not None else None
        if att.who is not None and res is None:  # “…,” adding that …: look before instead
            for att in candidates(before, m.group()):
                res = cast.resolve(unmask(att.who or ""))
                if res is not None:
                    break
            else:
                att = Attribution()
        opens = not before.strip() or before.rstrip()[-1:] in (".", "!", "?")
        if isinstance(carry, str) and (att.who is None or res is None and opens):
            carry = _reported(mask(carry), cast) if i == 0 and not before.strip() else None
        continued = (att.who is None or res is None and opens) and (current is not None or (
            i == 0 and carry is not None and not before.strip()))
        if continued:  # “…,” she said. “…” / a quote paragraph after an attributed one
            res = current or carry
        if res is None:
            merge = False
            continue
        if att.who and not att.text and not att.consumed and len(inner.split()) < MIN_WORDS:
            att.text = m.group()  # claimed “Trump exaggerates” the level of …: the clause
        said = unmask(att.text) if att.text else inner
        if att.text and not att.consumed:  # said the tax breaks “do nothing” for anyone
            end = _sentence_end(para, m.end(), spans[i + 1:])
            said = clean(f"{said} {unmask(para[m.end():end])}")
            cursor = max(cursor, end)
        if continued and merge and current is res:
            found[-1].text = f"{found[-1].text}{JOINER}{said}"  # one attribution, several spans
        elif len(inner.split()) >= (1 if att.text else MIN_WORDS) and len(said.split()) >= MIN_WORDS:
            found.append(FoundQuote(said, res.speaker, res.role, res.mention))
            merge = True
        current = res
    cast.read(unmask(para[cursor:]))
    return current


def _sentence_end(para: str, start: int, later: list[re.Match]) -> int:
    """Return where the clause that goes on at ``start`` ends: the sentence's end, or before
    a later span that a cue of its own introduces ("…,” but Jane Doe said “…”)."""
    if para[start - 2:start - 1] in (".", "!", "?"):
        return start  # the span closed its sentence: “… to mock.”
    stop = _CLAUSE_END.search(para, start, start + MAX_REST)
    end = stop.end("q") if stop else min(len(para), start + MAX_REST)
    for m in later:
        if m.start() >= end:
            break
        if _new_subject(para[start:m.start()]):
            comma = para.find(",", start, m.start())
            return comma if comma >= 0 else start  # “…” and Tom Berg said “…”
        start = m.end()
    return end


def _new_subject(text: str) -> bool:
    """Return True if a cue in ``text`` has a subject of its own ("and Tom Berg said"), not
    the sentence's ("and said", "and called for")."""
    if not has_cue(text):
        return False
    words = text.lower().split()
    for k, word in enumerate(words):
        if word.strip(",.;:") in VERBS:
            return k > 0 and words[k - 1].strip(",") not in SAME_SUBJECT
    return False


def _titled(inner: str, before: str, after: str) -> bool:
    """Return True for a title after a preposition: on “Face the Nation”, in „Die Zeit“ (not
    “Happiness is H•O•M•E,” she captioned: a comma, then a cue)."""
    words = inner.rstrip(",").split()
    if len(words) < 2 or inner[-1:] in ".!?" or not all(
            w[:1].isupper() for w in words if len(w) > 3):
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    if len(words) <= 4 and caps >= 2 and caps >= len(words) - 1 and not has_cue(before[-80:]) \
            and not (inner[-1:] == "," and has_cue(after[:40])):
        return True  # “On the Loose”, “Slow Hands”: a song, a film, a show
    near = {w.lower() for w in before.split()[-3:]}
    return bool(near & _TITLE_AFTER) or any(w.endswith(("'s", "’s")) for w in near)


def _reported(para: str, cast: Cast) -> Resolved | None:
    """Return who the last sentence of a narration paragraph reports speaking ("sources tell
    RadarOnline.com … sparks are flying!"), whom a quote paragraph right after goes on quoting."""
    if not para.rstrip().endswith((".", "!")) or not has_cue(para[-300:]):
        return None
    att = next(candidates(para, "“”"), None)
    return cast.resolve(unmask(att.who)) if att is not None and att.who else None


def _introduced(para: str, cast: Cast) -> Resolved | None:
    """Return who a paragraph ending in a colon introduces: "He said:", and with no speech
    verb, its sentence's subject ("Sanders made the following comment:")."""
    att = attribution(para.rstrip()[:-1] + ", ", "", "“”")
    if att.who is None:
        att = next(candidates(para.rstrip(), "“”"), att)
    return cast.resolve(unmask(att.who)) if att.who is not None else None


def _indirect_cue(text: str) -> bool:
    return ("ccording to" in text or "elon" in text or "aut" in text or "egún" in text
            or "Nach Angaben" in text) and bool(_INDIRECT_CUE.search(text))


def _indirect(para: str, cast: Cast, found: list[FoundQuote]) -> None:
    """Add "according to X, …" sentences of ``para`` as quotations of X."""
    if not _indirect_cue(para):
        return
    for sentence in SENTENCE_END.split(para):
        m = _LAUT.match(sentence) or INDIRECT.search(sentence)
        if not m or len(sentence.split()) < MIN_WORDS + 2:
            continue
        res = cast.resolve(unmask(m.group("who")))
        if res and (res.speaker[:1].isupper() or res.speaker == UNNAMED):
            found.append(FoundQuote(clean(unmask(sentence)), res.speaker, res.role, res.mention))
