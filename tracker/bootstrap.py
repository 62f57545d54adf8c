"""The one place that wires real or simulated parts together: database, ledger key,
site, clock and services. Every entry point (CLI, API server, gateway, demo) starts here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from drivers.reads import BadgeRead, TagRead
from tracker import protocols
from tracker.config import ReaderConfig, SiteConfig, load_site, stored_site
from tracker.domain.clock import Clock, SystemClock
from tracker.domain.errors import ConfigError
from tracker.protocols import ReaderHandle
from tracker.services.base import Services
from tracker.services.site import SITE_SETTING, apply_site
from tracker.store.db import database_url, make_engine, safe_url
from tracker.store.keys import ledger_key
from tracker.store.migrate import ensure_schema
from tracker.store.uow import SqlUnitOfWork

logger = logging.getLogger(__name__)


@dataclass
class App:
    """Everything an entry point needs: the engine, the service context and the site
    with its hardware (``services.site`` is the same site, read as the domain's)."""

    engine: Engine
    services: Services
    url: str
    site: SiteConfig


def open_store(url: str | None = None, *, migrate: bool = True) -> tuple[Engine, bytes, str]:
    """Connect to the database (migrating it on first start) and load the ledger key."""
    url = url or database_url()
    engine = make_engine(url)
    if migrate:
        revision = ensure_schema(engine)
        logger.info("database %s at revision %s", safe_url(url), revision)
    return engine, ledger_key(engine), url


def build(
    *,
    url: str | None = None,
    site_file: str | Path | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    load: bool = True,
) -> App:
    """Wire the services. With ``site_file`` the site comes from that file (and, when
    ``load`` is true, is loaded into the database); otherwise from the site last loaded."""
    engine, key, url = open_store(url, migrate=migrate)

    def write() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, key)

    def read() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, key, write=False)

    if site_file is not None:
        path = Path(site_file)
        site = load_site(path)
        services = Services(write, clock or SystemClock(), site, read_factory=read)
        if load:
            apply_site(services, "system", site, path.read_text(encoding="utf-8"))
    else:
        site = _stored_site(read)
        services = Services(write, clock or SystemClock(), site, read_factory=read)
    return App(engine, services, url, site)


def _stored_site(read: Callable[[], SqlUnitOfWork]) -> SiteConfig:
    with read() as uow:
        text = uow.settings.get(SITE_SETTING)
    if text is None:
        raise ConfigError(
            "no site is loaded yet: run `tracker site load FILE` first (see examples/site.toml)",
            zh="尚未加载站点：请先运行 `tracker site load 文件`（参见 examples/site.toml）",
        )
    return stored_site(text)


def open_reader(cfg: ReaderConfig, on_read: Callable[[TagRead | BadgeRead], None]) -> ReaderHandle:
    """The real driver for a reader of the site file, chosen by its protocol in the
    registry (:mod:`tracker.protocols`)."""
    return protocols.open_reader(cfg, on_read)
