"""Places, doors and safes of the site."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SiteReader, Svc
from api.schemas.common import ERROR_RESPONSES, IdPath
from api.schemas.people import DoorOut, PlaceOut, SafeOut
from tracker.domain.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["places"], responses=ERROR_RESPONSES)


@router.get("/places", response_model=list[PlaceOut], summary="List places")
def list_places(me: SiteReader, svc: Svc) -> list[PlaceOut]:
    """Site, buildings, rooms and safes with the highest level each allows."""
    return [PlaceOut.model_validate(p) for p in svc.site.places]


@router.get("/places/{place_id}", response_model=PlaceOut, summary="Show a place")
def show_place(place_id: IdPath, me: SiteReader, svc: Svc) -> PlaceOut:
    """One place."""
    for p in svc.site.places:
        if p.id == place_id:
            return PlaceOut.model_validate(p)
    raise NotFound(f"no place {place_id!r}", zh=f"没有场所 {place_id!r}")


@router.get("/doors", response_model=list[DoorOut], summary="List doors")
def list_doors(me: SiteReader, svc: Svc) -> list[DoorOut]:
    """Doors with their readers and cameras."""
    return [
        DoorOut(
            id=d.door.id,
            name=d.door.name,
            inner=d.door.inner,
            outer=d.door.outer,
            exit=d.door.exit,
            inner_readers=list(d.inner_readers),
            outer_readers=list(d.outer_readers),
            badge_readers=list(d.badge_readers),
            camera=d.camera,
        )
        for d in svc.site.doors
    ]


@router.get("/safes", response_model=list[SafeOut], summary="List safes")
def list_safes(me: SiteReader, svc: Svc) -> list[SafeOut]:
    """Safes with their readers and cameras."""
    return [
        SafeOut(
            id=s.place.id,
            name=s.place.name,
            room=s.place.parent,
            max_level=s.place.max_level,
            readers=list(s.readers),
            camera=s.camera,
        )
        for s in svc.site.safes
    ]
