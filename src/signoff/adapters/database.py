"""Engines for SQLite (the embedded default) and PostgreSQL, and the migrations that shape them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from signoff.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_database_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, say when a transaction begins (see _begin_immediate).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # Take the write lock up front: two writers then queue instead of failing half-way.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def alembic_config(url: str) -> Config:
    # Imported here: Alembic costs every process a sixth of a second to load, and only migrating needs it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def schema_problem(engine: Engine) -> str | None:
    """What is wrong with the database's schema for this code, in words that say what to run; None when it
    is at this code's revision. Older, the code would write to columns and indexes it does not have;
    newer, to a schema it does not know. Raises what connecting raises."""
    current, head = schema_revisions(engine)
    if current == head:
        return None
    if current is None:
        return "the database has no signoff tables: run `signoff db upgrade` first"
    return (
        f"the database is at revision {current} and this signoff's is {head}: run `signoff db upgrade` "
        "(or, if the database is newer, the signoff that migrated it)"
    )


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """The revision the database is at (None: never migrated), and the one this code's migrations reach."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory.from_config(
        alembic_config(engine.url.render_as_string(hide_password=False))
    ).get_current_head()
    assert head is not None  # noqa: S101 - the migrations folder ships with the code
    return current, head
