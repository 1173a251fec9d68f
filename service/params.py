"""Turn query-string parameters into a SearchRequest, or a 4xx that says what to fix."""
from __future__ import annotations

import calendar
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from index import SearchRequest

from .errors import BadParameter, QueryTooLong

KINDS = ("article", "bio", "quote")
SORTS = ("relevance", "date", "-date")
MAX_PER_PAGE = 50
MAX_VALUES = 20  # repeated values of one parameter
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[a-z]{2,4})?$")


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number, got {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, got {value}")
    return value


def parse_day(value: str, name: str, end: bool) -> int:
    """Return YYYYMMDD for a YYYY, YYYY-MM or YYYY-MM-DD bound (``end``: its last day)."""
    m = _DATE.match(value.strip())
    problem = f"{name} must be a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value[:40]!r}"
    if not m:
        raise BadParameter(problem)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if not 1 <= year <= 9999:
        raise BadParameter(problem)
    if month is None:
        month_n, day_n = (12, 31) if end else (1, 1)
    else:
        month_n = int(month)
        if not 1 <= month_n <= 12:
            raise BadParameter(problem)
        last = calendar.monthrange(year, month_n)[1]
        day_n = int(day) if day else (last if end else 1)
        if not 1 <= day_n <= last:
            raise BadParameter(problem)
    return year * 10000 + month_n * 100 + day_n


def _values(args: MultiDict, name: str, max_len: int = 200) -> tuple[str, ...]:
    values = tuple(v.strip() for v in args.getlist(name) if v.strip())
    if len(values) > MAX_VALUES:
        raise BadParameter(f"at most {MAX_VALUES} values of {name}")
    for v in values:
        if len(v) > max_len:
            raise BadParameter(f"{name} values are at most {max_len} characters")
    return tuple(dict.fromkeys(values))


def search_request(args: MultiDict, config: dict[str, Any]) -> SearchRequest:
    """Validate the parameters of GET /search."""
    q = args.get("q", "")
    if len(q) > config["MAX_QUERY_LENGTH"]:
        raise QueryTooLong(f"q is {len(q)} characters; the limit is {config['MAX_QUERY_LENGTH']}")
    if "\x00" in q:
        raise BadParameter("q must not contain NUL characters")
    kinds = _values(args, "kind")
    for kind in kinds:
        if kind not in KINDS:
            raise BadParameter(f"kind must be one of {', '.join(KINDS)}, got {kind[:40]!r}")
    langs = tuple(v.lower() for v in _values(args, "lang", 12))
    for lang in langs:
        if not _LANG.match(lang):
            raise BadParameter(f"lang must be a language code such as en or de, got {lang!r}")
    day_from = parse_day(args["from"], "from", end=False) if args.get("from") else None
    day_to = parse_day(args["to"], "to", end=True) if args.get("to") else None
    if day_from and day_to and day_from > day_to:
        raise BadParameter("from must not be after to")
    sort = args.get("sort") or ("relevance" if q.strip() else "-date")
    if sort not in SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SORTS)}, got {sort[:40]!r}")
    per_page = _int(args, "per_page", 10, 1, MAX_PER_PAGE)
    page = _int(args, "page", 1, 1, config["MAX_RESULT_WINDOW"])
    if page * per_page > config["MAX_RESULT_WINDOW"]:
        raise BadParameter(f"page * per_page must be at most {config['MAX_RESULT_WINDOW']}; "
                           "narrow the search instead of paging this deep")
    facet = args.get("date_facet")
    if facet not in (None, "", "year", "month"):
        raise BadParameter("date_facet must be year or month")
    by_month = facet == "month" or (
        not facet and day_from is not None and day_to is not None
        and day_from // 10000 == day_to // 10000)
    operator = (args.get("op") or config["DEFAULT_OPERATOR"]).lower()
    if operator not in ("and", "or"):
        raise BadParameter("op must be and or or")
    return SearchRequest(q=q, kinds=kinds, authors=_values(args, "author"), langs=langs,
                         day_from=day_from, day_to=day_to, date_by_month=by_month, sort=sort,
                         page=page, per_page=per_page, operator=operator)
