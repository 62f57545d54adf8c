"""Migrations: the migrated schema is the models' schema on both databases, upgrades are
idempotent, and the scripts ship inside the package."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from tracker.store import migrate
from tracker.store.schema import in_models, metadata
from tracker.store.tables import Base

ROOT = Path(__file__).resolve().parents[2]


def test_migrated_schema_equals_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": in_models})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_the_orm_classes_are_mapped_onto_the_schema_tables() -> None:
    """One definition of the tables: the ORM's metadata is the Core schema's, and every
    table of it has its mapped class (nothing defined twice, nothing left unmapped)."""
    assert Base.metadata is metadata
    mapped = {mapper.local_table for mapper in Base.registry.mappers}
    assert mapped == set(metadata.tables.values())


def test_every_table_exists_after_migration(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent_and_reports_the_revision(db_url: str) -> None:
    head = migrate.head_revision()
    assert migrate.current(db_url) == head
    assert migrate.upgrade(db_url) == head
    assert migrate.ensure_schema(db_url) == head


def test_ensure_schema_creates_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    assert migrate.current(url) is None
    assert migrate.ensure_schema(url) == migrate.head_revision()
    assert migrate.current(url) == migrate.head_revision()


def test_the_start_up_check_reads_the_same_head_as_alembic() -> None:
    """``ensure_schema`` compares the database with the scripts' head without importing
    Alembic when they agree; that head must be Alembic's own."""
    assert migrate.script_head() == migrate.head_revision()


def test_ensure_schema_upgrades_a_database_left_at_an_older_revision(db_url: str) -> None:
    assert migrate.downgrade(db_url, "0008") == "0008"
    assert migrate.ensure_schema(db_url) == migrate.head_revision()
    assert migrate.current(db_url) == migrate.head_revision()


def test_downgrade_then_upgrade(db_url: str) -> None:
    assert migrate.downgrade(db_url) is None
    assert migrate.upgrade(db_url) == migrate.head_revision()


def test_0018_makes_the_index_for_who_holds_what(db_url: str, engine: Engine) -> None:
    """The dashboard's "who holds what" reads carriers out by holder then serial from the
    (state, holder, serial) index; 0018 makes it and takes it away again."""

    def indexes() -> dict[str, list[str | None]]:
        return {i["name"] or "": i["column_names"] for i in inspect(engine).get_indexes("carriers")}

    name = "ix_carriers_state_holder_serial"
    assert indexes()[name] == ["state", "holder", "serial"]
    assert migrate.downgrade(db_url, "0011") == "0011"
    assert name not in indexes()
    assert migrate.upgrade(db_url) == migrate.head_revision()
    assert indexes()[name] == ["state", "holder", "serial"]


def test_migration_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["tracker"]
    base = ROOT / "tracker"
    files = [
        p for p in migrate.MIGRATIONS.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    assert files
    for path in files:
        rel = path.relative_to(base).as_posix()
        # .py files in a package directory (one with __init__.py) ship as modules.
        in_package = path.suffix == ".py" and (path.parent / "__init__.py").exists()
        assert in_package or any(fnmatch.fnmatch(rel, g) for g in globs), rel
