"""Suite-wide fixtures and the rule for external services.

With ``CI=true`` a test that needs PostgreSQL (or another local service) must run, and
fails when the service is unreachable; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) the calling test when ``name`` at host:port is down."""
    if service_reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true requires it)")
    pytest.skip(f"{message}; start it to run this test")


# --- database fixtures: db_url, engine, ledger_key, uow_factory (see tests/db.py) ---
from tests.db import (  # noqa: E402
    _pg_databases,
    _sqlite_template,
    db_url,
    engine,
    ledger_key,
    uow_factory,
)

__all__ = [
    "_pg_databases",
    "_sqlite_template",
    "db_url",
    "engine",
    "ledger_key",
    "uow_factory",
]
