"""Turn query-string parameters into a SearchRequest, or a 4xx that says what to fix.

The limits and patterns here, with the index's closed lists (kinds, sorts, operators), are
what ``openapi`` documents: both read them from this module, and a test checks they agree.
"""
from __future__ import annotations

import calendar
import re
from typing import Any

from werkzeug.datastructures import MultiDict

from index import (DATE_FACETS, KINDS, MAX_ID_LENGTH, MAX_PER_PAGE, MAX_RELATED, OPERATORS,
                   PER_PAGE, RELATED_PER_PAGE, SORTS, RelatedRequest, SearchRequest)

from corpus.text import SITE_PATTERN

from .errors import BadParameter, TooLong

MAX_VALUES = 20         # repeated values of one parameter
MAX_VALUE_CHARS = 200   # one author or speaker value
MAX_LANG_CHARS = 12
MAX_SUGGEST_CHARS = 200
SUGGEST_LIMIT = (1, 20, 8)  # lowest, highest, default
MAX_HALF_LIFE = 36_500.0    # days, for recency
DATE_PATTERN = r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$"
LANG_PATTERN = r"^[a-z]{2,3}(?:-[a-z]{2,4})?$"
GROUP_PATTERN = r"^[0-9a-f]{16}$"  # a near-duplicate group's id
VIA = ("widget",)  # the marker the widget sends (analytics count other searches apart)
_DATE = re.compile(DATE_PATTERN)
_LANG = re.compile(LANG_PATTERN)
_GROUP = re.compile(GROUP_PATTERN)
_SITE = re.compile(SITE_PATTERN)
MAX_SITE_CHARS = 64


def _number(args: MultiDict, name: str, default, low, high, cast=int):
    """Return parameter ``name`` as ``cast`` (int or float) within [low, high], or default."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        kind = "a whole number" if cast is int else "a number"
        raise BadParameter(f"{name} must be {kind}, got {raw[:40]!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise BadParameter(f"{name} must be between {low:g} and {high:g}, got {raw[:40]!r}")
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


def _values(args: MultiDict, name: str, max_len: int = MAX_VALUE_CHARS) -> tuple[str, ...]:
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
        raise TooLong(f"q is {len(q)} characters; the limit is {config['MAX_QUERY_LENGTH']}")
    q = q.replace("\x00", " ")  # a query string is never refused: NUL separates words
    kinds, langs = _kinds(args), _langs(args)
    day_from = parse_day(args["from"], "from", end=False) if args.get("from") else None
    day_to = parse_day(args["to"], "to", end=True) if args.get("to") else None
    if day_from and day_to and day_from > day_to:
        raise BadParameter("from must not be after to")
    sort = args.get("sort") or ("relevance" if q.strip() else "-date")
    if sort not in SORTS:
        raise BadParameter(f"sort must be one of {', '.join(SORTS)}, got {sort[:40]!r}")
    per_page = _number(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE)
    page = _number(args, "page", 1, 1, config["MAX_RESULT_WINDOW"])
    if page * per_page > config["MAX_RESULT_WINDOW"]:
        raise BadParameter(f"page * per_page must be at most {config['MAX_RESULT_WINDOW']}; "
                           "narrow the search instead of paging this deep")
    facet = args.get("date_facet")
    if facet and facet not in DATE_FACETS:
        raise BadParameter(f"date_facet must be one of {', '.join(DATE_FACETS)}")
    by_month = facet == "month" or (
        not facet and day_from is not None and day_to is not None
        and day_from // 10000 == day_to // 10000)
    operator = (args.get("op") or config["DEFAULT_OPERATOR"]).lower()
    if operator not in OPERATORS:
        raise BadParameter(f"op must be one of {', '.join(OPERATORS)}")
    typos = args.get("typos")
    if typos not in (None, "", "0", "1"):
        raise BadParameter("typos must be 0 or 1")
    recency = _number(args, "recency", config["RECENCY_HALF_LIFE"], 0.0, MAX_HALF_LIFE,
                      float)
    collapse = args.get("collapse")
    if collapse not in (None, "", "0", "1"):
        raise BadParameter("collapse must be 0 or 1")
    if args.get("via") not in (None, "", *VIA):
        raise BadParameter(f"via must be one of {', '.join(VIA)}")
    group = args.get("group", "")
    if group and not _GROUP.match(group):
        raise BadParameter(f"group must be a group id (16 hex digits), got {group[:40]!r}")
    return SearchRequest(q=q, kinds=kinds, sites=_sites(args), typos=config["TYPO_TOLERANCE"] if not typos
                         else typos == "1", recency=recency, authors=_values(args, "author"),
                         speakers=_values(args, "speaker"), langs=langs,
                         day_from=day_from, day_to=day_to, date_by_month=by_month, sort=sort,
                         page=page, per_page=per_page, operator=operator,
                         collapse=collapse != "0", group=group)


def _sites(args: MultiDict) -> tuple[str, ...]:
    sites = tuple(v.lower() for v in _values(args, "site", MAX_SITE_CHARS))
    for site in sites:
        if not _SITE.match(site):
            raise BadParameter(f"site must be a site name such as gazette or "
                               f"news.example.org, got {site[:40]!r}")
    return sites


def _kinds(args: MultiDict) -> tuple[str, ...]:
    kinds = _values(args, "kind")
    for kind in kinds:
        if kind not in KINDS:
            raise BadParameter(f"kind must be one of {', '.join(KINDS)}, got {kind[:40]!r}")
    return kinds


def _langs(args: MultiDict) -> tuple[str, ...]:
    langs = tuple(v.lower() for v in _values(args, "lang", MAX_LANG_CHARS))
    for lang in langs:
        if not _LANG.match(lang):
            raise BadParameter(f"lang must be a language code such as en or de, got {lang!r}")
    return langs


def related_request(doc_id: str, args: MultiDict) -> RelatedRequest:
    """Validate the parameters of GET /documents/<id>/related (kind defaults to article)."""
    if len(doc_id) > MAX_ID_LENGTH:
        raise BadParameter(f"document ids are at most {MAX_ID_LENGTH} characters")
    return RelatedRequest(doc_id, kinds=_kinds(args) or ("article",), langs=_langs(args),
                          per_page=_number(args, "per_page", RELATED_PER_PAGE, 1,
                                                    MAX_RELATED))


def suggest_limit(args: MultiDict) -> int:
    """Validate the ``limit`` of GET /suggest."""
    low, high, default = SUGGEST_LIMIT
    return _number(args, "limit", default, low, high)
