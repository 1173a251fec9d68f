"""Small text helpers shared by the readers: boilerplate, ids, dates, whitespace.

Kept free of any reader's format so that the raw-text and JSON Lines readers clean text the
same way.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

# Whole lines that blog and news platforms append to articles; never content.
BOILERPLATE = re.compile(
    r"""^\s*(?:
        %d\ bloggers?\ like\ this:?
      | \d+\ bloggers?\ like\ this:?
      | like\ this:?
      | like\ loading\.*
      | share\ this:?
      | share\ (?:this\ )?(?:on|via)\ \w+.*
      | click\ to\ (?:share|email|print).*
      | related(?:\ posts|\ articles|\ stories)?:?
      | (?:please\ )?subscribe(?:\ (?:to|now|for)\b.*)?
      | sign\ up\ for\ (?:our|the)\ .*newsletter.*
      | follow\ us\ on\ .*
      | advertisement
      | continue\ reading(?:\ below)?\.*
      | read\ more:?
      | loading\.*
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

_SPACES = r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]"
# A run of spaces other than one plain space is folded to one space (the single spaces
# between words, most runs, are left alone instead of replaced one by one: 2x faster), in two
# steps whose patterns open with what they look for, which ``re`` then scans for in C (one
# pattern of two alternatives was tried at every character: 2.5x slower): a run from its first
# space that is not a plain one, then the runs of plain spaces that are left.
_OTHER_SPACE = re.compile(rf"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]{_SPACES}*")
_PLAIN_SPACES = re.compile(r"   *")  # two or more
_BLOCKS = re.compile(r"\n\s*\n")  # what separates paragraphs
# What cleaning removes, or turns into a space, that is not a space to ``_BLOCKS`` (\s).
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SITE = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?$")
_SITE_SPEC = re.compile(r"^([a-z0-9](?:[a-z0-9.-]{0,62}[a-z0-9])?)=(.+)$", re.S)
SITE_PATTERN = _SITE.pattern  # a site: a short name or a host name, lower case
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")
MAX_GIVEN_ID = 128   # characters of an id kept as the input gives it (longer ones are hashed)
MAX_ID_LENGTH = 200  # characters of any document id: a given one, or one made from it (quotes' "-q<n>")
_ID_OK = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._:-]{{0,{MAX_GIVEN_ID - 1}}}$")


def is_boilerplate(line: str) -> bool:
    """Return True if ``line`` is platform boilerplate such as "%d bloggers like this:"."""
    return bool(BOILERPLATE.match(line))


def fold_spaces(text: str) -> str:
    """Fold each run of spaces (tabs, no-break and other Unicode spaces) to one plain space."""
    return _PLAIN_SPACES.sub(" ", _OTHER_SPACE.sub(" ", text))


def clean_line(text: str) -> str:
    """Normalise Unicode, drop control characters and fold runs of spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return fold_spaces(text).strip()


def paragraphs(text: str) -> list[str]:
    """Split ``text`` into cleaned, non-boilerplate paragraphs (blank-line separated).

    Each line is cleaned as ``clean_line`` cleans it. A text without control characters or
    zero-width spaces (nearly all) is cleaned in one piece instead, then split: the steps never
    cross a line end, and keep a blank line blank and any other line not blank, so the blank
    lines between paragraphs are where they were (``tests/test_build_shortcuts.py``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    clean = clean_line
    if not _UNSAFE.search(text):
        text, clean = fold_spaces(unicodedata.normalize("NFC", text)), str.strip
    out = []
    for block in _BLOCKS.split(text):
        if "\n" not in block:  # most blocks: one line (the same steps, without the lists)
            line = clean(block)
            if line and not BOILERPLATE.match(line):
                out.append(line)
            continue
        lines = [clean(x) for x in block.split("\n")]
        lines = [x for x in lines if x and not is_boilerplate(x)]
        if lines:
            out.append(" ".join(lines))
    return out


def short_hash(*parts: str) -> str:
    """Return a 16-hex-digit stable hash of ``parts``."""
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:16]


_HOST_LIKE = re.compile(r"^[^/:?#]+\.[^/:?#]+(?:[:/?#]|$)")
_DEFAULT_PORTS = {80, 443}


def normalize_url(url: str) -> str:
    """Return the identity key of ``url``: web addresses without scheme, www, fragment or end
    slash, but with any port that is not the default; anything else (``qrel:17``, a URN) as is.

    >>> normalize_url("https://www.Example.org/a/"), normalize_url("http://example.org:8080/a")
    ('example.org/a', 'example.org:8080/a')
    >>> normalize_url("qrel:1") != normalize_url("qrel:2")
    True
    """
    url = url.strip()
    if "://" not in url:
        if not _HOST_LIKE.match(url):  # an opaque identifier, not an address: keep it whole
            return url
        url = "http://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().removeprefix("www.")
    if port is not None and port not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def document_id(url: str | None, given: str | None, title: str, body: str) -> str:
    """Return a stable id: from the url if any, else the given id if usable, else a hash."""
    if url:
        return "u" + short_hash(normalize_url(url))
    if given and _ID_OK.match(given):
        return given
    if given:
        return "g" + short_hash(given)
    return "h" + short_hash(title, body)


def site_name(value: object) -> str:
    """Return the site a value names: a URL's host (without ``www.``), or a short name, in
    lower case; "" for anything else.

    >>> site_name("https://www.Gazette.example.org/feed"), site_name("Courier"), site_name("a b")
    ('gazette.example.org', 'courier', '')
    """
    if not isinstance(value, str) or len(value) > 2000:
        return ""
    text = value.strip().lower()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            return ""
        text = text.removeprefix("www.")
    return text if _SITE.match(text) else ""


def site_path(path: str) -> tuple[str, str]:
    """Split a corpus path given as ``SITE=PATH`` (every document under it belongs to that
    site) into (site, path); ("", path) for a plain path.

    >>> site_path("gazette=corpus/demo"), site_path("corpus/demo")
    (('gazette', 'corpus/demo'), ('', 'corpus/demo'))
    """
    found = _SITE_SPEC.match(path)
    return (found.group(1), found.group(2)) if found else ("", path)


def slug(text: str) -> str:
    """Return an ASCII slug of ``text`` for readable ids."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


def parse_date(value: object) -> str | None:
    """Return ``value`` as an ISO day ``YYYY-MM-DD``, or None when it is not a valid date.

    Accepts ISO strings (a day, a month, or a timestamp) and Unix epoch seconds. A month
    alone becomes the first of the month; a year alone is too vague and gives None.

    >>> parse_date("2018-01-09T14:00:00Z"), parse_date(1515506400.0), parse_date("2018-13-01")
    ('2018-01-09', '2018-01-09', None)
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if not m or not m.group(2):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)).isoformat()
    except ValueError:
        return None
