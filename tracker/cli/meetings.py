"""``tracker meeting`` (classified meetings, R17) and ``tracker seal`` (holiday sealing,
R19): the same use cases as the API and the console, run on the server as a named person
(``--as``)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import typer

from tracker.cli.common import ActorOption, JsonOption, emit
from tracker.cli.common import app as build_app
from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.meetings import Meeting
from tracker.domain.seals import Seal
from tracker.services import meeting_views, meetings, sealing

app = typer.Typer(help="Classified meetings (R17).", no_args_is_help=True)
seal_app = typer.Typer(help="Holiday sealing of safes (R19).", no_args_is_help=True)


def _when(text: str, field: str, tz: tzinfo) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(field, f"not a time: {text!r}", zh=f"时间格式不正确：{text!r}") from exc
    if at.tzinfo is None:  # the site's zone, as people write times at the desk
        at = at.replace(tzinfo=tz)
    return at


def _meeting(m: Meeting, name: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id,
        "room": m.room,
        "level": m.level.value,
        "starts_at": m.starts_at.isoformat(),
        "ends_at": m.ends_at.isoformat(),
        "state": m.state.value,
        "attendees": list(m.attendees),
        "materials": list(m.materials),
        "left_behind": list(m.left_behind),
    }
    if name:
        out["name"] = m.name
    return out


def _person(actor: str) -> Any:
    with build_app().services.read() as uow:
        p = uow.people.get(actor)
    if p is None:
        raise InvalidInput("--as", f"unknown person {actor!r}", zh=f"未知人员 {actor!r}")
    return p


@app.command("create")
def create(
    name: str = typer.Option(..., help="The meeting's subject (kept like a title)."),
    room: str = typer.Option(..., help="Room id."),
    level: str = typer.Option(..., help="Highest level discussed or handed out."),
    starts: str = typer.Option(..., help="Start, ISO time (site's zone if none given)."),
    ends: str = typer.Option(..., help="End, ISO time."),
    actor: str = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Register a classified meeting in a room fit for its level."""
    svc = build_app().services
    tz = svc.site.calendar.tz
    m = meetings.create_meeting(
        svc,
        actor,
        name,
        room,
        Level.parse(level),
        _when(starts, "--starts", tz),
        _when(ends, "--ends", tz),
    )
    emit(_meeting(m), as_json, m.id)


@app.command("attend")
def attend(meeting_id: str, people: list[str], actor: str = ActorOption) -> None:
    """Add attendees (ids or badge codes): clearance and knowledge scope are checked."""
    m = meetings.add_attendees(build_app().services, actor, meeting_id, people)
    typer.echo(" ".join(m.attendees))


@app.command("material")
def material(
    meeting_id: str,
    codes: list[str] = typer.Argument(None, help="Serials, barcodes or EPCs."),
    copies: str | None = typer.Option(None, help="A copy request whose copies are materials."),
    actor: str = ActorOption,
) -> None:
    """Plan materials: carriers, or the copies made for the meeting (R8)."""
    svc = build_app().services
    if copies:
        meetings.add_copies(svc, actor, meeting_id, copies)
    if codes:
        meetings.add_materials(svc, actor, meeting_id, codes)
    if not copies and not codes:
        raise InvalidInput("codes", "name carriers or --copies", zh="请填写载体或 --copies")
    with svc.read() as uow:
        m = uow.meetings.get(meeting_id)
    typer.echo(" ".join(m.materials if m else ()))


@app.command("hand-out")
def hand_out(meeting_id: str, code: str, attendee: str, actor: str = ActorOption) -> None:
    """Hand a material (code scanned) to an attendee (id or badge)."""
    h = meetings.hand_out(build_app().services, actor, meeting_id, code, attendee)
    typer.echo(f"{h.carrier} → {h.attendee}")


@app.command("collect")
def collect(
    meeting_id: str,
    code: str,
    returned_by: str | None = typer.Option(None, help="Who gave it back, if not the attendee."),
    actor: str = ActorOption,
) -> None:
    """Collect a material (code scanned) back from its attendee."""
    h = meetings.collect(build_app().services, actor, meeting_id, code, returned_by)
    typer.echo(f"{h.carrier} ← {h.returned_by}")


