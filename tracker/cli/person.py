"""``tracker person``: people, their clearance, role and badges."""

from __future__ import annotations

import typer

from tracker.cli.common import JsonOption, cli_actor, emit
from tracker.cli.common import app as build_app
from tracker.domain.levels import Clearance
from tracker.domain.model import BadgeKind, Role
from tracker.services import custody, people

app = typer.Typer(
    help="People who hold carriers, with clearance, role and badges.", no_args_is_help=True
)


@app.command("add")
def add(
    person_id: str = typer.Argument(..., help="Staff number."),
    name: str = typer.Option(..., help="Full name."),
    department: str = typer.Option("", help="Department (for knowledge scopes)."),
    clearance: str = typer.Option(..., help="core | important | general (核心/重要/一般)."),
    role: Role = typer.Option(
        Role.STAFF,
        help="custodian | officer | approver | staff | system_admin | security_admin | "
        "security_auditor.",
    ),
    email: str = typer.Option("", help="Email address for alert notifications."),
    as_json: bool = JsonOption,
) -> None:
    """Register a person."""
    p = people.add_person(
        build_app().services,
        cli_actor(),
        person_id,
        name,
        department,
        Clearance.parse(clearance),
        role,
        email,
    )
    emit(p, as_json, f"added {p.id} {p.name} ({p.role.value}, clearance {p.clearance.value})")


@app.command("update")
def update(
    person_id: str,
    clearance: str | None = typer.Option(None, help="New clearance."),
    role: Role | None = typer.Option(None, help="New role."),
    department: str | None = typer.Option(None, help="New department."),
    email: str | None = typer.Option(None, help="New email address."),
    as_json: bool = JsonOption,
) -> None:
    """Change a person's clearance, role or department."""
    p = people.update_person(
        build_app().services,
        cli_actor(),
        person_id,
        clearance=Clearance.parse(clearance) if clearance else None,
        role=role,
        department=department,
        email=email,
    )
    emit(p, as_json)


@app.command("badge")
def badge(
    person_id: str,
    code: str = typer.Argument(
        ..., help="Badge code in hex (EM4100: 10 digits as an RDM6300 reads it)."
    ),
    kind: BadgeKind = typer.Option(BadgeKind.EM4100, help="em4100 | uhf."),
) -> None:
    """Give a person a badge."""
    b = people.add_badge(build_app().services, cli_actor(), person_id, code, kind)
    typer.echo(f"badge {b.code} ({b.kind.value}) → {b.person}")


@app.command("list")
def list_people(as_json: bool = JsonOption) -> None:
    """List everyone."""
    with build_app().services.read() as uow:
        everyone = uow.people.find(order_by="id")
    if as_json:
        emit(everyone, True)
        return
    for p in everyone:
        state = "" if p.active else f"  left {p.left_on}, 脱密期 until {p.decommission_until}"
        cols = f"{p.id:<12} {p.name:<8} {p.department:<12} {p.clearance.value:<9}"
        typer.echo(f"{cols} {p.role.value}{state}")


@app.command("holdings")
def holdings(person_id: str, as_json: bool = JsonOption) -> None:
    """What a person still holds (to clear before leaving a post, R12)."""
    held = custody.holdings(build_app().services, person_id)
    emit(
        [{"serial": c.serial, "marking": c.marking.zh(), "state": c.state.value} for c in held],
        as_json,
        "\n".join(f"{c.serial}  {c.marking.zh()}  {c.state.value}" for c in held) or "nothing",
    )
