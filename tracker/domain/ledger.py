"""The custody register (R14) as a hash chain: pure encoding, hashing and verification.
The administration log (:mod:`tracker.domain.adminlog`) is a second chain of the same
entries, sealed and verified by the same functions under a key of its own.

Each entry carries the SHA-256 of the previous entry, so editing, removing, inserting or
reordering any entry breaks a link; an HMAC under a key kept outside the database makes
rewriting the whole chain impossible without the key; and the head (count and last
hash), recorded outside the system by an officer, shows entries cut off the end.

The canonical encoding is JSON with sorted keys, no whitespace, UTF-8, and times as
ISO 8601 UTC with microseconds, so the same entry always hashes the same on every
database and machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tracker.domain.adminlog import AdminAction

GENESIS = "0" * 64  # the "previous hash" of the first entry


class Action(str, Enum):
    """What a ledger entry records (R14's list, plus the system's own steps)."""

    RECEIVE = "receive"
    REGISTER = "register"
    LABEL = "label"
    REPRINT = "reprint"
    STORE = "store"
    BORROW_REQUEST = "borrow_request"
    BORROW_APPROVE = "borrow_approve"
    BORROW_REJECT = "borrow_reject"
    CHECK_OUT = "check_out"
    RETURN = "return"
    CIRCULATE = "circulate"  # before issue 11: a circulation started with a named approver
    CIRCULATION_REQUEST = "circulation_request"
    CIRCULATION_APPROVE = "circulation_approve"
    CIRCULATION_REJECT = "circulation_reject"
    CARRY_OUT_REQUEST = "carry_out_request"
    CARRY_OUT_APPROVE = "carry_out_approve"
    CARRY_OUT_REJECT = "carry_out_reject"
    CARRY_OUT_RETURN = "carry_out_return"
    COPY_REQUEST = "copy_request"
    COPY_APPROVE = "copy_approve"
    COPY_REJECT = "copy_reject"
    COPY = "copy"
    TRANSFER = "transfer"
    MOVE = "move"
    HANDOVER = "handover"
    HANDOVER_SIGN = "handover_sign"  # the supervising leader (监交人) signs a handover
    LEAVE_POST = "leave_post"
    ARCHIVE = "archive"
    INVENTORY_START = "inventory_start"
    INVENTORY_CLOSE = "inventory_close"
    MISSING = "missing"
    FOUND = "found"
    DESTROY_REQUEST = "destroy_request"
    DESTROY_APPROVE = "destroy_approve"
    DESTROY_REJECT = "destroy_reject"
    DESTROY_WITNESS = "destroy_witness"
    DESTROY = "destroy"
    LEVEL_CHANGE_REQUEST = "level_change_request"
    LEVEL_CHANGE_APPROVE = "level_change_approve"
    LEVEL_CHANGE_REJECT = "level_change_reject"
    RECLASSIFY = "reclassify"
    DECLASSIFY = "declassify"
    WIDEN_SCOPE = "widen_scope"
    LOSS_REPORT = "loss_report"
    ALERT_RAISE = "alert_raise"
    ALERT_ACK = "alert_ack"
    ALERT_RESOLVE = "alert_resolve"
    ALERT_ESCALATE = "alert_escalate"
    SCHEDULED_RUN = "scheduled_run"
    CORRECTION = "correction"
    PERSON = "person"
    SITE_LOAD = "site_load"
    ALARM = "alarm"  # a door's alarm sounded (with its stills' SHA-256)
    EVIDENCE_DELETE = "evidence_delete"  # a still removed at the end of its retention
    READING_OPEN = "reading_open"  # R16: a reading session in the secure room began
    READING_CLOSE = "reading_close"  # … and ended
    HANDLING_OPEN = "handling_open"  # R18: a top-secret receipt's handling deadline set
    HANDLING_INSTRUCT = "handling_instruct"  # … a leader's instructions (批办)
    HANDLING_DONE = "handling_done"  # … handled (办理)
    MEETING_CREATE = "meeting_create"  # R17: a classified meeting registered
    MEETING_ATTENDEE = "meeting_attendee"  # R17: an attendee added (clearance and scope checked)
    MEETING_MATERIAL = "meeting_material"  # R17: a carrier planned as a material
    MEETING_HANDOUT = "meeting_handout"  # R17: a material handed to an attendee
    MEETING_COLLECT = "meeting_collect"  # R17: a material collected back
    MEETING_END = "meeting_end"  # R17: the meeting ended (what was not collected)
    MEETING_SWEEP = "meeting_sweep"  # R17: the room swept after the end
    MEETING_CANCEL = "meeting_cancel"
    SEAL = "seal"  # R19: a safe sealed, with the snapshot of its contents
    UNSEAL = "unseal"  # R19: a safe unsealed, with the comparison


@dataclass(frozen=True)
class EntryDraft:
    """What a use case asks the ledger to record: what, which carrier, who, approver,
    from where to where, when, why, and any further details."""

    action: Action | AdminAction
    at: datetime
    actor: str
    carrier: str | None = None
    approver: str | None = None
    from_place: str | None = None
    to_place: str | None = None
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entry:
    """A sealed ledger entry: the draft plus its position, links and seals."""

    seq: int
    action: str
    at: datetime
    actor: str
    carrier: str | None
    approver: str | None
    from_place: str | None
    to_place: str | None
    reason: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    mac: str

    @property
    def meaning(self) -> str:
        """The action as it should be read (see :func:`effective_action`)."""
        return effective_action(self.action, self.data)


# Before issue 11 a rejected copy or destruction was written as ``copy_approve`` /
# ``destroy_approve`` with ``approved: false`` in its data. Those entries are sealed and
# can never be corrected in place, so they are read for what they were.
_REJECTED_AS_APPROVE = {
    Action.COPY_APPROVE.value: Action.COPY_REJECT.value,
    Action.DESTROY_APPROVE.value: Action.DESTROY_REJECT.value,
}


def effective_action(action: str, data: dict[str, Any]) -> str:
    """What an entry records: its action, except that an entry written before issue 11
    as an approval with ``approved: false`` is the rejection it was."""
    if action in _REJECTED_AS_APPROVE and data.get("approved") is False:
        return _REJECTED_AS_APPROVE[action]
    return action


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to read: by actor, by action, in ``[since, until)``; entries by
    ``exclude_actors`` left out."""

    actor: str | None = None
    actions: frozenset[str] = frozenset()
    exclude_actors: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None


