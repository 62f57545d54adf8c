"""Carriers: receive (R15), list and search, show (where it is and who holds it),
history from the register, put away, transfer to a new home."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.auth import ctx_of
from api.deps import AnyUser, Custodian, Lang, Svc
from api.errors import pick_language
from api.lean import LeanRoute
from api.schemas.carriers import (
    CarrierOut,
    HistoryOut,
    LabelIn,
    LabelOut,
    ReceivedOut,
    ReceiveIn,
    StoreIn,
    TransferIn,
    history_view,
)
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page, SerialPath, ShortText
from api.views import place_names, shaped, show, where_is
from labels.station import LabelStation
from tracker.config import printer_for
from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import CarrierState, Medium
from tracker.domain.period import SecrecyPeriod
from tracker.services import custody, knowledge, labelling, receive

router = APIRouter(prefix="/api/v1/carriers", tags=["carriers"], responses=ERROR_RESPONSES)


# First in the router: routes are tried in order, and where-is is the API's busiest
# read (no literal GET path of this router has one segment, so none is shadowed).
# A LeanRoute: same declaration and OpenAPI, no general dependency solving (api/lean.py).
async def show_carrier(serial: SerialPath, me: AnyUser, request: Request) -> Response:
    """The carrier; its location and holder only to those who may know it."""
    # The services and the language straight from the request: two dependencies fewer
    # to solve on the busiest read of the API. The answer is built as a CarrierOut (so
    # validated) and sent as its JSON, not validated and converted a second time.
    svc = ctx_of(request).services
    found = await where_is(svc, me.person, serial)
    out = shaped(found, pick_language(request.headers.get("accept-language")), place_names(svc))
    return Response(out.model_dump_json(), media_type="application/json")


router.add_api_route(
    "/{serial}",
    show_carrier,
    methods=["GET"],
    response_model=CarrierOut,
    summary="Show a carrier: where it is, who holds it",
    route_class_override=LeanRoute,
)


@router.post("", response_model=ReceivedOut, status_code=201, summary="Receive a delivery")
def receive_batch(body: ReceiveIn, me: Custodian, svc: Svc, lang: Lang) -> ReceivedOut:
    """Count, register, number and sign for carriers (R15), all or none."""
    items = []
    for i, it in enumerate(body.items):
        items.append(
            receive.ReceiveItem(
                title=it.title,
                medium=it.medium,
                level=it.level,
                period=SecrecyPeriod.parse(it.period, f"items[{i}].period"),
                classified_on=it.classified_on,
                issuing_authority=it.issuing_authority,
                home_room=it.home_room,
                home_safe=it.home_safe,
                copy_number=it.copy_number,
                total_copies=it.total_copies,
                pages=it.pages,
                scope_people=tuple(it.scope_people),
                scope_departments=tuple(it.scope_departments),
                container=it.container,
                notes=it.notes,
            )
        )
    batch = receive.ReceiveBatch(
        items, body.declared_count, body.received_from, body.received_on, body.reason
    )
    done = receive.receive(svc, me.actor, batch)
    return ReceivedOut(carriers=[show(me, c, lang, svc) for c in done])


@router.get("", response_model=Page[CarrierOut], summary="List and search carriers")
def list_carriers(
    me: AnyUser,
    svc: Svc,
    lang: Lang,
    q: Annotated[
        ShortText | None, Query(description="Part of the serial, or of the title.")
    ] = None,
    state: CarrierState | None = None,
    level: Level | None = None,
    medium: Medium | None = None,
    location: ShortText | None = None,
    holder: ShortText | None = None,
    home_room: ShortText | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[CarrierOut]:
    """Carriers by serial. Titles are searched only among carriers the caller may know,
    and filters on fields the caller cannot see apply only to those too: a search never
    reveals, by what it returns or how many, a title the caller may not know (R3;
    :func:`tracker.services.knowledge.search`)."""
    visible: dict[str, Any] = {k: v for k, v in (("state", state), ("level", level)) if v}
    hidden: dict[str, Any] = {
        k: v
        for k, v in (
            ("medium", medium),
            ("location", location),
            ("holder", holder),
            ("home_room", home_room),
        )
        if v
    }
    found = knowledge.search(
        svc, me.person, text=q or "", visible=visible, hidden=hidden, limit=limit, offset=offset
    )
    names = place_names(svc)
    return Page[CarrierOut](
        items=[shaped(v, lang, names) for v in found.items],
        total=found.total,
        limit=limit,
        offset=offset,
        truncated=found.truncated,
    )


@router.get("/{serial}/history", response_model=HistoryOut, summary="A carrier's register entries")
def history(
    serial: SerialPath,
    me: AnyUser,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> HistoryOut:
    """Register entries about the carrier (R14), oldest first; only with need-to-know."""
    entries = knowledge.history(svc, me.person, serial, limit)
    return HistoryOut(serial=serial, entries=[history_view(e) for e in entries])


@router.post(
    "/{serial}/label", response_model=LabelOut, summary="Print and confirm a carrier's label"
)
def print_label(serial: SerialPath, body: LabelIn, me: Custodian, svc: Svc) -> LabelOut:
    """Print the label (R15) and read it back — barcode and tag — before the carrier counts
    as labelled; a failure is recorded and the carrier stays unlabelled (502 for a printer
    or read-back failure, with the reason)."""
    site = svc.site
    wanted = body.printer or site.labels.printer
    cfg = printer_for(site, wanted)
    if cfg is None:
        raise InvalidInput(
            "printer",
            f"no printer {wanted!r} in the site file",
            zh=f"站点文件中没有打印机 {wanted!r}",
        )
    station = LabelStation(cfg.id, cfg.url, size=(site.labels.width_mm, site.labels.height_mm))
    result = labelling.label(svc, me.actor, serial, station)
    return LabelOut(
        serial=serial,
        printer=result.printer,
        kind=result.kind,
        barcode=result.barcode,
        tag_epc=result.tag_epc,
    )


@router.post("/{serial}/store", response_model=CarrierOut, summary="Lock a carrier in a safe")
def store(serial: SerialPath, body: StoreIn, me: Custodian, svc: Svc, lang: Lang) -> CarrierOut:
    """Put the carrier into its home safe (or the safe named)."""
    return show(me, receive.store_in_safe(svc, me.actor, serial, body.safe), lang, svc)


@router.post("/{serial}/transfer", response_model=CarrierOut, summary="Give a carrier a new home")
def transfer(
    serial: SerialPath, body: TransferIn, me: Custodian, svc: Svc, lang: Lang
) -> CarrierOut:
    """A new home room and safe; the level must fit (R1)."""
    c = custody.transfer(svc, me.actor, serial, body.room, body.safe, body.reason)
    return show(me, c, lang, svc)
