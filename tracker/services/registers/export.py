"""Exporting a register: who may read which register, and the one function every export
(command line, API) goes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Protocol

from tracker.domain.errors import InvalidInput, NotFound, PermissionDenied
from tracker.domain.model import Person, Role
from tracker.services import adminlog
from tracker.services.base import Services
from tracker.services.registers import KINDS
from tracker.services.registers.base import Reading, Register, RegisterQuery, Spec
from tracker.services.registers.stats import Summary, summarize

SUMMARY = "summary"  # the statistics with charts (PDF only), exported like a register

FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}

# Who may read the registers: the custodians who keep them, the secrecy officer who
# oversees them, and the leaders who approve what they record. Titles still follow
# need-to-know (an approver outside a carrier's scope sees its serial and marking).
# Staff and the system, security and audit administrators read no register.
READERS: frozenset[Role] = frozenset({Role.CUSTODIAN, Role.OFFICER, Role.APPROVER})
READERS_BY_KIND: dict[str, frozenset[Role]] = {kind: READERS for kind in [*KINDS, SUMMARY]}

_ROLE_ZH = {
    "custodian": "机要员",
    "officer": "保密干部",
    "approver": "审批领导",
    "staff": "涉密人员",
}


class RegisterWriter(Protocol):
    """Writes registers and the summary to a binary stream (``tracker.reports``)."""

    def write(self, register: Register, fmt: str, out: BinaryIO) -> None:
        """Write ``register`` as ``fmt`` (pdf / xlsx / csv) to ``out``."""
        ...

    def write_summary(self, summary: Summary, out: BinaryIO, lang: str) -> None:
        """Write the statistics report (PDF with charts) to ``out``."""
        ...


@dataclass(frozen=True)
class Export:
    """What one export produced: which register, for whom, how many rows."""

    kind: str
    fmt: str
    query: RegisterQuery
    actor: str
    rows: int
    filename: str
    content_type: str


def spec(kind: str) -> Spec:
    """The register ``kind``; InvalidInput naming the known kinds otherwise."""
    found = KINDS.get(kind)
    if found is None:
        names = ", ".join(KINDS)
        raise InvalidInput(
            "kind",
            f"unknown register {kind!r} (one of {names})",
            zh=f"未知登记簿 {kind!r}（应为 {names}）",
        )
    return found


def may_read(person: Person | None, kind: str) -> bool:
    """True when ``person`` may read the register ``kind``."""
    return (
        person is not None and person.active and person.role in READERS_BY_KIND.get(kind, READERS)
    )


def require_reader(person: Person | None, actor: str, kind: str) -> Person:
    """The reading person, who must be allowed this register."""
    if person is None:
        raise NotFound(f"no person {actor!r}", zh=f"没有人员 {actor!r}")
    if not may_read(person, kind):
        name = KINDS[kind].zh if kind in KINDS else "统计报告"
        raise PermissionDenied(
            f"{actor} ({person.role.value}) may not read the {kind} register",
            zh=f"{person.name}无权查阅{name}",
        )
    return person


def _filters(svc: Services, query: RegisterQuery, lang: str) -> str:
    parts = []
    if query.room:
        try:
            room = svc.site.place(query.room).name
        except KeyError:
            room = query.room
        parts.append(("Room: " if lang == "en" else "场所：") + room)
    if query.level:
        parts.append(
            ("Level: " if lang == "en" else "密级：")
            + (query.level.en if lang == "en" else query.level.zh)
        )
    if not parts:
        return "all rooms and levels" if lang == "en" else "全部场所、全部密级"
    return "; ".join(parts) if lang == "en" else "；".join(parts)


def _check(svc: Services, kind: str, query: RegisterQuery, fmt: str) -> Spec | None:
    found = None if kind == SUMMARY else spec(kind)
    if kind == SUMMARY and fmt != "pdf":
        raise InvalidInput("format", "the summary is a PDF report", zh="统计报告只有 PDF 格式")
    if fmt not in FORMATS:
        raise InvalidInput(
            "format",
            f"unknown format {fmt!r} (pdf, xlsx or csv)",
            zh=f"未知格式 {fmt!r}（pdf、xlsx 或 csv）",
        )
    if query.room is not None:
        try:
            svc.site.place(query.room)
        except KeyError:
            raise InvalidInput(
                "room", f"unknown room {query.room!r}", zh=f"未知场所 {query.room!r}"
            ) from None
    return found


def check_export(svc: Services, actor: str, kind: str, query: RegisterQuery, fmt: str) -> Export:
    """Check an export without writing it (bad input and refusals come out before a
    caller starts a download); returns what :func:`export_register` would name it."""
    _check(svc, kind, query, fmt)
    with svc.read() as uow:
        require_reader(uow.people.get(actor), actor, kind)
    return _describe(kind, fmt, query, actor, 0)


def _describe(kind: str, fmt: str, query: RegisterQuery, actor: str, rows: int) -> Export:
    name = f"{kind}_{query.start:%Y%m%d}-{query.end:%Y%m%d}.{fmt}"
    return Export(kind, fmt, query, actor, rows, name, FORMATS[fmt])


def _export(
    svc: Services, kind: str, fmt: str, query: RegisterQuery, actor: str, rows: int
) -> Export:
    """The export's description, once it is recorded in the administration log (who,
    which register, which period and filters, which format, how many rows)."""
    adminlog.exported(
        svc,
        actor,
        f"register:{kind}",
        format=fmt,
        start=query.start.isoformat(),
        end=query.end.isoformat(),
        room=query.room or "",
        level=query.level.value if query.level else "",
        rows=rows,
    )
    return _describe(kind, fmt, query, actor, rows)


def export_register(
    svc: Services,
    actor: str,
    kind: str,
    query: RegisterQuery,
    fmt: str,
    out: BinaryIO,
    writer: RegisterWriter,
    lang: str = "zh",
) -> Export:
    """Write the register ``kind`` for ``query`` as ``fmt`` to ``out``, as ``actor``
    reads it (need-to-know decides each title). Every export of a register, from the
    command line or the API, goes through this function: it is where the export is
    recorded in the administration log (who, which register, which period, which
    format). ``kind`` :data:`SUMMARY` writes the statistics."""
    found = _check(svc, kind, query, fmt)
    with svc.read() as uow:
        reader = require_reader(uow.people.get(actor), actor, kind)
        if found is None:
            writer.write_summary(summarize(uow, svc.site, query, svc.now()), out, lang)
            return _export(svc, kind, fmt, query, actor, 0)
        reading = Reading(uow, svc.site, reader, query, svc.now(), lang)
        register = Register(
            kind=kind,
            title=found.title(lang),
            columns=found.columns,
            rows=found.rows(reading),
            unit=svc.site.name,
            period=f"{query.start:%Y-%m-%d} – {query.end:%Y-%m-%d}"
            if lang == "en"
            else f"{query.start:%Y年%m月%d日} 至 {query.end:%Y年%m月%d日}",
            filters=_filters(svc, query, lang),
            reader=f"{reader.name} ({reader.role.value})"
            if lang == "en"
            else f"{reader.name}（{_ROLE_ZH.get(reader.role.value, reader.role.value)}）",
            generated_at=reading.local(reading.now) or reading.now,
            lang=lang,
        )
        if found.footer is not None:
            footer = found.footer
            register.footer = lambda: footer(reading)
        writer.write(register, fmt, out)
    return _export(svc, kind, fmt, query, actor, register.count)
