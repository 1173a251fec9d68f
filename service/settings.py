"""The settings table: every setting's type, default and environment name, checked at start.

Values come from the defaults below, then ``SEARCH_<NAME>`` environment variables (Flask's
``from_prefixed_env``), then the overrides given to ``create_app``. ``check`` turns each into
its type and stops the service with a clear message on the first bad one, so a typo in a
deployment fails at start-up, not at the first request.
"""
from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import index
from corpus.text import site_path
from index import DEFAULT_BOOSTS, OPERATORS

PROJECT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def as_path(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise ValueError("must be a path")
    return str(Path(text).expanduser().resolve())


def as_optional_path(value: Any) -> str:
    return as_path(value) if value is not None and _text(value).strip() else ""


def as_paths(value: Any) -> list[str]:
    """Parse corpus paths; ``SITE=PATH`` keeps its site (``corpus.text.site_path``)."""
    items = value if isinstance(value, list) else _text(value).replace(",", ":").split(":")
    out = []
    for item in (str(v).strip() for v in items if str(v).strip()):
        site, path = site_path(item)
        out.append(f"{site}={as_path(path)}" if site else as_path(path))
    return out


def as_origins(value: Any) -> list[str]:
    items = value if isinstance(value, list) else _text(value).replace(",", " ").split()
    origins = [str(v).strip().rstrip("/") for v in items if str(v).strip()]
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"{origin!r} is not an origin like https://example.org")
    return origins


def as_hosts(value: Any) -> list[str]:
    """Parse host names (``search.example.org 127.0.0.1 [::1]``), without ports."""
    items = value if isinstance(value, list) else _text(value).replace(",", " ").split()
    hosts = []
    for item in (str(v).strip().lower() for v in items if str(v).strip()):
        bracketed = item.startswith("[") and item.endswith("]")  # an IPv6 address
        if "/" in item or (":" in item and not bracketed):
            raise ValueError(f"{item!r} is not a host name like search.example.org")
        hosts.append(item[1:-1] if bracketed else item)
    return hosts


