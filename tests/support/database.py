"""Looking at the database itself, for tests that must show a refused action changed no row."""

from __future__ import annotations

from sqlalchemy import func, select

from signoff.adapters.orm import metadata
from signoff.bootstrap import Application


def row_counts(app: Application) -> dict[str, int]:
    with app.engine.connect() as connection:
        return {
            table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for table in metadata.sorted_tables
        }
