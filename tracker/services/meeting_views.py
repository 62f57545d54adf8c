"""Reading classified meetings (R17) with need-to-know: a meeting's name is as sensitive
as a title, so keepers see every meeting and anyone else only those they attend."""

from __future__ import annotations

from tracker.domain.errors import NotFound
from tracker.domain.meetings import Handout, Meeting
from tracker.domain.model import Person
from tracker.services.base import Services


def may_see(person: Person | None, m: Meeting) -> bool:
    """Keepers see every meeting; anyone else the meetings they attend (a meeting's
    name is as sensitive as a title)."""
    if person is None or person.role.administrator:
        return False
    return person.role.keeps_carriers or person.id in m.attendees


def visible(
    svc: Services, person: Person | None, *, limit: int, offset: int
) -> tuple[list[Meeting], int]:
    """A page of the meetings ``person`` may see, latest start first, and how many."""
    with svc.read() as uow:
        seen = [m for m in uow.meetings.find(order_by="-starts_at") if may_see(person, m)]
    return seen[offset : offset + limit], len(seen)


def detail(svc: Services, person: Person | None, meeting_id: str) -> tuple[Meeting, list[Handout]]:
    """One meeting and its hand-outs, if ``person`` may see it; NotFound otherwise."""
    with svc.read() as uow:
        m = uow.meetings.get(meeting_id)
        if m is None or not may_see(person, m):
            raise NotFound(f"no meeting {meeting_id!r}", zh="没有该会议")
        return m, uow.handouts.find(meeting=m.id, order_by="handed_at")
