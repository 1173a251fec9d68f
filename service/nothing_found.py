"""What to offer when a search finds nothing: each filter or word dropped alone, counted.

Asked only when a search with words finds nothing, so it costs nothing on the searches that
find something. Each try is the same search with one filter (the date range, the kinds, the
languages, an author, a speaker) or one word (of a query of two to six words) left out, in
that order: the filters that narrow most broadly first, then each named person, then the
words. A try is counted only (``SearchIndex.count``: its total, with no page, snippets,
facets nor did-you-mean), and the tries that find something are offered with the number each
would give.

The work is bounded whatever the request holds: at most ``MAX_TRIES`` counts (the first
tries in that order; twenty authors or thirty words cost no more), and only within the
request's time budget: once it is spent, the tries stop and what was found so far is offered.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from index import Deadline, QueryTimeout, SearchIndex, SearchRequest

MAX_TRIES = 5   # counts a nothing-found request may run, after its own search
MAX_WORDS = 6   # words of a query past which no word is tried alone


def _day(day: int | None) -> str:
    return "" if day is None else f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _tries(req: SearchRequest) -> list[tuple[str, str, SearchRequest]]:
    """Return the first ``MAX_TRIES`` (param, value, request without it), in trying order."""
    tries = []
    if req.day_from or req.day_to:
        span = f"{_day(req.day_from)}\u2013{_day(req.day_to)}"
        tries.append(("date", span, replace(req, day_from=None, day_to=None)))
    if req.kinds:
        tries.append(("kind", ",".join(req.kinds), replace(req, kinds=())))
    if req.langs:
        tries.append(("lang", ",".join(req.langs), replace(req, langs=())))
    tries += [(name, value, replace(req, **{field: tuple(v for v in values if v != value)}))
              for name, field, values in (("author", "authors", req.authors),
                                          ("speaker", "speakers", req.speakers))
              for value in values[:MAX_TRIES]]
    words = req.q.split()
    if 2 <= len(words) <= MAX_WORDS:
        tries += [("word", w, replace(req, q=" ".join(words[:i] + words[i + 1:])))
                  for i, w in enumerate(words)]
    return tries[:MAX_TRIES]


def try_without(engine: SearchIndex, req: SearchRequest,
                deadline: Deadline | None = None) -> list[dict[str, Any]]:
    """Return each filter or word whose dropping alone finds something, with the total,
    from at most ``MAX_TRIES`` counts, none started after ``deadline`` (the request's)."""
    found = []
    for param, value, alone in _tries(req):
        if deadline is not None and deadline.expired():
            break
        try:
            total = engine.count(replace(alone, page=1, per_page=1, snippets=False,
                                         facets=False), deadline)
        except QueryTimeout:  # the budget ran out during this count: offer what was found
            break
        if total:
            found.append({"param": param, "value": value, "total": total})
    return found
