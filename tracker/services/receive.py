"""Receiving carriers (R15: count, register, number, sign), putting them away, and the
container rule (a folder or device takes the highest level and longest period of what
it holds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.domain import epc as epc_codec
from tracker.domain import lifecycle
from tracker.domain.disclosure import DisclosureKind
from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import Action
from tracker.domain.levels import Level
from tracker.domain.model import (
    Carrier,
    CarrierState,
    KnowledgeScope,
    Medium,
    PlaceKind,
    Role,
)
from tracker.domain.period import SecrecyPeriod, container_marking
from tracker.domain.rules import (
    r1_require_place_allows,
    r15_require_count,
    r18_require_secure_room,
)
from tracker.services import disclosure, handling
from tracker.services.alerting import resolve_cause
from tracker.services.base import Services, Tx


@dataclass(frozen=True)
class ReceiveItem:
    """One carrier as it arrives, read off the carrier and its dispatch list."""

    title: str
    medium: Medium
    level: Level
    period: SecrecyPeriod
    classified_on: date
    issuing_authority: str
    home_room: str
    home_safe: str | None = None
    copy_number: int | None = None
    total_copies: int | None = None
    pages: int | None = None
    scope_people: tuple[str, ...] = ()
    scope_departments: tuple[str, ...] = ()
    container: str | None = None  # serial of the folder / device it goes into
    notes: str = ""


@dataclass(frozen=True)
class ReceiveBatch:
    """A delivery: the items, how many the dispatch list says there are, and who sent it."""

    items: Sequence[ReceiveItem]
    declared_count: int
    received_from: str
    received_on: date | None = None
    reason: str = field(default="")


def format_serial(prefix: str, year: int, number: int) -> str:
    """The printed serial number, e.g. ``JM-2026-000123``."""
    return f"{prefix}-{year}-{number:06d}"


def receive(svc: Services, actor: str, batch: ReceiveBatch) -> list[Carrier]:
    """Count, register, number and sign for a delivery of carriers (R15), all or none.

    The custodian ``actor`` signs; each carrier gets the next serial number of the
    site's prefix and the year, and an EPC that is never reused."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        r15_require_count(len(batch.items), batch.declared_count)
        if not batch.items:
            raise InvalidInput("items", "nothing to receive", zh="没有要签收的载体")
        if not batch.received_from.strip():
            raise InvalidInput(
                "received_from", "say who delivered the carriers", zh="须填写来文单位"
            )
        received_on = batch.received_on or svc.site.calendar.local_date(tx.now)
        for i, item in enumerate(batch.items):
            _validate_item(tx, item, f"items[{i}]")
        # One allocation for the whole delivery: serials and EPC references, gap-free.
        serials = next_serials(tx, received_on, len(batch.items))
        epcs = new_epcs(tx, serials)
        return [
            _register(tx, actor, item, received_on, batch, serial, epc)
            for item, serial, epc in zip(batch.items, serials, epcs, strict=True)
        ]


def _validate_item(tx: Tx, item: ReceiveItem, where: str) -> None:
    if not item.title.strip():
        raise InvalidInput(f"{where}.title", "the title is empty", zh="名称不能为空")
    if not item.issuing_authority.strip():
        raise InvalidInput(
            f"{where}.issuing_authority", "the issuing authority is empty", zh="制发机关不能为空"
        )
    item.period.validate_for(item.level, f"{where}.period")
    if item.classified_on > tx.svc.site.calendar.local_date(tx.now):
        raise InvalidInput(
            f"{where}.classified_on",
            "the classification date is in the future",
            zh="定密日期晚于今天",
        )
    if item.total_copies is not None and item.total_copies < 1:
        raise InvalidInput(f"{where}.total_copies", "must be at least 1", zh="份数至少为1")
    n, total = item.copy_number, item.total_copies
    if n is not None and (n < 1 or (total is not None and n > total)):
        raise InvalidInput(
            f"{where}.copy_number",
            f"copy {n} does not fit {total} copies",
            zh=f"份号{n}超出总份数{total}",
        )
    if item.pages is not None and item.pages < 1:
        raise InvalidInput(f"{where}.pages", "must be at least 1", zh="页数至少为1")
    room = tx.place(item.home_room, f"{where}.home_room")
    if room.kind is not PlaceKind.ROOM:
        raise InvalidInput(
            f"{where}.home_room", f"{room.id} is not a room", zh=f"{room.name}不是房间"
        )
    r1_require_place_allows(_probe(item), room, "R1")
    r18_require_secure_room(item.level, room)
    if item.home_safe:
        safe = tx.place(item.home_safe, f"{where}.home_safe")
        if safe.kind is not PlaceKind.SAFE or safe.parent != room.id:
            raise InvalidInput(
                f"{where}.home_safe",
                f"{safe.id} is not a safe in {room.id}",
                zh=f"{safe.name}不是{room.name}内的保险柜",
            )
        r1_require_place_allows(_probe(item), safe, "R1")
    for pid in item.scope_people:
        tx.person(pid, f"{where}.scope_people")


def _probe(item: ReceiveItem) -> Carrier:
    # A carrier-shaped value to run place checks before a serial exists.
    return Carrier(
        serial="(new)",
        title="",
        medium=item.medium,
        level=item.level,
        period=item.period,
        classified_on=item.classified_on,
        issuing_authority=item.issuing_authority,
        received_on=item.classified_on,
    )


def new_epc(tx: Tx, serial: str) -> str:
    """Allocate the carrier's EPC under the site's GS1 settings and claim it forever."""
    return new_epcs(tx, [serial])[0]


