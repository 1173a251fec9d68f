"""A question asking what happened wants an event: among its first results, a page whose title
names one scores higher than the pages of its tier that do not.

"what happened to demi lovato", "que se passe-t-il au Mali", "was ist mit Notre-Dame passiert":
the verb that frames the question is not searched (``language.QUESTION_FRAMES``), which leaves
the name alone, and every page about the person or the place ranks alike; a page of plastic
surgery photos ranked above the overdose. Question answering calls this the answer type: "what
happened" is answered by an event (a death, an arrest, a robbery, a divorce, a fire), as "who"
is by a person. ``EVENTS`` holds the words that name one, in the languages the service reads
(whole words, or beginnings: "overdos*" for overdose, overdosed), folded; a title or dek holding
one multiplies the page's score by ``1 + WEIGHT`` in the rescoring window (``exactness``),
where tiers still rank first.
"""
from __future__ import annotations

import re

from index.analysis import fold

# as a word held as typed (``exactness.WEIGHT``); 0.2 to 1.0 rank the reader set alike, but
# for fd-q07, which 0.5 and more lower (docs/benchmarks.md, issue 22 part 13)
WEIGHT = 0.2

# whole words, or the beginning of words when ending in "*" (folded: no accents)
EVENTS = {
    "en": ("death", "dead", "dies", "died", "dying", "killed", "killing", "murder*", "suicide",
           "overdos*", "relapse*", "rehab", "hospital*", "injur*", "accident*", "crash*", "fire",
           "fires", "blaze", "explosion*", "blast", "bomb*", "shooting*", "shot", "gunman",
           "attack*", "massacre", "robbed", "robbery", "robberies", "stolen", "theft", "heist",
           "arrest*", "charged", "charges", "indict*", "trial", "sentenc*", "convict*", "jail*",
           "prison", "lawsuit*", "sued", "scandal*", "allegation*", "accus*", "assault*",
           "abuse*", "harass*", "rape*", "fired", "firing", "ousted", "expelled", "resign*",
           "quits", "banned", "suspend*", "divorce*", "split", "splits", "breakup*", "custody",
           "collapse*", "earthquake*", "flood*", "hurricane*", "riot*", "protest*", "coup",
           "bankrupt*", "evacuat*"),
    "de": ("tod", "tot", "tote", "toten", "stirbt", "starb", "gestorben", "getotet", "mord*",
           "selbstmord", "unfall", "absturz", "abgesturzt", "brand", "feuer", "explosion",
           "anschlag*", "angriff*", "schusse*", "erschossen", "festnahme", "festgenommen",
           "verhaftet", "prozess", "urteil", "verurteilt", "haft", "skandal*", "affare",
           "vorwurf*", "vorwurfe", "rucktritt*", "zuruckgetreten", "entlassen", "gesturzt",
           "scheidung", "trennung", "hochwasser", "uberschwemmung*", "erdbeben", "sturm",
           "krawall*", "protest*", "putsch*", "krieg", "pleite", "insolvenz", "evakuier*"),
    "fr": ("mort", "morts", "meurt", "deces", "decede*", "tue", "tues", "tuee", "tuees",
           "tuerie*", "meurtre*", "assassin*", "suicide", "accident*", "crash", "incendie*",
           "explosion*", "attentat*", "attaque*", "fusillade*", "braquage*", "arrestation*",
           "arrete", "interpell*", "proces", "condamn*", "prison", "scandale*", "affaire",
           "accus*", "viol", "agression*", "demission*", "limoge*", "divorce", "rupture",
           "seisme*", "inondation*", "tempete*", "emeute*", "manifestation*", "coup", "guerre",
           "faillite", "destruction*", "evacu*"),
}


def _pattern(words: tuple[str, ...]) -> re.Pattern:
    forms = sorted((re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "")
                    for w in words), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(forms) + r")\b")


_PATTERNS = {lang: _pattern(words) for lang, words in EVENTS.items()}


def names_event(title: str, dek: str = "", lang: str = "en") -> bool:
    """Return True if ``title`` or ``dek`` holds a word naming an event in ``lang``, the
    page's language (``EVENTS``; English for a language it does not list).

    >>> names_event("Demi Lovato stable and recovering after apparent overdose")
    True
    >>> names_event("Demi Lovato Plastic Surgery Before and After Photos, Secrets")
    False
    >>> names_event("Notre Dame in Paris catches fire")
    True
    >>> names_event("Brand in Notre-Dame", lang="de"), names_event("Brand in Notre-Dame")
    (True, False)
    >>> names_event("The couple's total feud")  # no "coup", German "tot" nor French "feu"
    False
    """
    pattern = _PATTERNS.get(lang, _PATTERNS["en"])
    return bool(pattern.search(fold(f"{title}\n{dek}".lower())))
