"""``tracker carrier``: receive, show, list and put away carriers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tracker.cli.common import ActorOption, JsonOption, emit, reading
from tracker.cli.common import app as build_app
from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Level
from tracker.domain.model import Carrier, Medium
from tracker.domain.period import SecrecyPeriod
from tracker.services import knowledge

if TYPE_CHECKING:
    # The use cases are imported by the commands that run them: ``show`` and ``list``
    # only read, and start faster without them (issue 16 goal 5).
    from tracker.services.receive import ReceiveItem

app = typer.Typer(help="Carriers: receive, show, list, put away.", no_args_is_help=True)


def _split(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _copy(text: str | None) -> tuple[int | None, int | None]:
    if not text:
        return None, None
    try:
        n, _, total = text.partition("/")
        return int(n), int(total) if total else None
    except ValueError as exc:
        raise InvalidInput(
            "copy", f"write copy as N/TOTAL, not {text!r}", zh="份号格式应为 N/总份数"
        ) from exc


def _item_from(data: dict[str, Any], where: str) -> ReceiveItem:
    from tracker.services.receive import ReceiveItem

    try:
        level = Level.parse(str(data["level"]), f"{where}.level")
        return ReceiveItem(
            title=str(data["title"]),
            medium=Medium(data.get("medium", "paper")),
            level=level,
            period=SecrecyPeriod.parse(str(data.get("period", "none")), f"{where}.period"),
            classified_on=date.fromisoformat(str(data["classified_on"])),
            issuing_authority=str(data["issuing_authority"]),
            home_room=str(data["home_room"]),
            home_safe=data.get("home_safe"),
            copy_number=data.get("copy_number"),
            total_copies=data.get("total_copies"),
            pages=data.get("pages"),
            scope_people=tuple(data.get("scope_people", ())),
            scope_departments=tuple(data.get("scope_departments", ())),
            container=data.get("container"),
            notes=str(data.get("notes", "")),
        )
    except KeyError as exc:
        raise InvalidInput(f"{where}.{exc.args[0]}", "is required", zh="必填") from exc
    except ValueError as exc:
        raise InvalidInput(where, str(exc)) from exc


@app.command("receive")
def receive_cmd(
    actor: str = ActorOption,
    sender: str = typer.Option(..., "--from", help="Who delivered it (来文单位)."),
    title: str | None = typer.Option(None, help="Title / main content (名称)."),
    level: str | None = typer.Option(None, help="top_secret | secret | confidential | internal."),
    period: str = typer.Option("none", help="10y, 6m, long, until:<condition>."),
    classified_on: str | None = typer.Option(None, help="Classification date YYYY-MM-DD."),
    authority: str | None = typer.Option(None, help="Issuing authority (制发机关)."),
    medium: Medium = typer.Option(Medium.PAPER),
    home_room: str | None = typer.Option(None, help="Room it is kept in."),
    home_safe: str | None = typer.Option(None, help="Safe it is kept in."),
    copy: str | None = typer.Option(None, help="Copy number / total copies, e.g. 2/5."),
    pages: int | None = typer.Option(None),
    scope_people: str = typer.Option("", help="Comma-separated person ids in the knowledge scope."),
    scope_departments: str = typer.Option("", help="Comma-separated departments in the scope."),
    count: int | None = typer.Option(
        None, help="How many the dispatch list says (default: as received)."
    ),
    file: Path | None = typer.Option(
        None, help="JSON file with a list of items (a whole delivery)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Count, register, number and sign for carriers (R15)."""
    if file is not None:
        raw = json.loads(file.read_text(encoding="utf-8"))
        items = [_item_from(d, f"items[{i}]") for i, d in enumerate(raw)]
    else:
        n, total = _copy(copy)
        items = [
            _item_from(
                {
                    "title": title,
                    "level": level,
                    "period": period,
                    "classified_on": classified_on,
                    "issuing_authority": authority,
                    "medium": medium.value,
                    "home_room": home_room,
                    "home_safe": home_safe,
                    "copy_number": n,
                    "total_copies": total,
                    "pages": pages,
                    "scope_people": _split(scope_people),
                    "scope_departments": _split(scope_departments),
                }
                | {},
                "item",
            )
            if title and level and classified_on and authority and home_room
            else _missing(title, level, classified_on, authority, home_room)
        ]
    from tracker.services.receive import ReceiveBatch, receive

    got = receive(build_app().services, actor, ReceiveBatch(items, count or len(items), sender))
    emit(
        [_public(c) for c in got],
        as_json,
        "\n".join(f"{c.serial}  {c.marking.zh()}  EPC {c.epc}" for c in got),
    )