def new_epcs(tx: Tx, serials: list[str]) -> list[str]:
    """EPCs for ``serials`` (one allocation, one claim), never reused."""
    cfg = tx.svc.site.labels
    refs: list[str | int]
    if cfg.epc_scheme == "giai-202":
        refs = list(serials)
    else:
        refs = list(tx.uow.counters.next_epc_references(len(serials)))
    epcs = [
        epc_codec.encode(
            cfg.gs1_company_prefix, ref, filter=cfg.epc_filter, scheme=cfg.epc_scheme
        ).hex()
        for ref in refs
    ]
    tx.uow.counters.claim_epcs(list(zip(epcs, serials, strict=True)))
    return epcs


def next_serial(tx: Tx, on: date) -> str:
    """Allocate the next serial number for the site's prefix in the year of ``on``."""
    return next_serials(tx, on, 1)[0]


def next_serials(tx: Tx, on: date, count: int) -> list[str]:
    """``count`` consecutive serial numbers for the site's prefix in the year of ``on``."""
    prefix = tx.svc.site.policy.serial_prefix
    return [
        format_serial(prefix, on.year, n)
        for n in tx.uow.counters.next_serials(prefix, on.year, count)
    ]


def _register(
    tx: Tx,
    actor: str,
    item: ReceiveItem,
    received_on: date,
    batch: ReceiveBatch,
    serial: str,
    epc: str,
) -> Carrier:
    carrier = Carrier(
        serial=serial,
        title=item.title.strip(),
        medium=item.medium,
        level=item.level,
        period=item.period,
        classified_on=item.classified_on,
        issuing_authority=item.issuing_authority.strip(),
        received_on=received_on,
        received_from=batch.received_from.strip(),
        received_by=actor,
        copy_number=item.copy_number,
        total_copies=item.total_copies,
        pages=item.pages,
        scope=KnowledgeScope(frozenset(item.scope_people), frozenset(item.scope_departments)),
        home_room=item.home_room,
        home_safe=item.home_safe,
        state=CarrierState.REGISTERED,
        location=item.home_room,
        location_at=tx.now,
        holder=None,
        notes=item.notes,
    )
    carrier.epc = epc
    tx.uow.carriers.add(carrier)
    # The title stays out of the register: the ledger is read by auditors outside the
    # carrier's knowledge scope and can never be corrected in place.
    tx.record(
        Action.RECEIVE,
        actor,
        carrier=serial,
        to_place=item.home_room,
        reason=batch.reason,
        data={
            "level": item.level.value,
            "marking": carrier.marking.zh(),
            "medium": item.medium.value,
            "received_from": carrier.received_from,
            "declared_count": batch.declared_count,
            "copy": f"{item.copy_number or ''}/{item.total_copies or ''}",
            "pages": item.pages,
            "epc": carrier.epc,
        },
    )
    if item.container:
        put_in_container(tx, actor, carrier, item.container)
    disclosure.contact(tx, carrier, actor, DisclosureKind.RECEIPT, by=actor, place=item.home_room)
    handling.open_for_receipt(tx, actor, carrier)  # R18: top secret is handled in three days
    tx.emit("carrier", serial=serial, state=carrier.state.value, action="receive")
    return carrier


def put_in_container(tx: Tx, actor: str, item: Carrier, container_serial: str) -> None:
    """Put ``item`` into a folder or device; raise the container's marking if needed."""
    container = tx.carrier(container_serial)
    if container.serial == item.serial:
        raise InvalidInput("container", "a carrier cannot contain itself", zh="载体不能装入自身")
    item.container = container.serial
    contents = [c.marking for c in tx.uow.carriers.find(container=container.serial)]
    contents += [item.marking, container.marking]
    wanted = container_marking(contents)
    if wanted != container.marking:
        old = container.marking
        container.level, container.period = wanted.level, wanted.period
        tx.record(
            Action.RECLASSIFY,
            actor,
            carrier=container.serial,
            reason="a container takes the highest level and longest period of its contents",
            data={"from": old.zh(), "to": wanted.zh(), "because_of": item.serial},
        )


def store_in_safe(svc: Services, actor: str, serial: str, safe_id: str | None = None) -> Carrier:
    """Lock a carrier in a safe (its home safe unless another is named)."""
    with svc.transaction() as tx:
        tx.require_role(actor, Role.CUSTODIAN)
        c = tx.carrier(serial, lock=True)
        return put_in_safe(tx, actor, c, safe_id)


def put_in_safe(tx: Tx, actor: str, c: Carrier, safe_id: str | None) -> Carrier:
    """Inside a transaction: the carrier goes into a safe (state in_safe)."""
    target = safe_id or c.home_safe
    if not target:
        raise InvalidInput(
            "safe", f"carrier {c.serial} has no home safe; name one", zh="请指定保险柜"
        )
    safe = tx.place(target, "safe")
    if safe.kind is not PlaceKind.SAFE:
        raise InvalidInput("safe", f"{safe.id} is not a safe", zh=f"{safe.name}不是保险柜")
    r1_require_place_allows(c, safe, "R1")
    previous = c.location
    lifecycle.store(c, safe.id, tx.now)  # out or carried out: returned first
    tx.record(Action.STORE, actor, carrier=c.serial, from_place=previous, to_place=safe.id)
    resolve_cause(tx, f"not_locked_away:{c.serial}", actor, f"locked in {safe.id}")
    tx.emit("carrier", serial=c.serial, state=c.state.value, action="store")
    return c
