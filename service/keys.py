"""Widget keys: filters a page cannot lift, for several sites served by one service.

A key is made by the admin API (``keys_views``) and pasted into a publisher's page
(``data-nsw-key``); the widget sends it as ``key=`` with every request. It carries its own
filters, signed with the admin token (HMAC-SHA256), so no database is read to check it:

    nsk1.<base64url JSON {"id", "site", "kind", "lang", "exp"}>.<base64url HMAC>

On a search its site, kind and lang values become the request's ``Scope`` (``index``):
applied like any filter, never lifted, not even for a facet's own counts. The request's own
filters may narrow it (``kind=quote`` under a key for articles and quotes) but not widen it:
values outside the key's are dropped, so a page asking for another site gets the key's.
A key that is not one this service signed, has expired (``exp``), or whose id is on the
revocation list (the editors' file, see ``editor_state``) gets 401. Verified keys are
remembered (``VERIFIED``), so a search pays a dictionary look-up, not an HMAC.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import secrets
import threading
import time
from typing import Any

from flask import current_app, request

from index import Scope, SearchRequest

from .errors import ApiError

PREFIX = "nsk1"
MAX_KEY_CHARS = 2000
VERIFIED = 4096  # keys remembered once their signature is checked
KEY_ID_PATTERN = "^[0-9a-f]{12}$"
_lock = threading.Lock()


class KeyRejected(ApiError):
    status, code = 401, "invalid_key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, body: str) -> str:
    mac = hmac.new(secret.encode(), f"widget-key:{PREFIX}.{body}".encode(), hashlib.sha256)
    return _b64(mac.digest())


def make(secret: str, sites: list[str], kinds: list[str], langs: list[str],
         expires: float | None) -> tuple[str, dict[str, Any]]:
    """Return a new key and its claims (checked values: the caller validates them)."""
    claims: dict[str, Any] = {"id": secrets.token_hex(6), "site": sites, "kind": kinds,
                              "lang": langs}
    if expires is not None:
        claims["exp"] = int(expires)
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{PREFIX}.{body}.{_signature(secret, body)}", claims


def claims_of(secret: str, key: str, cache: dict) -> dict[str, Any]:
    """Return the claims of ``key``; raise KeyRejected if this service did not sign it."""
    found = cache.get(key)
    if found is not None:
        return found
    parts = key.split(".")
    if not secret or len(key) > MAX_KEY_CHARS or len(parts) != 3 or parts[0] != PREFIX or \
            not hmac.compare_digest(parts[2], _signature(secret, parts[1])):
        raise KeyRejected("not a widget key of this service")
    try:
        claims = json.loads(_unb64(parts[1]))
    except ValueError:
        raise KeyRejected("not a widget key of this service") from None
    with _lock:
        if len(cache) >= VERIFIED:
            cache.clear()
        cache[key] = claims
    return claims


def scope(key: str, secret: str, revoked: frozenset[str], cache: dict,
          now: float) -> Scope:
    """Return the filters ``key`` fixes; raise KeyRejected (401) if it opens nothing."""
    claims = claims_of(secret, key, cache)
    if claims.get("id") in revoked:
        raise KeyRejected("this widget key was revoked")
    if "exp" in claims and now >= claims["exp"]:
        raise KeyRejected("this widget key has expired")
    return Scope(tuple(claims.get("site", ())), tuple(claims.get("kind", ())),
                 tuple(claims.get("lang", ())))


def from_request() -> Scope | None:
    """Return the scope of the request's ``key`` (None without one); 401 if it is bad."""
    key = request.args.get("key")
    if key is None:
        return None
    app = current_app
    cache = app.extensions.setdefault("verified_keys", {})
    return scope(key, app.config["ADMIN_TOKEN"], app.extensions["editor"].view().revoked,
                 cache, time.time())


def restrict(req: SearchRequest, fixed: Scope | None) -> SearchRequest:
    """Return ``req`` inside ``fixed``: its own values narrowed to the key's, and the key's
    filters as its scope."""
    if fixed is None:
        return req

    def narrow(asked: tuple[str, ...], allowed: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v for v in asked if v in allowed) if allowed else asked
    return dataclasses.replace(req, sites=narrow(req.sites, fixed.sites),
                               kinds=narrow(req.kinds, fixed.kinds),
                               langs=narrow(req.langs, fixed.langs), scope=fixed)


def allows(fixed: Scope | None, doc: Any) -> bool:
    """Return True if the document ``doc`` is inside ``fixed`` (or there is no key)."""
    return fixed is None or ((not fixed.sites or doc.site in fixed.sites)
                             and (not fixed.kinds or doc.kind in fixed.kinds)
                             and (not fixed.langs or doc.lang in fixed.langs))
