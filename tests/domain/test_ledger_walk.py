"""The fast chain walk (issue 16) agrees with the definitions: the canonical text put
together from parts is ``json.dumps`` of the entry's document, the HMAC with the key's
pads hashed once is RFC 2104's, and the walk accepts exactly the intact prefix."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from tests.domain.test_ledger_chain import KEY, build
from tracker.domain.ledger import GENESIS, Entry, canonical_data, canonical_text, iso
from tracker.domain.ledger_walk import HmacSha256, StoredWalk, packed

texts = st.text(max_size=40)  # any characters: quotes, backslashes, controls, CJK
maybe = st.none() | texts
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


@given(
    texts, texts, texts, maybe, maybe, maybe, maybe, texts,
    st.dictionaries(texts, json_values, max_size=5), texts,
)  # fmt: skip
def test_canonical_text_is_the_sorted_compact_json_of_the_document(
    action: str,
    at: str,
    actor: str,
    carrier: str | None,
    approver: str | None,
    frm: str | None,
    to: str | None,
    reason: str,
    data: dict[str, object],
    prev: str,
) -> None:
    doc = {
        "action": action,
        "at": at,
        "actor": actor,
        "carrier": carrier,
        "approver": approver,
        "from": frm,
        "to": to,
        "reason": reason,
        "data": data,
        "prev": prev,
    }
    expected = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    got = canonical_text(
        action, at, actor, carrier, approver, frm, to, reason, canonical_data(data), prev
    )
    assert got == expected


@given(st.binary(max_size=200), st.binary(max_size=300))
def test_the_hmac_is_rfc_2104(key: bytes, message: bytes) -> None:
    assert HmacSha256(key).hexdigest(message) == hmac.new(key, message, hashlib.sha256).hexdigest()


def stored(e: Entry) -> tuple[object, ...]:
    """An entry as the store hands it to the walk."""
    body = canonical_text(
        e.action, iso(e.at), e.actor, e.carrier, e.approver, e.from_place, e.to_place,
        e.reason, canonical_data(e.data), e.prev_hash,
    )  # fmt: skip
    return (e.seq, body.encode(), e.prev_hash, e.hash, e.mac)


def test_the_walk_accepts_an_intact_chain_in_batches() -> None:
    chain = build(12)
    walk = StoredWalk(KEY, expect_seq=7)
    rows = [stored(e) for e in chain]
    assert walk.feed(rows[:5]) == 5
    assert walk.feed(rows[5:]) == 7
    assert (walk.count, walk.last_seq, walk.last_hash) == (12, 12, chain[-1].hash)
    assert walk.seen == chain[6].hash


def test_the_walk_stops_at_the_first_row_it_cannot_accept() -> None:
    chain = build(8)
    rows = [stored(e) for e in chain]
    for bad in (
        dataclasses.replace(chain[4], reason="edited"),
        dataclasses.replace(chain[4], mac="0" * 64),
        dataclasses.replace(chain[4], prev_hash=GENESIS),
        dataclasses.replace(chain[4], seq=6),
    ):
        walk = StoredWalk(KEY)
        assert walk.feed([*rows[:4], stored(bad), *rows[5:]]) == 4
        assert (walk.count, walk.last_hash) == (4, chain[3].hash)
    walk = StoredWalk(KEY)
    assert walk.feed([*rows[:2], (3, None, *rows[2][2:]), *rows[3:]]) == 2  # NULL bytes


def test_a_row_the_walk_stops_at_can_be_accepted_after_checking_it_otherwise() -> None:
    chain = build(5)
    rows = [stored(e) for e in chain]
    e = chain[2]
    old = (e.seq, json.dumps(e.data).encode(), e.prev_hash, e.hash, e.mac)  # not canonical
    walk = StoredWalk(KEY)
    assert walk.feed([*rows[:2], old, *rows[3:]]) == 2
    assert not walk.accept(e.seq, rows[2][1], e.prev_hash, e.hash, "f" * 64)  # a wrong seal
    assert walk.accept(*rows[2])  # its bytes put together again, the right way
    assert walk.feed(rows, 3) == 5 and walk.count == 5


def body(e: Entry) -> bytes:
    """An entry's canonical bytes."""
    text = stored(e)[1]
    assert isinstance(text, bytes)
    return text


def packed_rows(chain: list[Entry]) -> list[bytes]:
    """The entries as the store's window query puts them together."""
    return [packed(e.prev_hash, e.hash, e.mac, body(e)) for e in chain]


def test_a_window_of_packed_entries_is_accepted_up_to_the_first_it_cannot_accept() -> None:
    chain = build(9)
    texts = packed_rows(chain)
    assert texts[0][:192].decode() == GENESIS + chain[0].hash + chain[0].mac
    walk = StoredWalk(KEY, expect_seq=6)
    assert walk.feed_packed(1, texts[:4]) == 4
    assert walk.feed_packed(6, texts[4:]) == 0  # not the next number: nothing accepted
    assert walk.feed_packed(5, texts[4:]) == 5
    assert (walk.count, walk.last_seq, walk.last_hash) == (9, 9, chain[-1].hash)
    assert walk.seen == chain[5].hash
    e = chain[4]
    for bad in (
        packed_rows([dataclasses.replace(e, reason="edited")])[0],
        packed(e.prev_hash, e.hash, "0" * 64, body(e)),
        packed(GENESIS, e.hash, e.mac, body(e)),
        packed(e.prev_hash, e.hash[:-1], e.mac + "0", body(e)),
        texts[4][:191],
        b"",
    ):
        walk = StoredWalk(KEY)
        assert walk.feed_packed(1, [*texts[:4], bad, *texts[5:]]) == 4
        assert (walk.count, walk.last_seq, walk.last_hash) == (4, 4, chain[3].hash)
        assert walk.feed_packed(5, texts[4:]) == 5  # the right bytes go on from there
