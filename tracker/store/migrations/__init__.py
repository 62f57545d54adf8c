"""Alembic migrations of the tracker database (run through :mod:`tracker.store.migrate`)."""
