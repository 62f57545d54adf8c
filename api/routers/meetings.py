"""Classified meetings (涉密会议, R17): register, attendees, materials, hand-out and
collection at the door or desk, end, sweep."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.meetings import (
    AttendeesIn,
    CollectIn,
    HandOutIn,
    HandoutOut,
    MaterialsIn,
    MeetingDetailOut,
    MeetingIn,
    MeetingOut,
    ReasonIn,
    SerialsOut,
    SweepIn,
)
from tracker.domain.errors import InvalidInput
from tracker.services import meeting_views, meetings

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], responses=ERROR_RESPONSES)


def _detail(svc: Svc, me: AnyUser, meeting_id: str) -> MeetingDetailOut:
    m, handouts = meeting_views.detail(svc, me.person, meeting_id)
    out = MeetingDetailOut.model_validate(m)
    out.handouts = [HandoutOut.model_validate(h) for h in handouts]
    return out


@router.post("", response_model=MeetingOut, status_code=201, summary="Register a meeting")
def create(body: MeetingIn, me: Custodian, svc: Svc) -> MeetingOut:
    """A classified meeting in a room fit for its level, from ``starts_at`` to ``ends_at``
    (R17)."""
    m = meetings.create_meeting(
        svc, me.actor, body.name, body.room, body.level, body.starts_at, body.ends_at
    )
    return MeetingOut.model_validate(m)


@router.get("", response_model=Page[MeetingOut], summary="List meetings")
def list_meetings(me: AnyUser, svc: Svc, limit: Limit = 50, offset: Offset = 0) -> Page[MeetingOut]:
    """Meetings, latest first: keepers see all, others those they attend."""
    found, total = meeting_views.visible(svc, me.person, limit=limit, offset=offset)
    return Page[MeetingOut](
        items=[MeetingOut.model_validate(m) for m in found], total=total, limit=limit, offset=offset
    )


@router.get("/{meeting_id}", response_model=MeetingDetailOut, summary="Show a meeting")
def show(meeting_id: IdPath, me: AnyUser, svc: Svc) -> MeetingDetailOut:
    """One meeting with every hand-out (who has what, collected or not)."""
    return _detail(svc, me, meeting_id)


@router.post("/{meeting_id}/attendees", response_model=MeetingOut, summary="Add attendees")
def attendees(meeting_id: IdPath, body: AttendeesIn, me: Custodian, svc: Svc) -> MeetingOut:
    """Each must be cleared for the meeting's level and in the knowledge scope of every
    material planned (R17)."""
    return MeetingOut.model_validate(meetings.add_attendees(svc, me.actor, meeting_id, body.people))


@router.post("/{meeting_id}/materials", response_model=MeetingOut, summary="Plan materials")
def materials(meeting_id: IdPath, body: MaterialsIn, me: Custodian, svc: Svc) -> MeetingOut:
    """Carriers (codes), or the copies of a copy request made for the meeting (R8)."""
    if body.copy_request:
        m = meetings.add_copies(svc, me.actor, meeting_id, body.copy_request)
        if body.codes:
            m = meetings.add_materials(svc, me.actor, meeting_id, body.codes)
        return MeetingOut.model_validate(m)
    if not body.codes:
        raise InvalidInput("codes", "name carriers or a copy request", zh="请填写载体或复制申请")
    return MeetingOut.model_validate(meetings.add_materials(svc, me.actor, meeting_id, body.codes))


@router.post("/{meeting_id}/hand-out", response_model=HandoutOut, summary="Hand out a material")
def hand_out(meeting_id: IdPath, body: HandOutIn, me: Custodian, svc: Svc) -> HandoutOut:
    """Scanned at the door or desk: the material is registered to the attendee (R17)."""
    return HandoutOut.model_validate(
        meetings.hand_out(svc, me.actor, meeting_id, body.code, body.attendee)
    )


@router.post("/{meeting_id}/collect", response_model=HandoutOut, summary="Collect a material")
def collect(meeting_id: IdPath, body: CollectIn, me: Custodian, svc: Svc) -> HandoutOut:
    """Scanned on its way back: the material is with the custodian again."""
    return HandoutOut.model_validate(
        meetings.collect(svc, me.actor, meeting_id, body.code, body.returned_by)
    )


@router.post("/{meeting_id}/end", response_model=SerialsOut, summary="End the meeting")
def end(meeting_id: IdPath, me: Custodian, svc: Svc) -> SerialsOut:
    """Anything not collected is an alert naming its attendee (R17)."""
    return SerialsOut(serials=meetings.end_meeting(svc, me.actor, meeting_id))


@router.post("/{meeting_id}/sweep", response_model=SerialsOut, summary="Sweep the room")
def sweep(meeting_id: IdPath, body: SweepIn, me: Custodian, svc: Svc) -> SerialsOut:
    """What the room's readers (and a hand reader's ``codes``) see there is left behind."""
    return SerialsOut(serials=meetings.sweep(svc, me.actor, meeting_id, body.codes))


@router.post("/{meeting_id}/cancel", response_model=MeetingOut, summary="Cancel the meeting")
def cancel(meeting_id: IdPath, body: ReasonIn, me: Custodian, svc: Svc) -> MeetingOut:
    """Only while nothing is out with an attendee."""
    m = meetings.cancel_meeting(svc, me.actor, meeting_id, body.reason)
    return MeetingOut.model_validate(m)
