"""Checking a stored chain at the speed of its hashes (``tracker audit verify``).

:func:`tracker.domain.ledger.verify_chain` works on :class:`~tracker.domain.ledger.Entry`
objects: every row becomes one (a datetime, a dict) and is encoded again, and on a
million entries that conversion is most of the time. :class:`StoredWalk` checks entries
given as their canonical bytes (put together by the store from the stored parts, see
:mod:`tracker.store.ledger_verify`): SHA-256 of the bytes against the stored hash, the
HMAC of the hash, the link to the previous hash and the numbering - the chain's checks
and nothing else.

It only ever *accepts*. A row it cannot accept stops it, and the caller decides about
that row the slow way, and names any problem with :func:`verify_chain`, which continues
from the last entry accepted (``after``, ``counted``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from tracker.domain.ledger import GENESIS

# One stored entry as the walk reads it: (seq, canonical bytes, prev_hash, hash, mac).
StoredRow = Sequence[Any]

_BLOCK = 64  # SHA-256's block size, for the HMAC key pads
HEX_PER_ENTRY = 192  # prev_hash, hash and mac: 64 hex characters each


def packed(prev_hash: str, digest: str, mac: str, body: bytes) -> bytes:
    """One entry as :meth:`StoredWalk.feed_packed` reads it (the store's window query
    puts the same text together in SQL): the three hashes, then the canonical bytes."""
    return f"{prev_hash}{digest}{mac}".encode() + body


class HmacSha256:
    """HMAC-SHA256 under one key with the key's pads hashed once (RFC 2104), so each
    message costs two compressions of its own instead of four."""

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    @property
    def pads(self) -> tuple[Any, Any]:
        """The SHA-256 states after the inner and the outer key pad (copy before use)."""
        return self._inner, self._outer

    def hexdigest(self, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` as hex (equal to ``hmac.new(key, message,
        sha256).hexdigest()``)."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


class StoredWalk:
    """Accepts stored entries in order while each is intact and linked to the last.

    ``count``, ``last_seq`` and ``last_hash`` say how far it got; ``seen`` is the hash
    of entry number ``expect_seq`` once it was accepted (a head an officer recorded)."""

    def __init__(self, key: bytes, expect_seq: int | None = None) -> None:
        self._mac = HmacSha256(key)
        self.expect_seq = expect_seq
        self.count = 0
        self.last_seq: int | None = None
        self.last_hash = GENESIS
        self.seen: str | None = None

    def feed(self, rows: Sequence[StoredRow], start: int = 0) -> int:
        """Accept ``rows[start:]`` in order; returns the index of the first row not
        accepted (``len(rows)`` when all were)."""
        mac_of = self._mac.hexdigest
        sha256 = hashlib.sha256
        compare = hmac.compare_digest
        expect = self.expect_seq
        last_seq, last_hash, count = self.last_seq, self.last_hash, self.count
        i = start
        try:
            for i in range(start, len(rows)):
                seq, body, prev, digest, mac = rows[i]
                if prev != last_hash or (last_seq is not None and seq != last_seq + 1):
                    break
                if sha256(body).hexdigest() != digest:
                    break
                if not compare(mac_of(digest.encode()), mac):
                    break
                if seq == expect:
                    self.seen = digest
                last_seq, last_hash, count = seq, digest, count + 1
            else:
                i = len(rows)
        except (TypeError, ValueError, AttributeError, UnicodeError):
            pass  # a row of the wrong shape or types (NULL bytes): not accepted here
        self.last_seq, self.last_hash, self.count = last_seq, last_hash, count
        return i

    def feed_packed(self, first_seq: int, packed: Sequence[bytes]) -> int:
        """Accept consecutive entries numbered from ``first_seq``, each given as one
        :func:`packed` text: its prev_hash, hash and mac (64 hex characters each) and
        then its canonical bytes. Returns how many were accepted, in order.

        The hashes come with the bytes so that the database puts each entry's text
        together in one call and a window comes as one value (on PostgreSQL the
        client's CPU for a window went from 1.50 to 0.84 µs an entry against a second
        aggregate of the hashes; bench/RESULTS.md, goal 3)."""
        if self.last_seq is not None and first_seq != self.last_seq + 1:
            return 0
        sha256 = hashlib.sha256
        compare = hmac.compare_digest
        inner_pad, outer_pad = self._mac.pads  # the HMAC inline: this loop is the hot one
        last = self.last_hash.encode()
        done = 0
        for text in packed:
            digest = text[64:128]
            if text[:64] != last or sha256(text[192:]).hexdigest().encode() != digest:
                break
            inner = inner_pad.copy()
            inner.update(digest)
            outer = outer_pad.copy()
            outer.update(inner.digest())
            if not compare(outer.hexdigest().encode(), text[128:192]):
                break
            last = digest
            done += 1
        if done:
            last_seq = first_seq + done - 1
            expect = self.expect_seq
            if expect is not None and first_seq <= expect <= last_seq:
                self.seen = packed[expect - first_seq][64:128].decode()
            self.last_seq, self.last_hash = last_seq, last.decode()
            self.count += done
        return done

    def accept(self, seq: int, body: bytes, prev: str, digest: str, mac: str) -> bool:
        """Accept one entry whose canonical bytes the caller put together itself (an
        entry stored in an older form); False when it is not intact and linked."""
        return self.feed([(seq, body, prev, digest, mac)]) == 1
