"""Alembic environment: the URL comes from signoff's settings (or the caller's Config), never a file."""

from __future__ import annotations

from alembic import context

from signoff.adapters.database import create_database_engine
from signoff.adapters.orm import metadata
from signoff.settings import load_settings

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_database_engine(url)
    with engine.connect() as connection:
        # Batch mode lets later migrations alter tables on SQLite, which has little ALTER TABLE.
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
