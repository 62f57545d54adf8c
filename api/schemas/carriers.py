"""Carriers in and out. A carrier is shown in full only to those who may know it (R3);
everyone else gets serial, level, marking and state, and ``restricted: true``."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from pydantic import Field

from api.schemas.common import Day, Ident, Model, Out, ShortText, Text
from tracker.domain import epc as epc_codec
from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import Entry
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, CarrierState, Medium


class ReceiveItemIn(Model):
    """One carrier as it arrives."""

    title: Text = Field(min_length=1, description="Title / main content (need-to-know).")
    medium: Medium
    level: Level
    period: ShortText = Field(description="Secrecy period: 10y, 6m, long, none, until:<condition>.")
    classified_on: Day
    issuing_authority: ShortText = Field(min_length=1)
    home_room: Ident
    home_safe: Ident | None = None
    copy_number: int | None = Field(default=None, ge=1, le=100_000)
    total_copies: int | None = Field(default=None, ge=1, le=100_000)
    pages: int | None = Field(default=None, ge=1, le=1_000_000)
    scope_people: list[Ident] = Field(default_factory=list, max_length=500)
    scope_departments: list[ShortText] = Field(default_factory=list, max_length=100)
    container: Ident | None = None
    notes: Text = ""


class ReceiveIn(Model):
    """A delivery: count, register, number and sign (R15)."""

    items: list[ReceiveItemIn] = Field(min_length=1, max_length=500)
    declared_count: int = Field(ge=0, le=100_000, description="How many the dispatch list says.")
    received_from: ShortText
    received_on: Day | None = None
    reason: Text = ""


class LabelIn(Model):
    """Print a carrier's label on a printer of the site file (default: the site's label
    printer) and read it back; a second print is a reprint, marked as one."""

    printer: Ident | None = None


class LabelOut(Model):
    """A label printed and confirmed by reading it back."""

    serial: str
    printer: str
    kind: str = Field(description="zpl, pdf or png")
    barcode: str = Field(description="What the printed barcode read back as.")
    tag_epc: str | None = Field(description="The EPC read back from the label's tag.")


class StoreIn(Model):
    """Put a carrier in a safe (its home safe unless another is named)."""

    safe: Ident | None = None


class TransferIn(Model):
    """A new home room and safe."""

    room: Ident
    safe: Ident | None = None
    reason: Text = ""


class ReclassifyIn(Model):
    """A new level and period (R11)."""

    level: Level
    period: ShortText
    reason: Text = Field(min_length=1)


class DeclassifyIn(Model):
    """Early declassification (R11)."""

    reason: Text = Field(min_length=1)


class WidenScopeIn(Model):
    """People and departments added to the knowledge scope."""

    people: list[Ident] = Field(default_factory=list, max_length=500)
    departments: list[ShortText] = Field(default_factory=list, max_length=100)
    reason: Text = Field(min_length=1)


class FoundIn(Model):
    """A missing carrier is back."""

    note: Text = ""


class ScopeOut(Out):
    """Who may know a carrier."""

    people: list[str]
    departments: list[str]


class CarrierOut(Out):
    """A carrier. Fields after ``restricted`` are null when the caller may not know it."""

    serial: str
    level: Level
    marking: str = Field(description="As printed, in the language asked for: 机密★10年.")
    state: CarrierState
    restricted: bool = Field(description="True when title and content fields are withheld (R3).")
    title: str | None = None
    medium: Medium | None = None
    period: str | None = None
    classified_on: date | None = None
    expires_on: date | None = None
    issuing_authority: str | None = None
    received_on: date | None = None
    received_from: str | None = None
    received_by: str | None = None
    copy_number: int | None = None
    total_copies: int | None = None
    pages: int | None = None
    scope: ScopeOut | None = None
    home_room: str | None = None
    home_safe: str | None = None
    location: str | None = Field(default=None, description="Where it is now (room or safe id).")
    location_name: str | None = None
    location_at: datetime | None = None
    holder: str | None = Field(default=None, description="Who has it now (person id).")
    epc: str | None = None
    epc_uri: str | None = None
    labelled: bool | None = None
    original: str | None = None
    container: str | None = None
    notes: str | None = None


@functools.lru_cache(maxsize=4096)  # a pure function of the EPC, asked on every show
def epc_uri(hex_epc: str | None) -> str | None:
    """The pure-identity URI of an EPC, or None when absent or not a GIAI."""
    if not hex_epc:
        return None
    try:
        return epc_codec.decode(hex_epc).id_uri
    except InvalidInput:
        return None


def carrier_view(c: Carrier, known: bool, lang: str, place_names: dict[str, str]) -> CarrierOut:
    """``c`` as the caller may see it."""
    marking = c.marking.text(lang)
    if not known:
        return CarrierOut(
            serial=c.serial, level=c.level, marking=marking, state=c.state, restricted=True
        )
    return CarrierOut(
        serial=c.serial,
        level=c.level,
        marking=marking,
        state=c.state,
        restricted=False,
        title=c.title,
        medium=c.medium,
        period=c.period.to_text(),
        classified_on=c.classified_on,
        expires_on=_expiry(c),
        issuing_authority=c.issuing_authority,
        received_on=c.received_on,
        received_from=c.received_from,
        received_by=c.received_by,
        copy_number=c.copy_number,
        total_copies=c.total_copies,
        pages=c.pages,
        scope=ScopeOut(**c.scope.to_dict()),
        home_room=c.home_room,
        home_safe=c.home_safe,
        location=c.location,
        location_name=place_names.get(c.location or ""),
        location_at=c.location_at,
        holder=c.holder,
        epc=c.epc,
        epc_uri=epc_uri(c.epc),
        labelled=c.labelled,
        original=c.original,
        container=c.container,
        notes=c.notes,
    )


def _expiry(c: Carrier) -> date | None:
    try:
        return c.expires_on
    except (OverflowError, ValueError):
        return None


class HistoryEntryOut(Out):
    """One register entry about a carrier (R14)."""

    seq: int
    action: str = Field(
        description="What the entry records; an entry written before issue 11 as "
        "`copy_approve` / `destroy_approve` with `approved: false` reads as the rejection."
    )
    recorded_action: str = Field(description="The action exactly as sealed in the register.")
    at: datetime
    actor: str
    approver: str | None
    from_place: str | None
    to_place: str | None
    reason: str
    data: dict[str, Any]
    hash: str


def history_view(e: Entry) -> HistoryEntryOut:
    """A register entry as returned by the API."""
    return HistoryEntryOut(
        seq=e.seq,
        action=e.meaning,
        recorded_action=e.action,
        at=e.at,
        actor=e.actor,
        approver=e.approver,
        from_place=e.from_place,
        to_place=e.to_place,
        reason=e.reason,
        data=e.data,
        hash=e.hash,
    )


class HistoryOut(Out):
    """A carrier's register entries, oldest first."""

    serial: str
    entries: list[HistoryEntryOut]


class ReceivedOut(Out):
    """The carriers registered by one receipt, in the order given."""

    carriers: list[CarrierOut]


class CopiesMadeOut(Out):
    """Serials of the copies registered."""

    serials: list[str]