def _missing(*values: str | None) -> ReceiveItem:
    names = ["--title", "--level", "--classified-on", "--authority", "--home-room"]
    absent = [n for n, v in zip(names, values, strict=True) if not v]
    raise InvalidInput(absent[0], "is required (or give --file)", zh="必填（或使用 --file）")


def _public(c: Carrier, title: bool = False) -> dict[str, Any]:
    out = {
        "serial": c.serial,
        "level": c.level.value,
        "marking": c.marking.zh(),
        "marking_en": c.marking.en(),
        "state": c.state.value,
        "location": c.location,
        "holder": c.holder,
        "home_room": c.home_room,
        "home_safe": c.home_safe,
        "epc": c.epc,
        "copy": f"{c.copy_number or ''}/{c.total_copies or ''}",
        "labelled": c.labelled,
        "expires_on": c.expires_on.isoformat() if c.expires_on else None,
        "original": c.original,
    }
    if title:
        out["title"] = c.title
        out["issuing_authority"] = c.issuing_authority
    return out


@app.command("show")
def show(
    serial: str,
    actor: str | None = typer.Option(
        None, "--as", help="Show the title if this person may know it."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Show a carrier: where it is, who holds it, its register entries. With ``--as``, as
    that person may see it (need-to-know, R3): the title and everything else only if they
    may know it, otherwise serial, level, marking and state. Without ``--as`` (the
    server's administrator), everything but the title."""
    with reading() as uow:
        c = uow.carriers.get(serial)
        if c is None:
            raise InvalidInput("serial", f"no carrier {serial!r}", zh=f"没有载体 {serial!r}")
        who = uow.people.get(actor) if actor else None
        entries = uow.ledger.for_carrier(serial)
    if actor and who is None:
        raise InvalidInput("--as", f"unknown person {actor!r}", zh=f"未知人员 {actor!r}")
    seen = knowledge.view(who, c)
    if actor and not seen.known:
        emit(seen.public(), as_json)
        return
    data = _public(c, title=seen.known)
    data["history"] = [f"{e.at.isoformat()} {e.meaning} by {e.actor}" for e in entries]
    emit(data, as_json)


@app.command("list")
def list_carriers(
    state: str | None = typer.Option(None),
    level: str | None = typer.Option(None),
    location: str | None = typer.Option(None),
    limit: int = typer.Option(100),
    as_json: bool = JsonOption,
) -> None:
    """List carriers (serial, marking, state, where) — never titles."""
    filters: dict[str, Any] = {}
    if state:
        filters["state"] = state
    if level:
        filters["level"] = Level.parse(level)
    if location:
        filters["location"] = location
    with reading() as uow:
        found = uow.carriers.find(order_by="serial", limit=limit, **filters)
    emit(
        [_public(c) for c in found],
        as_json,
        "\n".join(
            f"{c.serial}  {c.marking.zh():<10} {c.state.value:<11} {c.location or ''}"
            for c in found
        )
        or "none",
    )


@app.command("store")
def store(serial: str, actor: str = ActorOption, safe: str | None = typer.Option(None)) -> None:
    """Lock a carrier in its home safe (or the safe named)."""
    from tracker.services.receive import store_in_safe

    c = store_in_safe(build_app().services, actor, serial, safe)
    typer.echo(f"{c.serial} in {c.location}")
