"""``tracker site``: validate and load a site file."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli.common import JsonOption, cli_actor, emit
from tracker.cli.common import app as build_app
from tracker.config import load_site
from tracker.services.site import apply_site

app = typer.Typer(help="The site: rooms, doors, safes, readers, calendar.", no_args_is_help=True)


@app.command("load")
def load(
    file: Path = typer.Argument(..., help="The site TOML file."), as_json: bool = JsonOption
) -> None:
    """Validate FILE and load its places and doors into the database."""
    site = load_site(file)
    wired = build_app(file, load=False)
    counts = apply_site(wired.services, cli_actor(), site, file.read_text(encoding="utf-8"))
    emit(
        {
            "site": site.id,
            "places": len(site.places),
            "doors": len(site.doors),
            "readers": len(site.readers),
            **counts,
        },
        as_json,
        f"loaded site {site.id} ({site.name}): {len(site.places)} places "
        f"({counts['added']} new, {counts['updated']} changed), {len(site.doors)} doors, "
        f"{len(site.readers)} readers",
    )


@app.command("check")
def check(file: Path = typer.Argument(..., help="The site TOML file.")) -> None:
    """Validate FILE without touching the database; lists every problem found."""
    site = load_site(file)
    typer.echo(
        f"{file}: OK — site {site.id}, {len(site.places)} places, {len(site.doors)} doors, "
        f"{len(site.readers)} readers, {len(site.cameras)} cameras, {len(site.printers)} printers, "
        f"{len(site.desks)} reading desks"
    )
