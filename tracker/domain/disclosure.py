"""The disclosure record (知悉记录, R16) and the handling of top-secret receipts (R18).

The regulations ask that everyone who comes into contact with a top-secret carrier's
content is written down (对接触和知悉绝密级秘密载体内容的人员做出文字记载, 000 §17), and
that a top-secret document received is handled within three days and kept in the
secure room (绝密级文件……三天内一律办清，并放在机要室保存, 001 第2篇 §一).

A :class:`Disclosure` is one person's contact with one carrier over a span of time:
reading it in the secure room (a reading session), borrowing it, carrying it, signing
for it, destroying or witnessing its destruction, handling it. Each is written by the use
case that makes the contact, or by a reader that saw it (a door crossing, a badge at a
reading desk). A :class:`Handling` is the deadline and the handling (批办 / 办理) of one
top-secret receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class DisclosureKind(str, Enum):
    """What the contact was."""

    RECEIPT = "receipt"  # 签收: the custodian signed for it
    READING = "reading"  # 阅读: a reading session in the secure room
    BORROW = "borrow"  # 借阅: checked out to the person until returned
    CARRY = "carry"  # 携带: carried out under approval, or seen carrying it at a door
    DESTRUCTION = "destruction"  # 销毁: destroyed it
    WITNESS = "witness"  # 监销: watched it destroyed
    HANDLING = "handling"  # 批办 / 办理 (R18)

    @property
    def zh(self) -> str:
        """The kind's Chinese name."""
        return _KIND_ZH[self]


_KIND_ZH = {
    DisclosureKind.RECEIPT: "签收",
    DisclosureKind.READING: "阅读",
    DisclosureKind.BORROW: "借阅",
    DisclosureKind.CARRY: "携带",
    DisclosureKind.DESTRUCTION: "销毁",
    DisclosureKind.WITNESS: "监销",
    DisclosureKind.HANDLING: "批办办理",
}


class DisclosureSource(str, Enum):
    """How the contact came to be written down."""

    DESK = "desk"  # opened and closed at the custodian's desk (console, API, command line)
    BADGE = "badge"  # by the reader's badge at a reading desk
    RECORD = "record"  # by the use case that made the contact (borrow, carry-out, …)
    DOOR = "door"  # seen with the carrier as it crossed a door

    @property
    def zh(self) -> str:
        """The source's Chinese name."""
        return _SOURCE_ZH[self]


_SOURCE_ZH = {
    DisclosureSource.DESK: "机要员登记",
    DisclosureSource.BADGE: "阅文桌刷卡",
    DisclosureSource.RECORD: "业务记录",
    DisclosureSource.DOOR: "门禁识读",
}


@dataclass
class Disclosure:
    """One person's contact with one top-secret carrier (R16). ``ended_at`` is None while
    the contact lasts (an open reading session, a borrow not yet returned)."""

    id: str
    carrier: str  # serial
    person: str
    kind: DisclosureKind
    started_at: datetime
    ended_at: datetime | None = None
    place: str | None = None  # the room where it happened, when known
    source: DisclosureSource = DisclosureSource.RECORD
    opened_by: str = ""  # who wrote the start: a person, or a gateway device
    closed_by: str | None = None
    ref: str | None = None  # the borrow, carry-out, destruction, handling or movement
    desk: str | None = None  # the reading desk where a badge opened it

    @property
    def open(self) -> bool:
        """True while the contact lasts."""
        return self.ended_at is None


class HandlingState(str, Enum):
    """Where a top-secret receipt is in its handling (R18)."""

    OPEN = "open"  # received, not yet handled
    INSTRUCTED = "instructed"  # a leader has written instructions (批办)
    DONE = "done"  # handled (办结)

    @property
    def zh(self) -> str:
        """The state's Chinese name."""
        return _HANDLING_ZH[self]


_HANDLING_ZH = {
    HandlingState.OPEN: "待办理",
    HandlingState.INSTRUCTED: "已批办",
    HandlingState.DONE: "已办结",
}


@dataclass
class Handling:
    """A top-secret receipt's handling deadline and its handling (R18): instructions by a
    leader (批办, optional) and the custodian's record that it was dealt with (办理)."""

    id: str
    carrier: str  # serial
    received_at: datetime  # when it was registered
    due_at: datetime  # close of business of the last working day allowed
    received_by: str
    state: HandlingState = HandlingState.OPEN
    instructed_by: str | None = None
    instructed_at: datetime | None = None
    instruction: str = ""  # 批办意见: may quote the content, shown only with need-to-know
    handled_by: str | None = None
    handled_at: datetime | None = None
    outcome: str = ""  # 办理情况: as above

    @property
    def pending(self) -> bool:
        """True until it has been handled."""
        return self.state is not HandlingState.DONE
