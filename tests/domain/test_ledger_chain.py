"""R14: the hash chain detects any single edit, removal, insertion or swap, and names it."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.ledger import (
    GENESIS,
    Action,
    Entry,
    EntryDraft,
    canonical_data,
    mac_of,
    seal,
    verify_chain,
)

KEY = b"k" * 32
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def build(n: int, key: bytes = KEY) -> list[Entry]:
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        draft = EntryDraft(
            Action.MOVE,
            T0 + timedelta(seconds=i),
            f"user{i % 3}",
            f"JM-2026-{i:06d}",
            to_place="office-a",
            data={"i": i, "tags": ["a", "b"]},
        )
        e = seal(draft, i, prev, key)
        out.append(e)
        prev = e.hash
    return out


def check(chain: list[Entry], head: tuple[int, str]):  # type: ignore[no-untyped-def]
    index = {e.hash: e.seq for e in chain}
    return verify_chain(chain, KEY, head[0], head[1], index.get)


def renumber(chain: list[Entry]) -> list[Entry]:
    return [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(chain)]


def test_r14_intact_chain_verifies() -> None:
    chain = build(20)
    result = check(chain, (20, chain[-1].hash))
    assert result.ok and result.entries == 20


def test_r14_empty_chain_with_empty_head_verifies_and_nonempty_head_is_truncation() -> None:
    assert check([], (0, GENESIS)).ok
    assert check([], (3, "ab" * 32)).problem.kind == "truncated"  # type: ignore[union-attr]


FIELDS = ["action", "actor", "carrier", "reason", "to_place", "at", "data"]


@settings(max_examples=150)
@given(n=st.integers(2, 30), data=st.data())
def test_r14_any_single_edit_is_detected_at_that_entry(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = (n, chain[-1].hash)
    k = data.draw(st.integers(0, n - 1))
    name = data.draw(st.sampled_from(FIELDS))
    old = chain[k]
    new_value = {
        "action": "destroy",
        "actor": "mallory",
        "carrier": "JM-2026-999999",
        "reason": "x",
        "to_place": "outside",
        "at": old.at + timedelta(microseconds=1),
        "data": {"i": -1},
    }[name]
    chain[k] = dataclasses.replace(old, **{name: new_value})
    p = check(chain, head).problem
    assert p is not None and p.kind == "edited" and p.seq == old.seq


@settings(max_examples=150)
@given(n=st.integers(2, 30), data=st.data())
def test_r14_any_single_removal_is_detected_and_named(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = (n, chain[-1].hash)
    k = data.draw(st.integers(0, n - 1))
    renumbered = data.draw(st.booleans())
    cut = chain[:k] + chain[k + 1 :]
    if renumbered:
        cut = renumber(cut)
    p = check(cut, head).problem
    assert p is not None
    if k == n - 1:
        assert p.kind == "truncated"
    else:
        assert p.kind == "removed"
        assert p.seq == cut[k].seq


@settings(max_examples=150)
@given(n=st.integers(1, 30), data=st.data())
def test_r14_any_single_insertion_is_detected_and_named(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = (n, chain[-1].hash)
    k = data.draw(st.integers(0, n))
    prev = GENESIS if k == 0 else chain[k - 1].hash
    # The forger computes a perfect SHA-256 link but has no ledger key.
    forged = seal(
        EntryDraft(Action.RECEIVE, T0, "mallory", "JM-2026-777777"), k + 1, prev, b"guess"
    )
    tampered = renumber([*chain[:k], forged, *chain[k:]])
    p = check(tampered, head).problem
    assert p is not None and p.kind == "inserted" and p.seq == k + 1


@settings(max_examples=150)
@given(n=st.integers(2, 30), data=st.data())
def test_r14_any_swap_of_two_entries_is_detected_as_reordering(n: int, data: st.DataObject) -> None:
    chain = build(n)
    head = (n, chain[-1].hash)
    i, j = sorted(data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)))
    swapped = list(chain)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    swapped = renumber(swapped)
    p = check(swapped, head).problem
    assert p is not None and p.kind == "reordered" and p.seq == i + 1


def test_r14_rewriting_the_whole_chain_without_the_key_is_detected() -> None:
    # A perfect chain whose every hash and link is right, sealed with another key.
    rewritten = build(5, key=b"not the key")
    p = check(rewritten, (5, rewritten[-1].hash)).problem
    assert p is not None and p.kind == "edited" and p.seq == 1


def test_r14_cutting_entries_off_the_end_shows_against_the_head() -> None:
    chain = build(10)
    p = check(chain[:7], (10, chain[-1].hash)).problem
    assert p is not None and p.kind == "truncated" and "3" in p.message


def test_r14_a_head_that_disagrees_with_the_chain_is_reported() -> None:
    chain = build(4)
    p = check(chain, (4, "f" * 64)).problem
    assert p is not None and p.kind == "head"


@given(key=st.binary(max_size=200), digest=st.text(alphabet="0123456789abcdef", max_size=64))
def test_r14_an_entry_mac_is_the_standard_hmac_sha256_under_any_key(
    key: bytes, digest: str
) -> None:
    # mac_of computes HMAC from the key's padded states kept per key; an outside checker
    # with the key and any HMAC library must get the same seal (keys longer than
    # SHA-256's block are hashed first, as RFC 2104 says).
    expected = hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()
    assert mac_of(key, digest) == expected
    assert mac_of(key, digest) == expected  # again, from the kept states


@given(
    data=st.dictionaries(
        st.text(), st.one_of(st.none(), st.text(), st.integers(), st.lists(st.text()))
    )
)
def test_r14_canonical_data_is_sorted_compact_utf8_json(data: dict) -> None:  # type: ignore[type-arg]
    # The register's format: what json.dumps writes with these settings, byte for byte.
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_data(data) == expected


def test_r14_a_sealed_entry_is_a_frozen_entry_equal_to_one_built_from_its_fields() -> None:
    e = build(1)[0]
    fields = {f.name: getattr(e, f.name) for f in dataclasses.fields(Entry)}
    assert e == Entry(**fields) and repr(e) == repr(Entry(**fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.reason = "changed"  # type: ignore[misc]
