"""Upgrading and downgrading keep every decision and audit event: a migration that rebuilds a table on
SQLite must not take its rows' children with it (SQLite's DROP TABLE deletes the rows first, and with
foreign keys enforced that cascades)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, select

from signoff.adapters.database import alembic_config
from signoff.adapters.orm import approval_requests, audit_events, decisions, stages
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.queries.audit_verify import verify_audit
from tests.support.story import drive_reference

# What a migration does to stored rows is the subject: both databases.
pytestmark = pytest.mark.both_databases


def counts(app: Application) -> dict[str, int]:
    with app.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (stages, approval_requests, decisions, audit_events)
        }


@pytest.mark.parametrize("back_to", ["0006", "0001"])
def test_a_downgrade_and_upgrade_keep_every_decision_and_audit_event(
    app: Application, clock: FixedClock, database_url: str, back_to: str
) -> None:
    signoff_id = drive_reference(app, clock)
    before = counts(app)
    assert before["decisions"] > 0
    config = alembic_config(database_url)
    command.downgrade(config, back_to)
    command.upgrade(config, "head")
    assert counts(app) == before
    assert verify_audit(signoff_id, app.deps).intact
