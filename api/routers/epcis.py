"""EPCIS 2.0 export of carrier events (GS1), for auditors and other systems."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Keeper, Svc
from api.epcis import BIZ_STEPS, Exporter, document, normalise_biz_step
from api.epcis import Query as EpcisQuery
from api.schemas.carriers import epc_uri
from api.schemas.common import ERROR_RESPONSES, When
from tracker.domain import epc as epc_codec
from tracker.domain.errors import InvalidInput
from tracker.domain.ledger import Entry
from tracker.services import adminlog
from tracker.services.base import Services

router = APIRouter(prefix="/api/v1/epcis", tags=["epcis"], responses=ERROR_RESPONSES)

SCAN_LIMIT = 20_000  # register entries read per request at most; then a partial page
_CHUNK = 1000


class LdJsonResponse(JSONResponse):
    """JSON-LD, as EPCIS 2.0 documents are served."""

    media_type = "application/ld+json"


def _split(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(v.strip() for v in value.replace("|", ",").split(",") if v.strip())


@router.get(
    "/events",
    summary="Carrier events as an EPCIS 2.0 document",
    responses={
        200: {
            "description": "An EPCISDocument of ObjectEvents (JSON-LD).",
            "content": {
                "application/ld+json": {
                    "schema": {
                        "type": "object",
                        "required": ["@context", "type", "schemaVersion", "epcisBody"],
                    }
                }
            },
        }
    },
)
def events(
    request: Request,
    me: Keeper,
    svc: Svc,
    match_epc: Annotated[
        str | None,
        Query(
            alias="MATCH_epc",
            max_length=20_000,
            description="EPC URIs or idpat patterns, `|` or `,` separated.",
        ),
    ] = None,
    eq_biz_step: Annotated[
        str | None,
        Query(
            alias="EQ_bizStep", max_length=2000, description="Business steps, `|` or `,` separated."
        ),
    ] = None,
    ge_event_time: Annotated[When | None, Query(alias="GE_eventTime")] = None,
    lt_event_time: Annotated[When | None, Query(alias="LT_eventTime")] = None,
    per_page: Annotated[int, Query(alias="perPage", ge=1, le=1000)] = 100,
    next_page_token: Annotated[
        str | None, Query(alias="nextPageToken", pattern=r"^\d{1,15}$")
    ] = None,
) -> LdJsonResponse:
    """ObjectEvents from the register: receiving, storing, departing, arriving, destroying
    (and commissioning of copies). Follow the ``Link: rel="next"`` header for more."""
    steps = tuple(normalise_biz_step(s) for s in _split(eq_biz_step))
    for s in steps:
        if s not in BIZ_STEPS:
            raise InvalidInput(
                "EQ_bizStep",
                f"{s!r} is not a step this export produces ({', '.join(BIZ_STEPS)})",
                zh=f"{s!r} 不是本导出支持的业务步骤",
            )
    epcs = _split(match_epc)
    for e in epcs:
        if not (e.startswith("urn:epc:id:") or e.startswith("urn:epc:idpat:")):
            raise InvalidInput("MATCH_epc", f"{e!r} is not an EPC URI", zh=f"{e!r} 不是EPC标识URI")
    q = EpcisQuery(epcs, steps, ge_event_time, lt_event_time)
    after = int(next_page_token or 0)
    out: list[dict[str, Any]] = []
    with svc.read() as uow:
        cache: dict[str, str | None] = {}

        def epc_of(serial: str) -> str | None:
            if serial not in cache:
                c = uow.carriers.get(serial)
                cache[serial] = epc_uri(c.epc) if c is not None else None
            return cache[serial]

        exporter = Exporter(svc.site, epc_of)
        source = (
            _exact(svc, uow, epcs, after)
            if epcs and all(":idpat:" not in e for e in epcs)
            else None
        )
        last, more = after, False
        for entry in source if source is not None else _scan(uow, after):
            found = [
                ev
                for at, ev in exporter.events(entry)
                if q.epc_matches(ev["epcList"][0]) and q.keeps(ev, at)
            ]
            if found and out and len(out) + len(found) > per_page:
                more = True
                break
            out.extend(found)
            last = entry.seq
            if last - after >= SCAN_LIMIT and source is None:
                more = True
                break
    adminlog.exported(
        svc, me.actor, "epcis", events=len(out), after_seq=after, last_seq=last, more=more
    )
    headers = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
    if more:
        url = request.url.include_query_params(nextPageToken=str(last))
        headers["Link"] = f'<{url}>; rel="next"'
    return LdJsonResponse(document(out, datetime.now(UTC)), headers=headers)


def _scan(uow: Any, after: int) -> Any:
    while True:
        chunk: list[Entry] = uow.ledger.entries(after_seq=after, limit=_CHUNK)
        yield from chunk
        if len(chunk) < _CHUNK:
            return
        after = chunk[-1].seq


def _exact(svc: Services, uow: Any, uris: tuple[str, ...], after: int) -> list[Entry]:
    cfg = svc.site.labels
    entries: dict[int, Entry] = {}
    for uri in uris:
        try:
            prefix, ref = epc_codec.parse_id_uri(uri)
            ref_value: str | int = int(ref) if cfg.epc_scheme == "giai-96" else ref
            hex_epc = epc_codec.encode(
                prefix, ref_value, filter=cfg.epc_filter, scheme=cfg.epc_scheme
            ).hex()
        except (InvalidInput, ValueError):
            continue
        c = uow.carriers.by_epc(hex_epc)
        if c is None or epc_uri(c.epc) != uri:
            continue
        for e in uow.ledger.for_carrier(c.serial, limit=1_000_000):
            if e.seq > after:
                entries[e.seq] = e
    return [entries[k] for k in sorted(entries)]