def as_float(low: float, high: float) -> Callable[[Any], float]:
    def parse(value: Any) -> float:
        number = float(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return number
    return parse


def as_int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("must be a whole number")
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number
    return parse


def as_choice(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _text(value).strip().lower()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text
    return parse


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false (1 or 0)")


def as_cluster(value: Any) -> str:
    """Parse where the shards are served: empty (this process), ``local`` or a Ray address."""
    text = _text(value).strip() if value is not None else ""
    if not text:
        return text
    host, _, port = text.removeprefix("ray://").rpartition(":")
    if text != "local" and (not host or not port.isdigit() or "/" in host):
        raise ValueError("must be empty, local, or a Ray address like 10.0.0.5:6379")
    if importlib.util.find_spec("ray") is None:  # found now, not at the first search
        raise ValueError("cluster mode needs Ray: make install-cluster (requirements-cluster.txt)")
    return text


def as_synonyms_file(value: Any) -> str:
    """An optional path to a synonyms file, read now so a bad line stops the start."""
    text = _text(value).strip() if value is not None else ""
    if not text:
        return ""
    path = as_path(text)
    try:
        index.Synonyms.load(path)
    except index.SynonymError as exc:
        raise ValueError(str(exc)) from None
    return path


def as_token(value: Any) -> str:
    token = _text(value).strip() if value is not None else ""
    if token and len(token) < 16:
        raise ValueError("must be at least 16 characters (or empty to turn admin off)")
    return token


def as_boosts(value: Any) -> dict[str, float]:
    """Parse ``title=3,dek=2`` (or a JSON object) into field boosts over the defaults."""
    if isinstance(value, dict):
        pairs = value.items()
    else:
        pairs = [part.split("=", 1) for part in _text(value).replace(";", ",").split(",") if part.strip()]
    boosts = dict(DEFAULT_BOOSTS)
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError("must look like title=3,dek=2")
        name, number = str(pair[0]).strip(), float(pair[1])
        if name not in DEFAULT_BOOSTS:
            raise ValueError(f"unknown field {name!r}; fields are {', '.join(DEFAULT_BOOSTS)}")
        if not 0 <= number <= 100:
            raise ValueError(f"boost of {name} must be between 0 and 100")
        boosts[name] = number
    return boosts


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    parse: Callable[[Any], Any]
    default: Any
    doc: str
    secret: bool = False  # never echo the value (a start-up error goes to logs)

    @property
    def env(self) -> str:
        return f"SEARCH_{self.name}"


SETTINGS = (
    Setting("INDEX_DIR", as_path, str(PROJECT / "var" / "index"), "where index snapshots live"),
    Setting("CORPUS_PATHS", as_paths, str(PROJECT / "corpus" / "demo"),
            "corpus files or folders, ':'-separated, that the admin trigger may reindex"),
    Setting("ADMIN_TOKEN", as_token, "", "bearer token for /admin routes; empty turns them off",
            secret=True),
    Setting("CORS_ORIGINS", as_origins, "", "origins allowed to call the API from a browser, "
            "space- or comma-separated"),
    Setting("ALLOWED_HOSTS", as_hosts, "localhost 127.0.0.1 [::1]",
            "host names the /demo page may put in the absolute widget URL it shows"),
    Setting("BOOSTS", as_boosts, "", "field boosts over the defaults, e.g. title=3,dek=2,body=1"),
    Setting("BM25_B", as_float(0.0, 1.0), index.BM25_B, "BM25 length normalisation"),
    Setting("BM25_K1", as_float(0.0, 10.0), index.BM25_K1, "BM25 term-frequency saturation"),
    Setting("QUERY_TIME_BUDGET", as_float(0.05, 60.0), index.TIME_BUDGET,
            "seconds a query may run before 503"),
    Setting("MAX_QUERY_LENGTH", as_int(1, 10_000), 500, "longest query accepted (longer: 413)"),
    Setting("MAX_RESULT_WINDOW", as_int(50, 100_000), 10_000, "deepest result page*per_page"),
    Setting("DEFAULT_OPERATOR", as_choice(*OPERATORS), "auto",
            "how words combine by default: auto (enough of them), and (all), or (any)"),
    Setting("TYPO_TOLERANCE", as_bool, True, "match words of 5+ letters with one typo (9+: two) "
            "and complete the last word; a request's typos=0|1 overrides it"),
    Setting("RECENCY_HALF_LIFE", as_float(0.0, 36_500.0), 0.0,
            "days after which a date decay halves relevance; 0: off (a request's recency= "
            "overrides it)"),
    Setting("SYNONYMS", as_synonyms_file, "", "file of synonym groups, one a line "
            "(EU, European Union  or  MOIS => Ministry of Intelligence and Security)"),
    Setting("CACHE_SIZE", as_int(0, 1_000_000), index.CACHE_SIZE,
            "search responses cached per worker"),
    Setting("POSTINGS_CACHE", as_int(0, 100_000_000), index.POSTINGS_CACHE,
            "decoded postings kept per worker (8 bytes each); 0: none"),
    Setting("REINDEX_WORKERS", as_int(1, 64), 2, "processes a reindex uses"),
    Setting("REOPEN_IN_BACKGROUND", as_bool, True,
            "open an incremental change (pushes) in a thread of its own while searches go on "
            "in the snapshot before; 0: the first request after it opens it"),
    Setting("CLUSTER", as_cluster, "", "Ray cluster whose replicas serve a sharded index: "
            "local, or a head's address like 10.0.0.5:6379; empty: shards opened in each worker"),
    Setting("SHARD_REPLICAS", as_int(1, 64), 2, "replicas of each shard in cluster mode"),
    Setting("SHARDS_PER_REPLICA", as_int(0, 1024), 0, "shards one replica process holds and "
            "answers in one call in cluster mode; 0: all of them"),
    Setting("SHARDS_IN_WORKER", as_int(0, 1024), 1, "in cluster mode, the first shards each "
            "worker opens and answers itself while the replicas answer the others (at most all "
            "but one); 0: none, the replicas hold every shard"),
    Setting("SHARD_LINES", as_bool, True, "in cluster mode, each worker sends the fan-out's "
            "rounds over a direct line to each replica (a socket on the replica's node, opened "
            "with a key given through Ray); 0: every round is a Ray call (~1 ms more)"),
    Setting("RULES_FILE", as_optional_path, "", "the editors' file (pinned and hidden results, "
            "the popular searches' block list, revoked widget keys); empty: editor.json in "
            "SEARCH_INDEX_DIR"),
    Setting("PUSH_QUEUE_LIMIT", as_int(1, 1_000_000), 1000,
            "pushed batches waiting to be applied past which a push gets 429 (Retry-After)"),
    Setting("PUSH_QUEUE_MB", as_int(1, 1_000_000), 1024,
            "megabytes of pushed batches waiting to be applied past which a push gets 429"),
    Setting("PUSH_INTERVAL", as_float(0.0, 3600.0), 0.25,
            "seconds between two snapshots of pushed documents at least (a flood of pushes "
            "becomes fewer, bigger snapshots; a worker's reopen costs the new documents)"),
    Setting("ANALYTICS_DB", as_optional_path, "", "SQLite file of search analytics; empty: off"),
    Setting("ANALYTICS_DAYS", as_int(1, 3660), 90, "days search analytics are kept"),
    Setting("POPULAR_DAYS", as_int(1, 90), 7, "days of analytics popular searches come from"),
    Setting("POPULAR_REFRESH", as_float(1.0, 86_400.0), 300.0,
            "seconds between two rebuilds of the popular searches (in the background)"),
    Setting("ANALYTICS_EVENTS_RATE", as_int(1, 100_000), 50,
            "click reports accepted a second per worker (more: 429)"),
    Setting("ANALYTICS_CLIENT_RATE", as_int(1, 100_000), 5,
            "click reports accepted a second from one client address per worker (more: 429)"),
    Setting("ANALYTICS_MAX_MB", as_float(0.1, 10_000_000.0), 1024.0,
            "megabytes the analytics database may hold; past it the oldest searches go"),
    Setting("PROXY_HOPS", as_int(0, 10), 0,
            "reverse proxies in front that set X-Forwarded-For (the client address of "
            "per-client limits); 0: the address the connection comes from"),
)
BY_NAME = {s.name: s for s in SETTINGS}


def check(config: dict[str, Any]) -> None:
    """Replace each setting in ``config`` by its typed value; raise SettingsError if bad."""
    for setting in SETTINGS:
        raw = config.get(setting.name, setting.default)
        try:
            config[setting.name] = setting.parse(raw)
        except (TypeError, ValueError) as exc:
            shown = "(value hidden)" if setting.secret else repr(_text(raw))
            raise SettingsError(f"{setting.env}={shown}: {exc}") from None


def defaults() -> dict[str, Any]:
    """Return the raw defaults (before checking)."""
    return {s.name: s.default for s in SETTINGS}
