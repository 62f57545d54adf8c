"""The registers (登记簿) as files: PDF, XLSX, CSV, and the statistics summary as PDF.

Every download goes through :func:`tracker.services.registers.export.export_register`
(the one function where exports are checked and recorded); the file is written to a
private temporary file and streamed from there, so a book of 100,000 rows is never held
in memory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from enum import Enum
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from api.auth import Principal, Role, require
from api.deps import Lang, Svc
from api.schemas.common import ERROR_RESPONSES
from tracker.domain.levels import Level
from tracker.reports import writer
from tracker.services.base import Services
from tracker.services.registers import KINDS
from tracker.services.registers.base import RegisterQuery
from tracker.services.registers.export import FORMATS, SUMMARY, check_export, export_register

router = APIRouter(prefix="/api/v1/registers", tags=["registers"], responses=ERROR_RESPONSES)

# Who may read the registers (the services check the same): custodians, the secrecy
# officer, and approvers (titles by need-to-know). Staff, devices and the three
# administrators may not.
RegisterReader = Annotated[Principal, require(Role.CUSTODIAN, Role.OFFICER, Role.APPROVER)]

Kind = Enum("Kind", {k.replace("-", "_"): k for k in [*KINDS, SUMMARY]}, type=str)  # type: ignore[misc]
Format = Enum("Format", {f: f for f in FORMATS}, type=str)  # type: ignore[misc]
CHUNK = 64 * 1024


class RegisterOut(BaseModel):
    """One register the caller may download."""

    kind: str
    name: str
    formats: list[str]


@router.get("", response_model=list[RegisterOut], summary="The registers")
def list_registers(me: RegisterReader, lang: Lang) -> list[RegisterOut]:
    """Every register with its name and formats (for the console's 登记簿 page)."""
    out = [RegisterOut(kind=k, name=s.title(lang), formats=list(FORMATS)) for k, s in KINDS.items()]
    name = "Statistics (with charts)" if lang == "en" else "统计报告（含图表）"
    out.append(RegisterOut(kind=SUMMARY, name=name, formats=["pdf"]))
    return out


def _stream(fh: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := fh.read(CHUNK):
            yield chunk
    finally:
        fh.close()  # an anonymous temporary file: closing removes it


@router.get(
    "/{kind}",
    summary="Download a register",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The register as a file (Content-Disposition names it).",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in FORMATS.values()
            },
        }
    },
)
def download(
    kind: Annotated[Kind, Path(description="Which register (or `summary`).")],
    me: RegisterReader,
    svc: Svc,
    lang: Lang,
    start: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD).")],
    end: Annotated[date, Query(alias="to", description="Last day, included.")],
    fmt: Annotated[Format, Query(alias="format")] = Format("pdf"),  # noqa: B008
    room: Annotated[str | None, Query(max_length=200, description="Carriers homed here.")] = None,
    level: Level | None = None,
) -> StreamingResponse:
    """A register for a period as PDF (A4 landscape, signature columns), XLSX or CSV;
    titles only where the caller may know them, serial and marking otherwise."""
    query = RegisterQuery(start, end, room, level)
    return export_response(svc, me.actor, kind.value, query, fmt.value, lang)


def export_response(
    svc: Services, actor: str, kind: str, query: RegisterQuery, fmt: str, lang: str
) -> StreamingResponse:
    """The register as a streamed download (the API's and the console's): refusals and
    bad input come out before the first byte; the file is written through
    ``export_register`` (checked, recorded) to an anonymous temporary file and streamed
    from there."""
    check_export(svc, actor, kind, query, fmt)
    fh = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the stream
    try:
        done = export_register(svc, actor, kind, query, fmt, fh, writer(), lang)
        size = fh.tell()
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    headers = {
        "Content-Disposition": f'attachment; filename="{done.filename}"',
        "Content-Length": str(size),
        "X-Rows": str(done.rows),
        "Cache-Control": "no-store",  # a register holds titles
    }
    return StreamingResponse(_stream(fh), media_type=done.content_type, headers=headers)
