"""Alembic environment: the URL comes from signoff's settings (or the caller's Config), never a file."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import event

from signoff.adapters.database import create_database_engine
from signoff.adapters.orm import metadata
from signoff.settings import load_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _foreign_keys_off(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def run_migrations_online() -> None:
    engine = create_database_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copying it and dropping the old one, and SQLite's DROP TABLE first
        # deletes the rows: with foreign keys enforced that cascades, so rebuilding approval_requests took
        # every decision with it. Alembic's advice for batch mode: foreign keys off while migrating (this
        # listener runs after the engine's own, which turns them on), then check what was migrated.
        event.listen(engine, "connect", _foreign_keys_off)
    # Disposed whatever happens: a migration refused (a downgrade the data cannot take) must not leave its
    # connection to be closed by the garbage collector, with a warning, in whatever runs next.
    try:
        with engine.connect() as connection:
            # Batch mode lets later migrations alter tables on SQLite, which has little ALTER TABLE.
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        # Raised inside the transaction: the migration is rolled back, nothing changes.
                        raise RuntimeError(
                            f"the migration would leave rows whose references are broken: {broken[:5]}"
                        )
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
