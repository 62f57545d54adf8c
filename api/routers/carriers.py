"""Carriers: receive (R15), list and search, show (where it is and who holds it),
history from the register, put away, transfer to a new home."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import Principal
from api.deps import AnyUser, Custodian, Lang, Svc
from api.schemas.carriers import (
    CarrierOut,
    HistoryOut,
    LabelIn,
    LabelOut,
    ReceivedOut,
    ReceiveIn,
    StoreIn,
    TransferIn,
    carrier_view,
    history_view,
)
from api.schemas.common import ERROR_RESPONSES, Limit, Offset, Page, SerialPath, ShortText
from api.views import place_names, show
from labels.station import LabelStation
from tracker.config import printer_for
from tracker.domain.errors import InvalidInput, NotFound, PermissionDenied
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, CarrierState, Medium
from tracker.domain.period import SecrecyPeriod
from tracker.services import custody, labelling, receive
from tracker.services.base import Services

router = APIRouter(prefix="/api/v1/carriers", tags=["carriers"], responses=ERROR_RESPONSES)

_SCAN_PAGE = 1000
COUNT_CAP = 10_000  # a keeper's text search counts this many matches at most


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
    reveals, by what it returns or how many, a title the caller may not know (R3)."""
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
    needle = (q or "").strip()
    names = place_names(svc)
    truncated = False
    with svc.read() as uow:
        if me.keeper:
            eq = {**visible, **hidden}
            if needle:
                # Keepers see every title, so the page can come straight from SQL; the
                # total is counted up to a cap so a broad search stays cheap.
                page = uow.carriers.search(text=needle, limit=limit, offset=offset, **eq)
                total, truncated = _count(uow, needle, eq)
            else:
                total = uow.carriers.count(**eq)
                page = uow.carriers.search(limit=limit, offset=offset, **eq)
        elif not needle and not hidden:
            total = uow.carriers.count(**visible)
            page = uow.carriers.search(limit=limit, offset=offset, **visible)
        else:
            found = [c for c in _all(uow, needle, visible) if _matches(me, c, needle, hidden)]
            total, page = len(found), found[offset : offset + limit]
        items = [show_known(me, c, lang, names) for c in page]
    return Page[CarrierOut](
        items=items, total=total, limit=limit, offset=offset, truncated=truncated
    )


def show_known(me: Principal, c: Carrier, lang: str, names: dict[str, str]) -> CarrierOut:
    """``c`` shaped for ``me`` (need-to-know)."""
    return carrier_view(c, me.may_know(c), lang, names)


def _count(uow: Any, needle: str, eq: dict[str, Any]) -> tuple[int, bool]:
    n = 0
    while n < COUNT_CAP:
        chunk = uow.carriers.search(text=needle, limit=_SCAN_PAGE, offset=n, **eq)
        n += len(chunk)
        if len(chunk) < _SCAN_PAGE:
            return n, False
    return n, True


def _all(uow: Any, needle: str, eq: dict[str, Any]) -> list[Carrier]:
    out: list[Carrier] = []
    while True:
        chunk = uow.carriers.search(text=needle or None, limit=_SCAN_PAGE, offset=len(out), **eq)
        out.extend(chunk)
        if len(chunk) < _SCAN_PAGE:
            return out


def _matches(me: Principal, c: Carrier, needle: str, hidden: dict[str, Any]) -> bool:
    known = me.may_know(c)
    if needle:
        n = needle.lower()
        if n not in c.serial.lower() and not (known and n in c.title.lower()):
            return False
    if hidden:
        return known and all(getattr(c, k) == v for k, v in hidden.items())
    return True


def _carrier(svc: Services, serial: str) -> Carrier:
    with svc.read() as uow:
        c = uow.carriers.get(serial)
    if c is None:
        raise NotFound(f"no carrier with serial {serial!r}", zh=f"没有编号为 {serial!r} 的载体")
    return c


@router.get(
    "/{serial}", response_model=CarrierOut, summary="Show a carrier: where it is, who holds it"
)
def show_carrier(serial: SerialPath, me: AnyUser, svc: Svc, lang: Lang) -> CarrierOut:
    """The carrier; its location and holder only to those who may know it."""
    return show(me, _carrier(svc, serial), lang, svc)


@router.get("/{serial}/history", response_model=HistoryOut, summary="A carrier's register entries")
def history(
    serial: SerialPath,
    me: AnyUser,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> HistoryOut:
    """Register entries about the carrier (R14), oldest first; only with need-to-know."""
    c = _carrier(svc, serial)
    if not me.may_know(c):
        raise PermissionDenied(
            f"you are not in the knowledge scope of carrier {serial}",
            zh=f"您不在载体 {serial} 的知悉范围内",
        )
    with svc.read() as uow:
        entries = uow.ledger.for_carrier(serial, limit=limit)
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
