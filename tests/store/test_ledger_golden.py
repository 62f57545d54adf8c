"""Golden vectors of the custody register (R14): three entries, their canonical bytes,
hashes and HMACs and the sealed head, under a fixed test key — written down once and
never recomputed by the code under test. Changing the canonical encoding (key order,
separators, time format, how sets, enums or times inside the data are written), the hash
or the HMAC fails here, instead of silently making every existing database unverifiable.
The same entries appended through the database-backed ledger (SQLite and PostgreSQL)
come out with the same hashes, HMACs and head."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine, select

from tracker.domain.ledger import GENESIS, Action, EntryDraft, canonical, head_mac, seal
from tracker.store.ledger import HEAD
from tracker.store.uow import SqlUnitOfWork

KEY = bytes(range(32))  # the test key: 00 01 02 … 1f
CST = timezone(timedelta(hours=8))

DRAFTS = [
    EntryDraft(
        Action.RECEIVE,
        datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=CST),  # stored as UTC
        "carol",
        carrier="JM-2026-000001",
        to_place="secure",
        data={
            "level": "secret",
            "marking": "机密★10年",
            "declared_count": 1,
            "pages": None,
            "epc": "3414257BF400000000000001",
            "copy": "1/3",
        },
    ),
    EntryDraft(
        Action.MOVE,
        datetime(2026, 11, 24, 2, 5, tzinfo=UTC),
        "gw-secure",
        carrier="JM-2026-000001",
        from_place="secure",
        to_place="corridor",
        data={
            "door": "door-secure",
            "people": ["alice", "e1"],
            "observed_at": datetime(2026, 11, 24, 2, 4, 59, 500000, tzinfo=UTC),
            "current": True,
            "tags": {"b", "a"},  # a set is written sorted
        },
    ),
    EntryDraft(
        Action.COPY_REJECT,
        datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
        "ann",
        carrier="JM-2026-000001",
        approver="ann",
        reason="无必要",
        data={"copy_request": "5f0c", "count": 2},
    ),
]

CANONICAL = [
    '{"action":"receive","actor":"carol","approver":null,"at":"2026-11-24T02:00:00.123456Z",'
    '"carrier":"JM-2026-000001","data":{"copy":"1/3","declared_count":1,'
    '"epc":"3414257BF400000000000001","level":"secret","marking":"机密★10年","pages":null},'
    '"from":null,"prev":"' + GENESIS + '","reason":"","to":"secure"}',
    '{"action":"move","actor":"gw-secure","approver":null,"at":"2026-11-24T02:05:00.000000Z",'
    '"carrier":"JM-2026-000001","data":{"current":true,"door":"door-secure",'
    '"observed_at":"2026-11-24T02:04:59.500000Z","people":["alice","e1"],"tags":["a","b"]},'
    '"from":"secure","prev":"41d387f806e06753a9edc24072bd1c40ecdea20c515c2ec6f92a82e3b3569b31",'
    '"reason":"","to":"corridor"}',
    '{"action":"copy_reject","actor":"ann","approver":"ann","at":"2026-11-24T03:00:00.000000Z",'
    '"carrier":"JM-2026-000001","data":{"copy_request":"5f0c","count":2},"from":null,'
    '"prev":"88b4be5c5ced33d5228ad4ff3fa48c8c55adaf78ede774cecbf3f021d6ce641f",'
    '"reason":"无必要","to":null}',
]
HASHES = [
    "41d387f806e06753a9edc24072bd1c40ecdea20c515c2ec6f92a82e3b3569b31",
    "88b4be5c5ced33d5228ad4ff3fa48c8c55adaf78ede774cecbf3f021d6ce641f",
    "1f9621697ed2ab87a70179aab1bc0390dbbfad1cd3a5600b00499c8781634973",
]
MACS = [
    "d94b230b2f50d04b9d8ec08dd611d6786e68e4f73b4cf0d5091e6b2f900df95b",
    "e67c9dd7feddf7ef1ce5c7e0c9c7311f6983744ba713d547fb9f4728e2063202",
    "460d2be065387f6bd9f23ab5189a6419a78e749dd66799fb404970f5bb604fa3",
]
HEAD_MAC = "b6e2983b6d47cf04455df386d5757bec3f1e6b05308810247092c497fa0df7b9"


def test_the_golden_vectors_are_consistent_by_themselves() -> None:
    # SHA-256 over the canonical bytes, HMAC-SHA256 of the hex hash, the head's HMAC over
    # "count:last_hash" — computed here with hashlib alone, not the code under test.
    for body, digest, mac in zip(CANONICAL, HASHES, MACS, strict=True):
        assert hashlib.sha256(body.encode()).hexdigest() == digest
        assert hmac.new(KEY, digest.encode(), hashlib.sha256).hexdigest() == mac
    head = hmac.new(KEY, f"3:{HASHES[-1]}".encode(), hashlib.sha256).hexdigest()
    assert head == HEAD_MAC


def test_sealing_gives_the_golden_bytes_hashes_and_macs() -> None:
    prev = GENESIS
    for seq, draft in enumerate(DRAFTS, 1):
        e = seal(draft, seq, prev, KEY)
        body = canonical(
            e.action,
            e.at,
            e.actor,
            e.carrier,
            e.approver,
            e.from_place,
            e.to_place,
            e.reason,
            e.data,
            e.prev_hash,
        )
        assert body.decode() == CANONICAL[seq - 1]
        assert (e.prev_hash, e.hash, e.mac) == (prev, HASHES[seq - 1], MACS[seq - 1])
        prev = e.hash
    assert head_mac(KEY, len(DRAFTS), prev) == HEAD_MAC


def test_the_database_ledger_stores_the_golden_hashes_macs_and_head(engine: Engine) -> None:
    with SqlUnitOfWork(engine, KEY) as uow:
        for draft in DRAFTS:
            uow.ledger.append(draft)
        uow.commit()
    with SqlUnitOfWork(engine, KEY, write=False) as uow:
        entries = uow.ledger.entries()
        assert uow.ledger.verify().ok
    assert [(e.seq, e.hash, e.mac) for e in entries] == list(
        zip([1, 2, 3], HASHES, MACS, strict=True)
    )
    assert entries[0].at == datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=UTC)
    assert entries[1].data["tags"] == ["a", "b"]
    with engine.connect() as conn:
        head = conn.execute(select(HEAD.c.count, HEAD.c.last_hash, HEAD.c.mac)).one()
    assert tuple(head) == (3, HASHES[-1], HEAD_MAC)


def test_the_database_puts_the_golden_canonical_bytes_together(engine: Engine) -> None:
    """``tracker audit verify`` hashes bytes the database puts together from the stored
    columns (issue 16); for the golden entries they are the golden bytes."""
    from tracker.store.ledger_verify import _Rows

    with SqlUnitOfWork(engine, KEY) as uow:
        for draft in DRAFTS:
            uow.ledger.append(draft)
        uow.commit()
    with SqlUnitOfWork(engine, KEY, write=False) as uow:
        rows = _Rows(uow.session.connection(), HEAD.metadata.tables["ledger_entries"])
        window = rows.window(0)
    assert window is not None
    count, first, texts = window  # each: prev_hash, hash, mac (64 hex each), the bytes
    assert (count, first) == (3, 1)
    assert [t[192:].decode() for t in texts] == CANONICAL
    assert "".join(t[:192].decode() for t in texts) == "".join(
        p + h + m for p, h, m in zip([GENESIS, *HASHES[:2]], HASHES, MACS, strict=True)
    )