@app.command("end")
def end(meeting_id: str, actor: str = ActorOption) -> None:
    """End the meeting: what is not collected becomes an alert naming the attendee."""
    left = meetings.end_meeting(build_app().services, actor, meeting_id)
    typer.echo("not collected: " + (" ".join(left) or "none"))


@app.command("sweep")
def sweep(
    meeting_id: str,
    codes: list[str] = typer.Argument(None, help="Codes a hand reader found in the room."),
    actor: str = ActorOption,
) -> None:
    """Sweep the room after the meeting: what is still there is left behind."""
    left = meetings.sweep(build_app().services, actor, meeting_id, codes or ())
    typer.echo("left behind: " + (" ".join(left) or "none"))


@app.command("cancel")
def cancel(meeting_id: str, reason: str = typer.Option(...), actor: str = ActorOption) -> None:
    """Cancel a meeting nothing of which is out."""
    meetings.cancel_meeting(build_app().services, actor, meeting_id, reason)
    typer.echo("cancelled")


@app.command("list")
def list_meetings(actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """The meetings ``--as`` may see (keepers: all; others: those they attend)."""
    found, _ = meeting_views.visible(build_app().services, _person(actor), limit=1000, offset=0)
    emit(
        [_meeting(m) for m in found],
        as_json,
        "\n".join(
            f"{m.id}  {m.starts_at.isoformat()}  {m.room:<10} {m.state.value:<9} {m.name}"
            for m in found
        )
        or "none",
    )


@app.command("show")
def show(meeting_id: str, actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """One meeting and who has which material."""
    m, handouts = meeting_views.detail(build_app().services, _person(actor), meeting_id)
    data = _meeting(m)
    data["handouts"] = [
        {"carrier": h.carrier, "attendee": h.attendee, "state": h.state.value} for h in handouts
    ]
    emit(data, as_json)


# --- seals -----------------------------------------------------------------------------


def _seal(s: Seal) -> dict[str, Any]:
    return {
        "id": s.id,
        "safe": s.safe,
        "state": s.state.value,
        "holiday": s.holiday,
        "sealed_at": s.sealed_at.isoformat(),
        "contents": list(s.contents),
        "missing": list(s.missing),
        "added": list(s.added),
        "breaches": list(s.breaches),
    }


@seal_app.command("seal")
def seal(
    safe: str,
    reason: str = typer.Option(...),
    until: str | None = typer.Option(None, help="When the scheduler unseals it."),
    actor: str = ActorOption,
    as_json: bool = JsonOption,
) -> None:
    """Seal a safe now; its readers' view of its contents is the snapshot."""
    svc = build_app().services
    when = _when(until, "--until", svc.site.calendar.tz) if until else None
    s = sealing.seal_safe(svc, actor, safe, reason, when)
    emit(_seal(s), as_json, f"{s.safe} sealed: {len(s.contents)} carrier(s)")


@seal_app.command("unseal")
def unseal(safe: str, actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """Unseal a safe and compare its contents with the snapshot."""
    s = sealing.unseal_safe(build_app().services, actor, safe)
    text = f"{s.safe} unsealed: missing {' '.join(s.missing) or 'none'}; added " + (
        " ".join(s.added) or "none"
    )
    emit(_seal(s), as_json, text)


@seal_app.command("list")
def list_seals(as_json: bool = JsonOption) -> None:
    """Every seal, latest first."""
    with build_app().services.read() as uow:
        found = uow.seals.find(order_by="-sealed_at")
    emit(
        [_seal(s) for s in found],
        as_json,
        "\n".join(
            f"{s.sealed_at.isoformat()}  {s.safe:<8} {s.state.value:<8} {s.holiday or '-'}"
            f"  {len(s.contents)}"
            for s in found
        )
        or "none",
    )


@seal_app.command("holidays")
def holidays(as_json: bool = JsonOption) -> None:
    """The calendar's holiday periods of the coming year, with seal and unseal times."""
    found = [
        {"holiday": p.key, "seal_at": p.seal_at.isoformat(), "unseal_at": p.unseal_at.isoformat()}
        for p in sealing.periods(build_app().services)
    ]
    text = "\n".join(f"{d['holiday']}  seal {d['seal_at']}  unseal {d['unseal_at']}" for d in found)
    emit(found, as_json, text or "none")
