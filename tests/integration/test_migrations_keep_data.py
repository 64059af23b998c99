"""Upgrading and downgrading keep every decision and audit event: a migration that rebuilds a table on
SQLite must not take its rows' children with it (SQLite's DROP TABLE deletes the rows first, and with
foreign keys enforced that cascades)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import func, select, update

from signoff.adapters.database import alembic_config
from signoff.adapters.orm import (
    approval_requests,
    audit_events,
    decisions,
    delegations,
    outbox,
    people,
    signoffs,
    stages,
)
from signoff.bootstrap import Application
from signoff.service.clock import FixedClock
from signoff.service.handlers.send_due_notices import send_due_notices
from signoff.service.queries.audit_verify import verify_audit
from tests.people import HANNAH, OWEN, RACHEL
from tests.support.story import approve, draft, drive_reference, start_reference

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


def test_a_response_ready_before_publication_was_chased_is_chased_after_the_upgrade(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    signoff_id = drive_reference(app, clock)
    # As the older code left it: swept once while ready to publish, its watermark cleared.
    with app.engine.begin() as connection:
        connection.execute(update(signoffs).values(notices_due_from=None))
    config = alembic_config(database_url)
    command.downgrade(config, "0010")
    command.upgrade(config, "head")
    with app.engine.connect() as connection:
        publication = connection.execute(
            select(stages.c.remind_at, stages.c.due_at).where(
                stages.c.signoff_id == signoff_id, stages.c.kind == "publication"
            )
        ).one()
        watermark = connection.execute(select(signoffs.c.notices_due_from)).scalar_one()
    assert watermark == publication.remind_at
    clock.set(publication.due_at + timedelta(days=1))
    send_due_notices(app.deps)
    with app.engine.connect() as connection:
        told = connection.execute(
            select(outbox.c.recipient_email).where(outbox.c.event == "publication_due")
        ).scalars()
        assert HANNAH in set(told)


def test_delegations_made_before_they_recorded_their_organisation_get_the_delegators(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    drive_reference(app, clock)  # the chief constable's approvals delegated to the deputy
    config = alembic_config(database_url)
    command.downgrade(config, "0011")
    command.upgrade(config, "head")
    with app.engine.connect() as connection:
        recorded = connection.execute(select(delegations.c.organisation)).scalars().all()
    assert recorded == ["cheshire-constabulary"]


def test_places_are_stored_and_sections_planned_before_they_were_still_load(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    """A section records whose each place is, and reads it back; one planned before revision 0013 records
    none (its places fall back on their holders' organisations) and loads as before."""
    signoff_id = start_reference(app)
    with app.deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        _, summary = uow.signoffs.get(signoff_id).section("report-summary")
        owen = roster.find_email(OWEN)
        assert owen is not None
        assert summary.place_of(owen.id) == "cheshire-pcc"
    config = alembic_config(database_url)
    command.downgrade(config, "0012")
    command.upgrade(config, "head")
    with app.deps.new_unit_of_work() as uow:
        _, summary = uow.signoffs.get(signoff_id).section("report-summary")
        assert summary.place_organisations is None
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)


def test_emails_of_no_signoff_queued_before_they_recorded_their_organisation_get_their_recipients(
    app: Application, clock: FixedClock, database_url: str
) -> None:
    """The delegation's notices are the delegation's organisation's (recorded since 0012), even where their
    recipient has since moved to another force."""
    drive_reference(app, clock)  # the delegation's notices are of no sign-off
    config = alembic_config(database_url)
    command.downgrade(config, "0013")
    with app.engine.begin() as connection:
        recipients = (
            connection.execute(select(outbox.c.recipient_email).where(outbox.c.signoff_id.is_(None)))
            .scalars()
            .all()
        )
        assert recipients
        connection.execute(
            update(people)
            .where(people.c.email.in_(recipients))
            .values(organisation_key="cumbria-constabulary")
        )
    command.upgrade(config, "head")
    with app.engine.connect() as connection:
        recorded = connection.execute(
            select(outbox.c.idempotency_key, outbox.c.organisation).where(outbox.c.signoff_id.is_(None))
        ).all()
    assert {organisation for _, organisation in recorded} == {"cheshire-constabulary"}, recorded