def iso(at: datetime) -> str:
    """A datetime as ISO 8601 UTC with microseconds and a ``Z``."""
    if at.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_SCALARS = frozenset({str, int, float, bool, type(None)})  # already plain (not subclasses)
# Made once: ``isinstance(v, list | tuple)`` builds the union on every call.
_SEQUENCES = (list, tuple, set, frozenset)
_SETS = (set, frozenset)
_SCALAR_TYPES = (str, int, float, bool)


def _plain(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, _SETS) else items
    if value is None or isinstance(value, _SCALAR_TYPES):
        return value
    return str(value)


# The encoder of the canonical form: sorted keys, no whitespace, UTF-8 kept as is.
_DATA_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# Its C encoder, made once: ``JSONEncoder.encode`` makes a new one for every document
# (1.5 µs of an entry's sealing). The same function with the same settings, so the
# same text; no check for circular data (an entry's data is plain, never circular).
_MAKE_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_C_DATA_ENCODER = (
    None
    if _MAKE_C_ENCODER is None
    else _MAKE_C_ENCODER(
        None,
        _DATA_ENCODER.default,
        json.encoder.encode_basestring,
        None,
        _DATA_ENCODER.key_separator,
        _DATA_ENCODER.item_separator,
        True,
        False,
        True,
    )
)
_STRING = json.encoder.encode_basestring  # a str as a JSON string, non-ASCII kept


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _STRING(value)
    return _DATA_ENCODER.encode(value)


def canonical_data(data: dict[str, Any]) -> str:
    """The canonical JSON text of an entry's data (already :func:`plain_data`): the text
    its hash covers, and the text the store keeps, so a verifier can hash the stored
    text as it is."""
    if _C_DATA_ENCODER is None:
        return _DATA_ENCODER.encode(data)
    return "".join(_C_DATA_ENCODER(data, 0))


def canonical_text(
    action: str,
    at: str,
    actor: str,
    carrier: str | None,
    approver: str | None,
    from_place: str | None,
    to_place: str | None,
    reason: str,
    data: str,
    prev_hash: str,
) -> str:
    """The canonical text of an entry from its parts as text: ``at`` as :func:`iso`
    gives it and ``data`` as :func:`canonical_data` gives it. The keys are written in
    sorted order, so this is exactly ``json.dumps(doc, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)`` of the entry's document."""
    return (
        f'{{"action":{_json(action)},"actor":{_json(actor)},"approver":{_json(approver)},'
        f'"at":{_json(at)},"carrier":{_json(carrier)},"data":{data},'
        f'"from":{_json(from_place)},"prev":{_json(prev_hash)},"reason":{_json(reason)},'
        f'"to":{_json(to_place)}}}'
    )


