"""``tracker user`` and ``tracker device``: logins for people and tokens for gateways."""

from __future__ import annotations

import sys

import typer

from api.security import Argon2Hasher
from api.settings import ApiSettings
from tracker.cli.common import JsonOption, cli_actor, emit
from tracker.cli.common import app as build_app
from tracker.domain.errors import InvalidInput
from tracker.domain.levels import Clearance
from tracker.domain.model import Role
from tracker.services import accounts, people

app = typer.Typer(help="Password logins for people.", no_args_is_help=True)
device_app = typer.Typer(help="Gateway devices and their tokens.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _hasher() -> Argon2Hasher:
    return Argon2Hasher.from_settings(ApiSettings())


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name; also the person's id."),
    role: Role = typer.Option(
        ...,
        "--role",
        help="custodian | officer | approver | staff, or one of the three administrators: "
        "system_admin | security_admin | security_auditor.",
    ),
    name: str | None = typer.Option(None, "--name", help="Create the person with this name."),
    department: str = typer.Option("", "--department", help="Department of a new person."),
    clearance: str | None = typer.Option(None, "--clearance", help="core | important | general."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Give a person a login. With --name/--clearance the person is created too; otherwise
    USERNAME must be an existing person, whose role must be --role. This is how the first
    system and security administrators are made (recorded in the administration log)."""
    built = build_app()
    svc = built.services
    pw = _password(password_stdin)
    if len(pw) < accounts.MIN_PASSWORD:
        raise InvalidInput(
            "password",
            f"must be at least {accounts.MIN_PASSWORD} characters",
            zh=f"密码至少{accounts.MIN_PASSWORD}个字符",
        )
    if name is not None or clearance is not None:
        if name is None or clearance is None:
            raise InvalidInput(
                "--name",
                "a new person needs --name and --clearance",
                zh="新建人员须同时给出 --name 和 --clearance",
            )
        people.add_person(
            svc, cli_actor(), username, name, department, Clearance.parse(clearance), role
        )
    else:
        with svc.read() as uow:
            person = uow.people.get(username)
        if person is None:
            raise InvalidInput(
                "username",
                f"no person {username!r}; give --name and --clearance to create one",
                zh=f"没有人员 {username!r}；如需新建请给出 --name 和 --clearance",
            )
        if person.role is not role:
            raise InvalidInput(
                "--role",
                f"{username} is a {person.role.value}, not a {role.value}; "
                "change it with `tracker person update --role` first",
                zh=f"{person.name}的角色是{person.role.value}而非{role.value}，"
                "请先用 tracker person update 修改",
            )
    user = accounts.create_user(svc, cli_actor(), username, username, pw, _hasher())
    emit(
        {"username": user.username, "person": user.person, "role": role.value},
        as_json,
        f"user {user.username} added ({role.value})",
    )


@app.command("passwd")
def passwd(
    username: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read it from stdin."),
) -> None:
    """Set a new password; every token of the login stops working at once."""
    accounts.set_password(
        build_app().services, cli_actor(), username, _password(password_stdin), _hasher()
    )
    typer.echo(f"password of {username} changed")


@app.command("disable")
def disable(username: str) -> None:
    """Stop a login from working (the person stays)."""
    accounts.set_user_active(build_app().services, cli_actor(), username, False)
    typer.echo(f"user {username} disabled")


@app.command("enable")
def enable(username: str) -> None:
    """Let a disabled login work again."""
    accounts.set_user_active(build_app().services, cli_actor(), username, True)
    typer.echo(f"user {username} enabled")


@app.command("unlock")
def unlock(username: str) -> None:
    """Forget a login's failed attempts from every address."""
    cleared = accounts.unlock(build_app().services, cli_actor(), username)
    typer.echo(f"user {username} unlocked ({cleared} address(es) were held up)")


@app.command("list")
def list_users(as_json: bool = JsonOption) -> None:
    """Every login."""
    users = accounts.list_users(build_app().services)
    rows = [{"username": u.username, "person": u.person, "active": u.active} for u in users]
    emit(
        rows,
        as_json,
        "\n".join(
            f"{r['username']}\t{r['person']}\t{'active' if r['active'] else 'disabled'}"
            for r in rows
        ),
    )


@device_app.command("add")
def device_add(
    gateway: str = typer.Argument(..., help="Device id, e.g. gw-door-secure."),
    doors: str = typer.Option(
        "", "--doors", help="Comma-separated door, safe and reading-desk ids it serves."
    ),
    metrics: bool = typer.Option(False, "--metrics", help="May also read /metrics."),
    as_json: bool = JsonOption,
) -> None:
    """Register a gateway and print its token ONCE (only its hash is kept)."""
    places = [d.strip() for d in doors.split(",") if d.strip()]
    device, token = accounts.create_device(
        build_app().services, cli_actor(), gateway, places, metrics
    )
    emit(
        {"device": device.id, "places": list(device.places), "token": token},
        as_json,
        f"device {device.id} serves {', '.join(device.places) or '(metrics only)'}\n"
        f"token (shown once, keep it safe): {token}",
    )


@device_app.command("rotate")
def device_rotate(gateway: str, as_json: bool = JsonOption) -> None:
    """Issue a new token; the old one stops working at once."""
    device, token = accounts.rotate_device_token(build_app().services, cli_actor(), gateway)
    emit(
        {"device": device.id, "token": token},
        as_json,
        f"new token for {device.id} (shown once): {token}",
    )


@device_app.command("revoke")
def device_revoke(gateway: str) -> None:
    """Stop a device's token from working."""
    accounts.revoke_device(build_app().services, cli_actor(), gateway)
    typer.echo(f"device {gateway} revoked")


@device_app.command("list")
def device_list(as_json: bool = JsonOption) -> None:
    """Every device (never their tokens)."""
    devices = accounts.list_devices(build_app().services)
    rows = [
        {"device": d.id, "places": list(d.places), "active": d.active, "metrics": d.metrics}
        for d in devices
    ]
    emit(
        rows,
        as_json,
        "\n".join(
            f"{d.id}\t{','.join(d.places)}\t{'active' if d.active else 'revoked'}" for d in devices
        ),
    )
