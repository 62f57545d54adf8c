"""``tracker disclosure`` (R16): reading sessions at the custodian's desk and a carrier's
disclosure record; ``tracker handling`` (R18): top-secret receipts to handle."""

from __future__ import annotations

from collections.abc import Sequence

import typer

from tracker.cli.common import ActorOption, JsonOption, emit
from tracker.cli.common import app as build_app
from tracker.domain.disclosure import Disclosure
from tracker.domain.errors import InvalidInput
from tracker.domain.model import Person
from tracker.services import disclosure, handling
from tracker.services.base import Services

app = typer.Typer(
    help="The disclosure record of top-secret carriers (知悉记录, R16).", no_args_is_help=True
)
handling_app = typer.Typer(
    help="Three-day handling of top-secret receipts (批办 / 办理, R18).", no_args_is_help=True
)
NoteOption = typer.Option(..., "--note", help="Instructions (批办意见) or what was done.")


def _person(svc: Services, actor: str) -> Person:
    with svc.read() as uow:
        who = uow.people.get(actor)
    if who is None:
        raise InvalidInput("--as", f"unknown person {actor!r}", zh=f"未知人员 {actor!r}")
    return who


def _lines(found: Sequence[Disclosure]) -> str:
    return (
        "\n".join(
            f"{d.id}  {d.carrier}  {d.person:<10} {d.kind.value:<11} "
            f"{d.started_at.isoformat()} → {d.ended_at.isoformat() if d.ended_at else '…'}  "
            f"{d.place or ''} ({d.source.value})"
            for d in found
        )
        or "none"
    )


@app.command("read")
def read(
    serial: str,
    reader: str = typer.Option(..., "--reader", help="Who reads it."),
    room: str | None = typer.Option(None, help="Default: the carrier's home room."),
    actor: str = ActorOption,
) -> None:
    """Open a reading session: READER reads top-secret carrier SERIAL in the secure room
    from now on (the custodian ``--as`` signs). Prints the session's id."""
    d = disclosure.open_reading(build_app().services, actor, serial, reader, room)
    typer.echo(d.id)


@app.command("close")
def close(session: str, actor: str = ActorOption) -> None:
    """Close a reading session: the carrier is back at the desk."""
    d = disclosure.close_reading(build_app().services, actor, session)
    typer.echo(f"{d.id} closed at {d.ended_at.isoformat() if d.ended_at else ''}")


@app.command("sessions")
def sessions(actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """Reading sessions not yet closed."""
    found = disclosure.open_sessions(build_app().services, actor)
    emit(found, as_json, _lines(found))


@app.command("record")
def record(serial: str, actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """Everyone who read or handled top-secret carrier SERIAL, by name and time, as the
    person ``--as`` may see it (need-to-know)."""
    svc = build_app().services
    found = disclosure.record_of(svc, _person(svc, actor), serial)
    emit(found, as_json, _lines(found))


@handling_app.command("list")
def handling_list(
    actor: str = ActorOption,
    pending: bool = typer.Option(False, "--pending", help="Only those not yet handled."),
    limit: int = typer.Option(100),
    as_json: bool = JsonOption,
) -> None:
    """Top-secret receipts and their deadlines, nearest first."""
    svc = build_app().services
    views, _ = handling.listing(svc, _person(svc, actor), pending=pending, limit=limit)
    text = "\n".join(
        f"{v.handling.carrier}  {v.handling.state.value:<10} due {v.handling.due_at.isoformat()}"
        for v in views
    )
    emit([_view(v) for v in views], as_json, text or "none")


@handling_app.command("show")
def handling_show(serial: str, actor: str = ActorOption, as_json: bool = JsonOption) -> None:
    """One top-secret receipt's deadline, instructions and handling."""
    svc = build_app().services
    emit(_view(handling.of_carrier(svc, _person(svc, actor), serial)), as_json)


@handling_app.command("instruct")
def handling_instruct(serial: str, note: str = NoteOption, actor: str = ActorOption) -> None:
    """A leader (``--as``) writes instructions on how SERIAL is to be handled (批办)."""
    h = handling.instruct(build_app().services, actor, serial, note)
    typer.echo(f"{h.carrier} {h.state.value}")


@handling_app.command("done")
def handling_done(serial: str, note: str = NoteOption, actor: str = ActorOption) -> None:
    """The custodian (``--as``) records SERIAL handled (办理): what was done."""
    h = handling.complete(build_app().services, actor, serial, note)
    late = " (late)" if h.handled_at and h.handled_at > h.due_at else ""
    typer.echo(f"{h.carrier} {h.state.value}{late}")


def _view(v: handling.HandlingView) -> dict[str, object]:
    h = v.handling
    return {
        "carrier": h.carrier,
        "state": h.state.value,
        "received_at": h.received_at.isoformat(),
        "due_at": h.due_at.isoformat(),
        "instructed_by": h.instructed_by,
        "instruction": v.instruction,
        "handled_by": h.handled_by,
        "handled_at": h.handled_at.isoformat() if h.handled_at else None,
        "outcome": v.outcome,
    }
