"""``tracker demo``: play a scripted day in a simulated office and check its alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def demo(
    site: Annotated[Path, typer.Option(help="The site file to simulate.")] = Path(
        "examples/site.toml"
    ),
    workdir: Annotated[
        Path | None, typer.Option(help="Keep the demo's database and files here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Bring up a simulated office, play a scripted day, print the timeline and alerts.
    Exits 0 only when every expected alert was raised and no other."""
    from tracker.demo import EXPECTED, run_demo

    say = (lambda _s: None) if as_json else typer.echo
    result = run_demo(site, workdir, say)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": result.ok,
                    "timeline": result.timeline,
                    "alerts": result.alerts,
                    "expected": sorted([list(e) for e in EXPECTED], key=str),
                    "missing": [list(m) for m in result.missing],
                    "unexpected": [list(u) for u in result.unexpected],
                    "workdir": result.workdir,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        typer.echo("\n时间线 / timeline")
        for t in result.timeline:
            typer.echo(f"  {t['at'][11:19]}  {t['text']}")
        typer.echo("\n告警 / alerts")
        for a in result.alerts:
            typer.echo(
                f"  [{a['severity']}] {a['type']} {a['rule'] or ''} {a['subject']} "
                f"×{a['count']} ({a['state']}): {a['zh']}"
            )
        if result.ok:
            typer.echo("\nOK: every expected alert was raised, and no other.")
        for m in result.missing:
            typer.echo(f"MISSING: {m}", err=True)
        for u in result.unexpected:
            typer.echo(f"UNEXPECTED: {u}", err=True)
    if not result.ok:
        raise typer.Exit(1)
