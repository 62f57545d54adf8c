"""``tracker serve``: run the HTTP API with uvicorn (optionally with the whole office
simulated: ``--simulate``, see :mod:`tracker.simulate`), in one process or, on
PostgreSQL, in ``--workers N`` (each worker made by :mod:`api.asgi`). The scheduler and
notification delivery run in this process, once per host."""

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
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Worker processes on the one port (PostgreSQL only; SQLite serves one process).",
    ),
) -> None:
    """Serve the API. The database is ``TRACKER_DATABASE_URL`` (default: the SQLite file
    ``./data/tracker.db``), migrated on first start; ``/docs`` shows every endpoint.
    Several workers, or several hosts on one PostgreSQL database, share the live
    stream, logins, throttling and idempotency through the database."""
    from api import server
    from api.app import create_app
    from api.mqtt import start_if_configured
    from api.security import Argon2Hasher, load_secret
    from api.settings import ApiSettings
    from tracker.bootstrap import build
    from tracker.notify.delivery import DeliveryWorker
    from tracker.notify.senders import senders_for
    from tracker.scheduler import Scheduler

    if workers > 1:
        _check_workers(workers, simulate)
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
    api = create_app(built.services, settings) if workers == 1 else None
    # The time-driven rules, notification delivery and gateway batches over MQTT run
    # inside the service (this process, once per host).
    scheduler = Scheduler(built.services).start()
    delivery = DeliveryWorker(
        built.services, senders_for(built.services.site.notifications)
    ).start()
    mqtt = start_if_configured(
        built.services, settings, api.state.ctx.metrics if api is not None else None
    )
    if mqtt is not None:
        typer.echo(f"gateway batches over MQTT from {mqtt.broker}")
    typer.echo(f"API on http://{host}:{port}  (documentation: http://{host}:{port}/docs)")
    try:
        if api is None:
            load_secret(settings)  # made once here, not raced for by the workers
            typer.echo(f"{workers} workers")
            server.serve_workers(host, port, workers, log_level)
        else:
            server.serve(api, host, port, log_level)
    finally:
        if mqtt is not None:
            mqtt.stop()
        scheduler.stop()
        delivery.stop()
        if simulated is not None:
            simulated.stop()


def _check_workers(workers: int, simulate: bool) -> None:
    """Refuse several workers where they cannot share: on SQLite, or simulating."""
    from tracker.domain.errors import ConfigError
    from tracker.store.db import database_url, parse_url

    if parse_url(database_url()).get_backend_name() != "postgresql":
        raise ConfigError(
            f"--workers {workers}: the service runs as one process on SQLite; several "
            "workers (or hosts) need PostgreSQL (TRACKER_DATABASE_URL=postgresql+psycopg://"
            "user@host/db)",
            zh=f"--workers {workers}：使用 SQLite 时服务只能以单进程运行；"
            "多个工作进程（或多台主机）需要 PostgreSQL（TRACKER_DATABASE_URL=postgresql+psycopg://用户@主机/库）",
        )
    if simulate:
        raise ConfigError(
            f"--workers {workers}: --simulate runs the simulated office in one process; "
            "leave out --workers",
            zh=f"--workers {workers}：--simulate 的模拟办公室只在单进程中运行，请去掉 --workers",
        )
