"""Search ids: the analytics row of a search, the answers a worker gave of it, and the
signed ``search_id`` a reader's browser sends back with a settle or a click.

A searches row id is the time in ms, then ``RANDOM_BITS`` random bits, then ``ANSWER_BITS``
zero bits; an answer's number is its row id plus the answer's number in those low bits (the
first answer 0, the same answer served again from the worker's response cache 1, 2, ...).
The ``search_id`` is that number in 16 hex digits and 16 of its HMAC-SHA256 under a key
kept in the database (``analytics_schema.signing_key``, shared by every worker), so ``POST
/events`` accepts only ids this service gave, and only for ``CLICK_MAX_AGE`` seconds: a
forged report is refused before anything is stored.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from .analytics_schema import ANSWER_BITS, RANDOM_BITS

CLICK_MAX_AGE = 86400.0     # a click is accepted for a search_id given this recently
CLICK_CLOCK_SKEW = 300.0    # ... or this far in the future (clocks of workers on other hosts)
_last_row = [0]
_row_lock = threading.Lock()


def new_row_id(now: float) -> int:
    """Return a new search's id: the time in ms, then 14 random bits, then 7 zero bits (the
    number of the answer); above the last one this process gave, so a process never gives
    one twice (two workers may, in the same ms, once in 16,384 times:
    ``analytics_store.write`` then counts the second as a repeat of the first).

    Time-ordered ids append to the end of the table's B-tree (8.5 times the insert rate of
    random ids in a table of 200,000 searches) and let retention and the size cap delete
    by id range.

    >>> _last_row[0] = 0  # as in a new process
    >>> a, b = new_row_id(1.0), new_row_id(2.0)
    >>> a < b, a >> 21, a & 127, new_row_id(1.0) > b
    (True, 1000, 0, True)
    """
    row = (int(now * 1000) << (RANDOM_BITS + ANSWER_BITS)) \
        | (secrets.randbits(RANDOM_BITS) << ANSWER_BITS)
    with _row_lock:
        if row <= _last_row[0]:
            row = _last_row[0] + (1 << ANSWER_BITS)
        _last_row[0] = row
    return row


class Signer:
    """Search ids a reader's browser sends back: 16 hex digits of a number (a searches row
    id plus the answer's number in its low bits), then 16 of its HMAC-SHA256."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _mac(self, number: int) -> str:
        return hmac.new(self.key, number.to_bytes(8, "big"), hashlib.sha256).hexdigest()[:16]

    def sign(self, number: int) -> str:
        """Return the search_id of ``number``.

        >>> s = Signer(b"k"); sid = s.sign(1_000_000_000_000 << 21)  # given at 1e9 s
        >>> len(sid), s.verify(sid, 1e9) == int(sid[:16], 16), s.verify(sid[:-1] + "0", 1e9)
        (32, True, None)
        """
        return f"{number:016x}{self._mac(number)}"

    def verify(self, search_id: str, now: float) -> int | None:
        """Return the number of ``search_id`` if this key signed it and it was given within
        the last CLICK_MAX_AGE seconds; else None."""
        try:
            number = int(search_id[:16], 16)
        except ValueError:
            return None
        if len(search_id) != 32 or number >= 1 << 64 \
                or not hmac.compare_digest(self._mac(number), search_id[16:]):
            return None
        given = (number >> (RANDOM_BITS + ANSWER_BITS)) / 1000
        return number if now - CLICK_MAX_AGE <= given <= now + CLICK_CLOCK_SKEW else None
