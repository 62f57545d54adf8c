"""The custody register as EPCIS 2.0 ObjectEvents (JSON-LD).

Mapping (CBV 2.0 bare-word vocabulary, as the EPCIS 2.0 JSON-LD context expects):

=================  =========  ===============  =============  ==============================
register entry     action     bizStep          disposition    where
=================  =========  ===============  =============  ==============================
receive            ADD        receiving        in_progress    readPoint, bizLocation = room
copy (new copy)    ADD        commissioning    active         readPoint, bizLocation = room
store (in a safe)  OBSERVE    storing          in_progress    readPoint, bizLocation = safe
move through door  OBSERVE    departing        in_transit     readPoint = door; source = from
                   OBSERVE    arriving         in_progress    readPoint = door; bizLocation = to
put into a safe    OBSERVE    storing          in_progress    readPoint, bizLocation = safe
taken from a safe  OBSERVE    departing        in_transit     readPoint = safe; source = safe
                   OBSERVE    arriving         in_progress    readPoint = safe; bizLocation = room
destroy            DELETE     destroying       destroyed      readPoint, bizLocation = place
=================  =========  ===============  =============  ==============================

A departing event has no bizLocation (EPCIS: "where the objects may be found after the
event" is not known while they are between places); it names where they left from in
``sourceList``. Places, doors and safes are URNs ``urn:tracker:<site>:<kind>:<id>``
(the site has no GLNs); the carrier is its EPC's pure-identity URI. Event ids are
``urn:uuid:`` version-5 UUIDs of the register entry's hash, so an export is stable.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracker.domain.ledger import Entry
from tracker.domain.site import Site

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
BIZ_STEPS = ("receiving", "commissioning", "storing", "departing", "arriving", "destroying")
ACTIONS = ("receive", "copy", "store", "move", "destroy")
_NS = uuid.UUID("6f1c2a52-8d4e-4b8f-9a7e-3c5d0e2b7a91")
_BIZSTEP_URIS = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-")


def normalise_biz_step(value: str) -> str:
    """A bizStep as the bare CBV word (accepting the URN and web-URI forms too)."""
    v = value.strip()
    for prefix in _BIZSTEP_URIS:
        if v.startswith(prefix):
            return v[len(prefix) :]
    return v


@dataclass(frozen=True)
class Query:
    """The supported EPCIS query parameters."""

    epcs: tuple[str, ...] = ()  # MATCH_epc: pure-identity URIs or idpat patterns
    biz_steps: tuple[str, ...] = ()  # EQ_bizStep (bare words)
    ge_time: datetime | None = None
    lt_time: datetime | None = None

    def epc_matches(self, uri: str) -> bool:
        """MATCH_epc: exact URIs, or ``urn:epc:idpat:giai:<prefix>.*`` patterns."""
        if not self.epcs:
            return True
        for pattern in self.epcs:
            if pattern == uri:
                return True
            if pattern.startswith("urn:epc:idpat:") and pattern.endswith("*"):
                stem = "urn:epc:id:" + pattern[len("urn:epc:idpat:") : -1]
                if uri.startswith(stem):
                    return True
        return False

    def keeps(self, event: dict[str, Any], at: datetime) -> bool:
        """True when ``event`` (at ``at``) passes the step and time filters."""
        if self.biz_steps and event.get("bizStep") not in self.biz_steps:
            return False
        if self.ge_time is not None and at < self.ge_time:
            return False
        return self.lt_time is None or at < self.lt_time


class Exporter:
    """Turns register entries into ObjectEvents for one site."""

    def __init__(self, site: Site, epc_of: Callable[[str], str | None]) -> None:
        self.site = site
        self.epc_of = epc_of  # serial -> pure-identity URI (None when it has no EPC)
        self._tz = site.calendar.tz

    def urn(self, kind: str, ident: str) -> str:
        """The URN of a place, door or safe of this site."""
        return f"urn:tracker:{self.site.id}:{kind}:{ident}"

    def _place(self, ident: str) -> str:
        kind = "safe" if any(s.place.id == ident for s in self.site.safes) else "place"
        return self.urn(kind, ident)

    def _base(
        self, e: Entry, n: int, at: datetime, epc: str, action: str, step: str, disp: str
    ) -> dict[str, Any]:
        local = at.astimezone(self._tz)
        offset = local.strftime("%z")
        return {
            "type": "ObjectEvent",
            "eventTime": local.isoformat(timespec="milliseconds"),
            "eventTimeZoneOffset": f"{offset[:3]}:{offset[3:]}",
            "eventID": f"urn:uuid:{uuid.uuid5(_NS, f'{e.hash}:{n}')}",
            "epcList": [epc],
            "action": action,
            "bizStep": step,
            "disposition": disp,
        }

    def events(self, e: Entry) -> list[tuple[datetime, dict[str, Any]]]:
        """The ObjectEvents for one register entry (none for entries EPCIS has no word for)."""
        if e.carrier is None or e.action not in ACTIONS:
            return []
        epc = self.epc_of(e.carrier)
        if epc is None:
            return []
        at = _observed(e)
        out: list[dict[str, Any]] = []
        if e.action == "receive" and e.to_place:
            ev = self._base(e, 0, at, epc, "ADD", "receiving", "in_progress")
            out.append(self._at(ev, e.to_place, e.to_place))
        elif e.action == "copy" and "original" in e.data and e.to_place:
            ev = self._base(e, 0, at, epc, "ADD", "commissioning", "active")
            out.append(self._at(ev, e.to_place, e.to_place))
        elif e.action == "store" and e.to_place:
            ev = self._base(e, 0, at, epc, "OBSERVE", "storing", "in_progress")
            out.append(self._at(ev, e.to_place, e.to_place))
        elif e.action == "destroy" and e.to_place:
            ev = self._base(e, 0, at, epc, "DELETE", "destroying", "destroyed")
            out.append(self._at(ev, e.to_place, e.to_place))
        elif e.action == "move" and e.from_place and e.to_place:
            out.extend(self._move(e, at, epc))
        return [(at, ev) for ev in out]

    def _at(self, ev: dict[str, Any], read_point: str, location: str) -> dict[str, Any]:
        ev["readPoint"] = {"id": self._place(read_point)}
        ev["bizLocation"] = {"id": self._place(location)}
        return ev

    def _move(self, e: Entry, at: datetime, epc: str) -> list[dict[str, Any]]:
        assert e.from_place and e.to_place
        door, safe = e.data.get("door"), e.data.get("safe")
        if safe and e.data.get("present", True):
            ev = self._base(e, 0, at, epc, "OBSERVE", "storing", "in_progress")
            return [self._at(ev, str(safe), str(safe))]
        read_point = self.urn("door", str(door)) if door else self._place(str(safe or e.from_place))
        dep = self._base(e, 0, at, epc, "OBSERVE", "departing", "in_transit")
        dep["readPoint"] = {"id": read_point}
        dep["sourceList"] = [{"type": "location", "source": self._place(e.from_place)}]
        dep["destinationList"] = [{"type": "location", "destination": self._place(e.to_place)}]
        arr = self._base(e, 1, at, epc, "OBSERVE", "arriving", "in_progress")
        arr["readPoint"] = {"id": read_point}
        arr["bizLocation"] = {"id": self._place(e.to_place)}
        arr["sourceList"] = [{"type": "location", "source": self._place(e.from_place)}]
        return [dep, arr]


def _observed(e: Entry) -> datetime:
    # A movement happened when the gateway saw it, which may be before it was recorded.
    raw = e.data.get("observed_at")
    if isinstance(raw, str):
        try:
            at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return at if at.tzinfo else at.replace(tzinfo=UTC)
        except ValueError:
            pass
    return e.at


def document(events: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """An EPCISDocument holding ``events``."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "epcisBody": {"eventList": list(events)},
    }