def canonical(
    action: str,
    at: datetime,
    actor: str,
    carrier: str | None,
    approver: str | None,
    from_place: str | None,
    to_place: str | None,
    reason: str,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """The canonical bytes an entry's hash is computed over."""
    # The position (seq) is not hashed: order is carried by the links, so a moved entry
    # is still recognised as itself and reported as reordered rather than edited.
    text = canonical_text(
        action,
        iso(at),
        actor,
        carrier,
        approver,
        from_place,
        to_place,
        reason,
        canonical_data(plain_data(data)),
        prev_hash,
    )
    return text.encode()


def plain_data(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` reduced to JSON types exactly as it is hashed (store this form)."""
    scalars = _SCALARS
    for k, v in data.items():
        if type(k) is not str or type(v) not in scalars:
            break
    else:
        return dict(data)  # the common case (an alert's ids and names): already plain
    out = _plain(data)
    assert isinstance(out, dict)
    return out


# The last time sealed, in UTC and as ISO text: the entries of one transaction share its
# time, so a run of 100,000 converts it once. One immutable tuple, replaced whole, so
# threads sealing at once never see one time's text with another's value.
_last_time: list[tuple[datetime, datetime, str]] = []


def _utc_iso(at: datetime) -> tuple[datetime, str]:
    cached = _last_time[0] if _last_time else None
    if cached is not None and cached[0] is at:
        return cached[1], cached[2]
    utc = at.astimezone(UTC)
    text = iso(utc)
    if _last_time:
        _last_time[0] = (at, utc, text)
    else:
        _last_time.append((at, utc, text))
    return utc, text


def seal(draft: EntryDraft, seq: int, prev_hash: str, key: bytes) -> Entry:
    """Seal ``draft`` as entry number ``seq`` following ``prev_hash``."""
    return seal_text(draft, seq, prev_hash, key)[0]


def seal_text(draft: EntryDraft, seq: int, prev_hash: str, key: bytes) -> tuple[Entry, str]:
    """:func:`seal`, and the canonical text of the entry's data it hashed — the text the
    store keeps, so a store need not encode the data a second time."""
    data = plain_data(draft.data)
    at, at_text = _utc_iso(draft.at)
    text = canonical_data(data)
    body = canonical_text(
        draft.action.value,
        at_text,
        draft.actor,
        draft.carrier,
        draft.approver,
        draft.from_place,
        draft.to_place,
        draft.reason,
        text,
        prev_hash,
    )
    digest = hashlib.sha256(body.encode()).hexdigest()
    # The frozen Entry's fields set at once: its __init__ sets each of the 13 through
    # object.__setattr__ (3.6 µs, a quarter of sealing); the entry is the same.
    entry = object.__new__(Entry)
    entry.__dict__.update(
        seq=seq,
        action=draft.action.value,
        at=at,
        actor=draft.actor,
        carrier=draft.carrier,
        approver=draft.approver,
        from_place=draft.from_place,
        to_place=draft.to_place,
        reason=draft.reason,
        data=data,
        prev_hash=prev_hash,
        hash=digest,
        mac=mac_of(key, digest),
    )
    return entry, text


def mac_of(key: bytes, digest: str) -> str:
    """HMAC-SHA256 of an entry hash under the ledger key."""
    # HMAC as RFC 2104 defines it, from the SHA-256 states after the key's inner and
    # outer pads, computed once per key: ``hmac.digest`` set the key up again for every
    # entry (2.5 of its 4 µs).
    pads = _PADS.get(key)
    if pads is None:
        pads = _pads(key)
    inner = pads[0].copy()
    inner.update(digest.encode("ascii"))
    outer = pads[1].copy()
    outer.update(inner.digest())
    return outer.hexdigest()


_PADS: dict[bytes, tuple[hashlib._Hash, hashlib._Hash]] = {}  # key -> (inner, outer) states
_BLOCK = 64  # SHA-256's block size in bytes


def _pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    k = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    k = k.ljust(_BLOCK, b"\0")
    pads = (
        hashlib.sha256(bytes(b ^ 0x36 for b in k)),
        hashlib.sha256(bytes(b ^ 0x5C for b in k)),
    )
    if len(_PADS) >= 8:  # a process uses a key or two; tests use many
        _PADS.clear()
    _PADS[key] = pads
    return pads


def derive_key(key: bytes, purpose: str) -> bytes:
    """A key for ``purpose`` derived from ``key`` (HMAC-SHA256), so two chains sealed
    from one master key cannot vouch for each other's entries."""
    return hmac.new(key, f"tracker-chain:{purpose}".encode(), hashlib.sha256).digest()


def head_mac(key: bytes, count: int, last_hash: str) -> str:
    """HMAC of the chain head, so the stored head cannot be moved back without the key."""
    return hmac.new(key, f"{count}:{last_hash}".encode("ascii"), hashlib.sha256).hexdigest()


def recompute_hash(e: Entry) -> str:
    """The hash an entry's stored fields give."""
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
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with a chain: kind, entry number and an explanation."""

    kind: str  # edited / removed / inserted / reordered / truncated / head
    seq: int
    message: str


@dataclass
class Verification:
    """The result of walking a chain."""

    entries: int = 0
    problem: Problem | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return self.problem is None


def verify_chain(
    entries: Iterable[Entry],
    key: bytes,
    head_count: int | None,
    head_hash: str | None,
    locate: Callable[[str], int | None] = lambda _h: None,
    *,
    after: tuple[int, str] | None = None,
    counted: int = 0,
) -> Verification:
    """Walk ``entries`` in stored order and report the first problem.

    ``locate(hash)`` returns the position of the entry with that hash anywhere in the
    chain (or None); it is asked only when a link is broken, to tell a removed entry from
    one that was moved. What happened at the first broken place is classified as:
    ``edited`` (its fields no longer give its hash, or it was re-hashed without the key),
    ``inserted`` (an entry not sealed by the key whose successor links over it, or that
    lies beyond the recorded head), ``removed`` (a link points to an entry that is gone),
    ``reordered`` (a link points to an entry elsewhere in the chain), ``truncated``
    (fewer entries than the recorded head) or ``head`` (the head itself was changed).

    ``after`` = (seq, hash) of the last of ``counted`` entries already found intact (by
    :class:`tracker.domain.ledger_walk.StoredWalk`): ``entries`` then continue after it."""
    result = Verification(entries=counted)
    it: Iterator[Entry] = iter(entries)
    prev: tuple[int, str] | None = after  # (seq, hash) of the last good entry
    pending = next(it, None)
    position = counted
    while pending is not None:
        e = pending
        pending = next(it, None)
        position += 1
        prev_hash = GENESIS if prev is None else prev[1]
        own = recompute_hash(e)
        if own != e.hash:
            result.problem = Problem(
                "edited", e.seq, f"entry #{e.seq} was edited: its contents do not match its hash"
            )
            return result
        if not hmac.compare_digest(mac_of(key, e.hash), e.mac):
            links_over = pending is not None and pending.prev_hash == prev_hash
            beyond_head = pending is None and head_count is not None and position > head_count
            if e.prev_hash == prev_hash and (links_over or beyond_head):
                result.problem = Problem(
                    "inserted",
                    e.seq,
                    f"entry #{e.seq} was inserted: it is not sealed by the ledger key",
                )
            else:
                result.problem = Problem(
                    "edited",
                    e.seq,
                    f"entry #{e.seq} was edited and re-hashed without the ledger key",
                )
            return result
        if e.prev_hash != prev_hash:
            where = locate(e.prev_hash)
            if where is None:
                before = "the start" if prev is None else f"entry #{prev[0]}"
                result.problem = Problem(
                    "removed",
                    e.seq,
                    f"an entry between {before} and entry #{e.seq} was removed",
                )
            else:
                result.problem = Problem(
                    "reordered",
                    e.seq,
                    f"entry #{e.seq} is out of order: it follows entry #{where}, "
                    f"not {'the start' if prev is None else f'entry #{prev[0]}'}",
                )
            return result
        if prev is not None and e.seq != prev[0] + 1:
            result.problem = Problem(
                "removed",
                e.seq,
                f"entries #{prev[0] + 1}..#{e.seq - 1} are missing before entry #{e.seq}",
            )
            return result
        result.entries += 1
        prev = (e.seq, e.hash)
    last = GENESIS if prev is None else prev[1]
    count = result.entries
    if head_count is not None and count < head_count:
        result.problem = Problem(
            "truncated",
            count + 1,
            f"the chain ends after {count} entries but the head records {head_count}: "
            f"the last {head_count - count} entries were cut off",
        )
    elif head_count is not None and (count != head_count or head_hash != last):
        result.problem = Problem(
            "head",
            count,
            f"the chain has {count} entries ending in {last[:12]}… but the head records "
            f"{head_count} entries ending in {(head_hash or '')[:12]}…",
        )
    return result
