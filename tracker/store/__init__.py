"""Persistence: the ports of :mod:`tracker.services.ports` on SQLAlchemy 2.

Wiring (what a bootstrap does)::

    from tracker.store.db import database_url, make_engine
    from tracker.store.keys import ledger_key
    from tracker.store.migrate import ensure_schema
    from tracker.store.uow import SqlUnitOfWork

    engine = make_engine(database_url())      # TRACKER_DATABASE_URL or ./data/tracker.db
    ensure_schema(engine)                     # migrate on first start
    key = ledger_key(engine)                  # TRACKER_LEDGER_KEY / ./data/ledger.key
    uow_factory = lambda: SqlUnitOfWork(engine, key)               # one use case
    read_factory = lambda: SqlUnitOfWork(engine, key, write=False)  # reads, a snapshot

Modules: ``db`` (engine, URL, SQLite set-up), ``tables`` and ``types`` (mappings),
``repositories`` and ``uow`` (unit of work), ``ledger`` (the R14 register), ``counters``
(serials, EPCs, settings, ingest log), ``keys`` (the ledger key), ``migrate`` and
``migrations/`` (Alembic), ``errors`` (database errors as project errors).
"""
