"""``tracker notify``: the notification outbox — what was sent, what is waiting, what failed."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tracker.cli.common import JsonOption, emit
from tracker.cli.common import app as build_app
from tracker.domain.model import DeliveryState

app = typer.Typer(help="Alert notifications (email, webhooks).", no_args_is_help=True)


@app.command("list")
def list_notifications(
    state: Annotated[DeliveryState | None, typer.Option(help="pending | sent | failed")] = None,
    limit: Annotated[int, typer.Option()] = 50,
    as_json: bool = JsonOption,
) -> None:
    """Notifications, newest first (``--state failed`` for deliveries given up on)."""
    with build_app().services.read() as uow:
        eq: dict[str, Any] = {"state": state} if state else {}
        rows = uow.notifications.find(order_by="-created_at", limit=limit, **eq)
    if as_json:
        emit(rows, True)
        return
    for n in rows:
        why = f"  {n.last_error}" if n.last_error else ""
        typer.echo(
            f"{n.created_at:%Y-%m-%d %H:%M} {n.state.value:<7} {n.channel:<7} "
            f"{n.recipient:<16} ×{n.attempts} {n.subject}{why}"
        )
