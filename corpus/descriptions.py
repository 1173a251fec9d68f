"""Speakers that are not names: anonymous sources, and descriptions of a person or a body.

A speaker in the index is a named person or organisation. News copy also quotes people it
does not name, and refers back to people it named by what they are:

    “…,” a source close to the couple said.       → anonymous: ``UNNAMED`` ("unnamed source")
    “…,” an insider told Us Weekly.                → anonymous
    “…,” the actress said.                         → the woman the paragraph is about, if any
    “…,” the company said in a statement.          → the organisation the article named
    “…,” the statement read.                       → whoever the article said issued it
    “…,” another wrote. / “…,” the couple said.    → nobody in particular: unresolved

``anonymous`` tells the first kind; ``kind_of`` says what a description's head word can point
back to (a woman, a man, any person, an organisation, a statement's issuer, or no one);
``speakers.Cast`` does the resolving.
"""
from __future__ import annotations

UNNAMED = "unnamed source"  # the one speaker value all anonymous sources share
# Publications whose name alone is a common word: "according to People", "Us reports".
TITLES = {"People": "People magazine", "Us": "Us Weekly", "PEOPLE": "People magazine"}

# Words that make a mention an anonymous source wherever they stand in it ("a source close",
# "a Palace insider", "sources familiar", "our source", "the insider").
_SOURCE_WORDS = {"source", "sources", "insider", "insiders", "tipster", "informant", "confidant",
                 "confidante", "eyewitness", "mole", "snitch", "quelle", "quellen", "fuente", "fuentes"}
# Words that make it anonymous after an indefinite determiner ("a spokesperson", "one friend",
# "a senior official"): the article does not name who, and never did.
_UNNAMED_HEADS = {"friend", "friends", "pal", "pals", "spokesperson", "spokesman", "spokeswoman",
                  "rep", "representative", "official", "officials", "aide", "aides", "person",
                  "people", "staffer", "relative", "member", "acquaintance", "witness",
                  "executive", "employee", "associate", "adviser", "advisor", "diplomat",
                  "expert"}
_INDEFINITE = {"a", "an", "one", "another", "some", "two", "three", "several", "multiple",
               "our", "un", "une", "ein", "eine", "einer"}
_PERSON_INDEFINITE = _INDEFINITE - {"our"}

# What a description's head word can point back to.
FEMALE = {"actress", "singer-songwriter", "songstress", "mother", "mom", "wife", "daughter",
          "sister", "girlfriend", "fiancée", "fiancee", "bride", "heiress", "grandmother",
          "starlet", "businesswoman", "spokeswoman", "chairwoman", "congresswoman", "queen",
          "princess", "duchess", "lady", "woman", "mum", "diva", "socialite"}
MALE = {"actor", "father", "dad", "husband", "son", "brother", "boyfriend", "fiancé", "fiance",
        "groom", "grandfather", "businessman", "spokesman", "chairman", "congressman", "king",
        "prince", "duke", "man", "crooner"}
PERSON = {"singer", "star", "rapper", "model", "comedian", "host", "musician", "performer",
          "entertainer", "celebrity", "celeb", "personality", "reality",
          "songwriter", "designer", "director", "producer", "filmmaker", "author", "writer",
          "athlete", "player", "coach", "chef", "hitmaker", "beauty", "mogul", "billionaire",
          "entrepreneur", "politician", "candidate", "nominee", "lawmaker", "senator",
          "governor", "president", "mayor", "judge", "lawyer", "attorney", "alum", "icon",
          "legend", "veteran", "newcomer", "contestant", "bachelor", "bachelorette", "pop",
          "teen", "youngster", "mama", "blogger", "vlogger", "influencer", "youtuber", "dancer",
          "doctor", "psychic", "medium", "expert", "spokesperson", "rep", "representative",
          "publicist", "manager", "agent", "anchor", "journalist", "reporter",
          "columnist", "commentator", "pundit", "businessperson", "founder", "executive", "ceo"}
ORG = {"company", "firm", "network", "studio", "label", "magazine", "outlet", "publication",
       "newspaper", "paper", "tabloid", "site", "website", "channel", "station", "broadcaster",
       "agency", "group", "organization", "organisation", "campaign", "team", "department",
       "ministry", "committee", "office", "administration", "government", "brand", "retailer",
       "show", "series", "festival", "academy", "band", "party", "foundation", "charity",
       "university", "school", "hospital", "club", "league", "union", "court", "police",
       "outfit"}
ISSUED = {"statement", "statements", "release", "announcement", "letter", "note", "memo",
          "post", "message", "tweet", "caption", "complaint", "lawsuit", "suit", "filing",
          "documents", "document", "petition", "report", "speech", "remarks", "recording",
          "erklärung", "mitteilung", "communiqué"}
NO_ONE = {"another", "others", "other", "couple", "pair", "duo", "family", "fans", "fan",
          "users", "user", "commenter", "commenters", "followers", "follower", "someone",
          "somebody", "many", "few", "both", "each", "all", "everyone", "people", "crowd",
          "audience", "viewers", "readers", "reader", "parents", "kids", "children",
          # works and findings: who made them is not who speaks in them
          "ruling", "verdict", "decision", "opinion", "study", "survey", "poll", "ad", "ads",
          "book", "article", "video", "clip", "film", "movie", "documentary", "episode", "song"}


def anonymous(mention: str) -> bool:
    """Return True if ``mention`` is an unnamed source ("a source close", "an insider").

    >>> anonymous("a source close"), anonymous("The insider"), anonymous("a spokesperson")
    (True, True, True)
    >>> anonymous("Jo** Al****"), anonymous("the spokesperson"), anonymous("Jane Doe")
    (True, False, False)
    >>> anonymous("another")
    False
    """
    words = [w.lower().strip(".,:;’'") for w in mention.split()]
    if not words or len(words) > 8:
        return False
    if "**" in mention:
        return True  # a name the page masks ("Ali***", "Jo** Al****"): a reader it does not name
    if any(w in _SOURCE_WORDS for w in words[:5]) and not (
            len(words) > 1 and mention.split()[-1][:1].isupper()):  # not "source Jane Doe"
        return True
    return words[0] in _PERSON_INDEFINITE and any(w in _UNNAMED_HEADS for w in words[1:4]) \
        and words[-1] not in ISSUED  # not "an official statement"


def unnamed_head(head: str) -> bool:
    """Return True for a head word that, left unresolved, is an unnamed source ("the rep")."""
    return head.lower() in _UNNAMED_HEADS


def kind_of(head: str) -> str:
    """Return what a description with head word ``head`` points back to: "f", "m", "person",
    "org", "issued" (a statement: whoever issued it), "none" (no one person), or "".

    >>> kind_of("actress"), kind_of("singer"), kind_of("company"), kind_of("couple")
    ('f', 'person', 'org', 'none')
    """
    head = head.lower()
    for kind, words in (("f", FEMALE), ("m", MALE), ("issued", ISSUED), ("org", ORG),
                        ("none", NO_ONE), ("person", PERSON)):
        if head in words:
            return kind
    return ""
