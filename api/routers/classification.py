"""Reclassification, declassification and widening the knowledge scope (R11), each by
an approver."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Approver, Lang, Svc
from api.schemas.carriers import CarrierOut, DeclassifyIn, ReclassifyIn, WidenScopeIn
from api.schemas.common import ERROR_RESPONSES, SerialPath
from api.views import show
from tracker.domain.period import SecrecyPeriod
from tracker.services import classification

router = APIRouter(prefix="/api/v1/carriers", tags=["classification"], responses=ERROR_RESPONSES)


@router.post("/{serial}/reclassify", response_model=CarrierOut, summary="Change level and period")
def reclassify(
    serial: SerialPath, body: ReclassifyIn, me: Approver, svc: Svc, lang: Lang
) -> CarrierOut:
    """A new level and period by the approver's procedure (R11); copies follow."""
    period = SecrecyPeriod.parse(body.period, "period")
    c = classification.reclassify(svc, me.actor, serial, body.level, period, body.reason)
    return show(me, c, lang, svc)


@router.post("/{serial}/declassify", response_model=CarrierOut, summary="Declassify early")
def declassify(
    serial: SerialPath, body: DeclassifyIn, me: Approver, svc: Svc, lang: Lang
) -> CarrierOut:
    """End classification before the period ends (R11)."""
    return show(me, classification.declassify(svc, me.actor, serial, body.reason), lang, svc)


@router.post("/{serial}/scope", response_model=CarrierOut, summary="Widen the knowledge scope")
def widen_scope(
    serial: SerialPath, body: WidenScopeIn, me: Approver, svc: Svc, lang: Lang
) -> CarrierOut:
    """Add people or departments to who may know the carrier."""
    c = classification.widen_scope(
        svc, me.actor, serial, body.people, body.departments, body.reason
    )
    return show(me, c, lang, svc)
