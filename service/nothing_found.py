"""What to offer when a search finds nothing: each filter or word dropped alone, counted.

Asked only when a search with words finds nothing, so it costs nothing on the searches that
find something. Each try is the same search, one filter (an author, a speaker, the kinds,
the languages, the date range) or one word (of a query of two to six words) left out, for
its total alone (one result, no snippets, no facets); the tries that find something are
offered, with the number each would give. At most ``MAX_TRIES`` searches are run.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from index import SearchIndex, SearchRequest

MAX_TRIES = 8
MAX_WORDS = 6


def _day(day: int | None) -> str:
    return "" if day is None else f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}"


def _tries(req: SearchRequest) -> list[tuple[str, str, SearchRequest]]:
    tries = [(name, value, replace(req, **{field: tuple(v for v in values if v != value)}))
             for name, field, values in (("author", "authors", req.authors),
                                         ("speaker", "speakers", req.speakers))
             for value in values]
    if req.kinds:
        tries.append(("kind", ",".join(req.kinds), replace(req, kinds=())))
    if req.langs:
        tries.append(("lang", ",".join(req.langs), replace(req, langs=())))
    if req.day_from or req.day_to:
        span = f"{_day(req.day_from)}\u2013{_day(req.day_to)}"
        tries.append(("date", span, replace(req, day_from=None, day_to=None)))
    words = req.q.split()
    if 2 <= len(words) <= MAX_WORDS:
        tries += [("word", w, replace(req, q=" ".join(words[:i] + words[i + 1:])))
                  for i, w in enumerate(words)]
    return tries[:MAX_TRIES]


def try_without(engine: SearchIndex, req: SearchRequest) -> list[dict[str, Any]]:
    """Return each filter or word whose dropping alone finds something, with the total."""
    found = []
    for param, value, alone in _tries(req):
        total = engine.search(replace(alone, page=1, per_page=1, snippets=False,
                                      facets=False)).total
        if total:
            found.append({"param": param, "value": value, "total": total})
    return found
