"""Classified meetings (涉密会议, R17): a meeting in a room at a time, its attendees, the
materials planned for it, and every hand-out of a material to an attendee with its
collection. The rules are :mod:`tracker.domain.rules.meetings`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tracker.domain.levels import Level


class MeetingState(str, Enum):
    """Life of a meeting: scheduled (materials may be handed out), ended, cancelled."""

    SCHEDULED = "scheduled"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def zh(self) -> str:
        """Chinese name of the state."""
        return {"scheduled": "已安排", "ended": "已结束", "cancelled": "已取消"}[self.value]


@dataclass
class Meeting:
    """A classified meeting. Its ``name`` is as sensitive as a carrier's title: shown to
    keepers and attendees only, never written into the register."""

    id: str
    name: str
    room: str
    level: Level  # the highest level of what is discussed and handed out
    starts_at: datetime
    ends_at: datetime
    organizer: str  # the custodian or officer who registered it
    created_at: datetime
    attendees: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()  # serials planned for hand-out
    state: MeetingState = MeetingState.SCHEDULED
    ended_at: datetime | None = None
    ended_by: str | None = None
    swept_at: datetime | None = None  # when the room was swept after the end
    left_behind: tuple[str, ...] = ()  # serials the sweep found in the room

    @property
    def open(self) -> bool:
        """True until the meeting has ended or was cancelled."""
        return self.state is MeetingState.SCHEDULED


class HandoutState(str, Enum):
    """A material handed out is out with the attendee until collected."""

    OUT = "out"
    COLLECTED = "collected"

    @property
    def zh(self) -> str:
        """Chinese name of the state."""
        return {"out": "未收回", "collected": "已收回"}[self.value]


@dataclass
class Handout:
    """One material handed to one attendee at a meeting, and its collection."""

    id: str
    meeting: str
    carrier: str  # serial
    attendee: str
    room: str  # the meeting's room, where the material may be while it is out
    handed_at: datetime
    handed_by: str
    state: HandoutState = HandoutState.OUT
    collected_at: datetime | None = None
    collected_by: str | None = None
    returned_by: str | None = None  # who gave it back (the attendee, or someone else)
