"""The app of each worker process of ``tracker serve --workers N``: uvicorn's supervisor
spawns the workers, and each calls :func:`create` (``api.asgi:create``, a factory).

The parent process has already migrated the database, loaded the site and made the
token-signing key, and it runs the scheduler, notification delivery and the MQTT
consumer — once per host, not once per worker — so a worker only serves HTTP. What the
workers share lives in PostgreSQL: sessions, login throttling, idempotency, the live
stream (:mod:`tracker.store.stream`).
"""

from __future__ import annotations

import logging
import os

from fastapi import FastAPI

from api import server
from api.app import create_app
from api.settings import ApiSettings
from tracker.bootstrap import build


def create() -> FastAPI:
    """One worker's app, on the database and site the parent prepared."""
    os.umask(0o077)
    logging.basicConfig(
        level=os.environ.get("TRACKER_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server.quiet_access_log()
    built = build(migrate=False)
    return create_app(built.services, ApiSettings())
