"""Reuse the service-test fixtures (a loaded site and its people on both databases)."""

from tests.services.conftest import clock, snapshot, svc

__all__ = ["clock", "snapshot", "svc"]
