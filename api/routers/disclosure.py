"""The disclosure record (知悉记录, R16): reading sessions opened and closed at the
custodian's desk, and a carrier's record of everyone who read or handled it."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AnyUser, Custodian, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath, SerialPath
from api.schemas.disclosure import DisclosureOut, DisclosureRecordOut, ReadingIn
from tracker.services import disclosure

router = APIRouter(prefix="/api/v1", tags=["disclosure"], responses=ERROR_RESPONSES)


@router.post(
    "/reading-sessions",
    response_model=DisclosureOut,
    status_code=201,
    summary="Open a reading session in the secure room",
)
def open_session(body: ReadingIn, me: Custodian, svc: Svc) -> DisclosureOut:
    """The reader reads a top-secret carrier in the secure room from now on (R16); they
    must be allowed to hold it (R3) and it must be in the custodian's keeping."""
    d = disclosure.open_reading(svc, me.actor, body.serial, body.reader, body.room)
    return DisclosureOut.model_validate(d)


@router.get(
    "/reading-sessions", response_model=list[DisclosureOut], summary="Open reading sessions"
)
def open_sessions(me: Custodian, svc: Svc) -> list[DisclosureOut]:
    """Reading sessions not yet closed, oldest first."""
    return [DisclosureOut.model_validate(d) for d in disclosure.open_sessions(svc, me.actor)]


@router.post(
    "/reading-sessions/{session_id}/close",
    response_model=DisclosureOut,
    summary="Close a reading session",
)
def close_session(session_id: IdPath, me: Custodian, svc: Svc) -> DisclosureOut:
    """The carrier is back at the custodian's desk; the session ends now."""
    return DisclosureOut.model_validate(disclosure.close_reading(svc, me.actor, session_id))


@router.get(
    "/carriers/{serial}/disclosures",
    response_model=DisclosureRecordOut,
    summary="Who has read or handled a top-secret carrier",
)
def record(serial: SerialPath, me: AnyUser, svc: Svc) -> DisclosureRecordOut:
    """The carrier's disclosure record (R16), oldest first; only with need-to-know."""
    found = disclosure.record_of(svc, me.person, serial)
    return DisclosureRecordOut(
        serial=serial, entries=[DisclosureOut.model_validate(d) for d in found]
    )
