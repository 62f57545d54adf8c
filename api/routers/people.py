"""People, their badges, what they hold, and leaving a post (R12). Registering and
changing people, roles, clearances and badges, and taking people off post, are the
security administrator's; the business roles read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.auth import Principal
from api.deps import BadgeReader, Lang, PeopleReader, SecurityAdmin, Svc
from api.schemas.carriers import CarrierOut
from api.schemas.common import ERROR_RESPONSES, IdPath, Limit, Offset, Page
from api.schemas.people import BadgeIn, BadgeOut, PersonIn, PersonOut, PersonPatch
from api.schemas.records import LeaveIn
from api.views import show
from tracker.domain.errors import NotFound
from tracker.domain.model import Person, Role
from tracker.services import custody, people
from tracker.services.base import Services

router = APIRouter(prefix="/api/v1", tags=["people"], responses=ERROR_RESPONSES)


def _sees_people(me: Principal) -> bool:
    return me.keeper or (
        me.person is not None and me.person.role in (Role.APPROVER, Role.SECURITY_ADMIN)
    )


def _person(svc: Services, me: Principal, person_id: str) -> Person:
    with svc.read() as uow:
        p = uow.people.get(person_id)
    if p is None or not (_sees_people(me) or me.actor == person_id):
        raise NotFound(f"no person {person_id!r}", zh=f"没有人员 {person_id!r}")
    return p


@router.get("/people", response_model=Page[PersonOut], summary="List people")
def list_people(
    me: PeopleReader, svc: Svc, active: bool | None = None, limit: Limit = 100, offset: Offset = 0
) -> Page[PersonOut]:
    """People by id (staff see only themselves)."""
    eq: dict[str, Any] = {} if active is None else {"active": active}
    if not _sees_people(me):
        eq["id"] = me.actor
    with svc.read() as uow:
        total = uow.people.count(**eq)
        found = uow.people.find(order_by="id", limit=limit, offset=offset, **eq)
    return Page[PersonOut](
        items=[PersonOut.model_validate(p) for p in found], total=total, limit=limit, offset=offset
    )


@router.post("/people", response_model=PersonOut, status_code=201, summary="Register a person")
def add_person(body: PersonIn, me: SecurityAdmin, svc: Svc) -> PersonOut:
    """A person with a clearance and a role (the separation of duties applies)."""
    p = people.add_person(
        svc, me.actor, body.id, body.name, body.department, body.clearance, body.role
    )
    return PersonOut.model_validate(p)


@router.get("/people/{person_id}", response_model=PersonOut, summary="Show a person")
def show_person(person_id: IdPath, me: PeopleReader, svc: Svc) -> PersonOut:
    """One person (staff: only themselves)."""
    return PersonOut.model_validate(_person(svc, me, person_id))


@router.patch("/people/{person_id}", response_model=PersonOut, summary="Change a person")
def update_person(person_id: IdPath, body: PersonPatch, me: SecurityAdmin, svc: Svc) -> PersonOut:
    """Clearance, role or department (nobody changes their own role or clearance)."""
    p = people.update_person(
        svc,
        me.actor,
        person_id,
        clearance=body.clearance,
        role=body.role,
        department=body.department,
    )
    return PersonOut.model_validate(p)


@router.get(
    "/people/{person_id}/badges", response_model=list[BadgeOut], summary="A person's badges"
)
def badges(person_id: IdPath, me: BadgeReader, svc: Svc) -> list[BadgeOut]:
    """The badges issued to a person."""
    with svc.read() as uow:
        return [
            BadgeOut.model_validate(b) for b in uow.badges.find(person=person_id, order_by="code")
        ]


@router.post(
    "/people/{person_id}/badges", response_model=BadgeOut, status_code=201, summary="Issue a badge"
)
def add_badge(person_id: IdPath, body: BadgeIn, me: SecurityAdmin, svc: Svc) -> BadgeOut:
    """EM4100 (10 or 8 hex digits) or UHF (EPC hex)."""
    return BadgeOut.model_validate(people.add_badge(svc, me.actor, person_id, body.code, body.kind))


@router.post("/badges/{code}/revoke", response_model=BadgeOut, summary="Revoke a badge")
def revoke_badge(code: IdPath, me: SecurityAdmin, svc: Svc) -> BadgeOut:
    """A lost or returned badge stops counting at doors."""
    return BadgeOut.model_validate(people.revoke_badge(svc, me.actor, code))


@router.get(
    "/people/{person_id}/holdings", response_model=list[CarrierOut], summary="What a person holds"
)
def holdings(person_id: IdPath, me: PeopleReader, svc: Svc, lang: Lang) -> list[CarrierOut]:
    """Carriers the person has out (staff: only their own)."""
    _person(svc, me, person_id)
    return [show(me, c, lang, svc) for c in custody.holdings(svc, person_id)]


@router.post(
    "/people/{person_id}/leave", response_model=PersonOut, summary="Leave a classified post"
)
def leave(person_id: IdPath, body: LeaveIn, me: SecurityAdmin, svc: Svc) -> PersonOut:
    """Nothing may still be held (R12); the decommissioning period starts. Nobody takes
    themselves off post."""
    custody.leave_post(svc, me.actor, person_id, body.day, body.successor)
    with svc.read() as uow:
        p = uow.people.get(person_id)
    assert p is not None
    return PersonOut.model_validate(p)
