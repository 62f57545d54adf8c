"""``tracker serve``: run the HTTP API with uvicorn (optionally with the whole office
simulated: ``--simulate``, see :mod:`tracker.simulate`)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run the HTTP API.", no_args_is_help=False)


@app.callback(invoke_without_command=True)
def serve(
    site: Path | None = typer.Option(
        None, "--site", help="Site file to load first (default: the site loaded last)."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    simulate: bool = typer.Option(
        False,
        "--simulate",
        help="Simulate every reader, camera and printer of the site (demo; prints logins).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the API. The database is ``TRACKER_DATABASE_URL`` (default: the SQLite file
    ``./data/tracker.db``), migrated on first start; ``/docs`` shows every endpoint."""
    from api import server
    from api.app import create_app
    from api.security import Argon2Hasher
    from api.settings import ApiSettings
    from tracker.bootstrap import build
    from tracker.notify.delivery import DeliveryWorker
    from tracker.notify.senders import senders_for
    from tracker.scheduler import Scheduler

    built = build(site_file=site, load=site is not None)
    settings = ApiSettings()
    simulated = None
    if simulate:
        from tracker import simulate as simulation

        workdir = Path.cwd() / "data"
        workdir.mkdir(parents=True, exist_ok=True)
        hasher = Argon2Hasher.from_settings(settings)
        simulated = simulation.start(built.services, built.site, workdir, hasher)
        typer.echo("demo logins (new passwords every start; shown only here):")
        for user, password in simulated.credentials.items():
            typer.echo(f"  {user:<8} {password}")
        typer.echo(f"drive the simulated people with `tracker sim …` ({workdir / 'sim.sock'})")
        if simulated.samples:
            first = simulated.samples[1] if len(simulated.samples) > 1 else simulated.samples[0]
            typer.echo(f"sample carriers in their safes: {', '.join(simulated.samples)}; try")
            typer.echo(f"  tracker sim take {first} --safe safe-s1")
            typer.echo(
                f"  tracker sim carry {first} --door door-secure --direction out --person alice"
            )
    api = create_app(built.services, settings)
    # The time-driven rules and notification delivery run inside the service.
    scheduler = Scheduler(built.services).start()
    delivery = DeliveryWorker(
        built.services, senders_for(built.services.site.notifications)
    ).start()
    typer.echo(f"API on http://{host}:{port}  (documentation: http://{host}:{port}/docs)")
    try:
        server.serve(api, host, port, log_level)
    finally:
        scheduler.stop()
        delivery.stop()
        if simulated is not None:
            simulated.stop()
