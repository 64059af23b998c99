"""Emails are queued with the change that causes them and rendered just after it commits, outside its
transaction: a decision never holds its locks while templates render, and nothing is lost either way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signoff.adapters.orm import outbox
from signoff.bootstrap import Application, bootstrap
from signoff.service.clock import FixedClock
from signoff.service.handlers.render_queued import render_queued
from signoff.settings import PROJECT_ROOT
from tests.people import OWEN
from tests.support.story import draft, start_reference

# What commits, and when, is the subject.
# Every test here runs on PostgreSQL as well as SQLite (tests/conftest.py).
pytestmark = pytest.mark.both_databases


def rows(app: Application) -> dict[str, int]:
    with app.engine.connect() as connection:
        found = connection.execute(
            select(outbox.c.state, outbox.c.message.is_(None), func.count()).group_by(
                outbox.c.state, outbox.c.message.is_(None)
            )
        ).all()
    return {f"{state}{' unrendered' if unrendered else ''}": count for state, unrendered, count in found}


def test_a_change_queues_its_emails_and_they_are_rendered_after_it_commits(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    queued = rows(app)
    assert queued == {"queued unrendered": 2}, queued
    with app.deps.new_unit_of_work() as uow:
        assert uow.outbox.any_due(app.deps.clock.now())  # the relay wakes for them
        # Nothing unrendered can be claimed for sending.
        assert (
            uow.outbox.claim("test", app.deps.clock.now(), app.deps.load_notification_rules().delivery, 10)
            == []
        )

    assert render_queued(app.deps) == 2
    assert rows(app) == {"queued": 2}
    assert render_queued(app.deps) == 0
    with app.engine.connect() as connection:
        messages = connection.execute(select(outbox.c.message)).scalars().all()
    assert all(b"X-Signoff-Event:" in m and b"Message-ID: <" in m for m in messages)


def test_a_template_problem_found_after_commit_fails_that_email_alone(
    app: Application, clock: FixedClock, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    broken = templates / "emails" / "approval_requested.txt"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("{% endblock %}", "{{ no_such_thing }}\n{% endblock %}", 1), encoding="utf-8"
    )
    settings = app.settings.model_copy(update={"templates_dir": templates})
    broken_app = bootstrap(settings, clock=clock)
    try:
        signoff_id = start_reference(broken_app)
        draft(broken_app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
        assert render_queued(broken_app.deps) == 1  # the drafting notice renders
        with broken_app.engine.connect() as connection:
            failed = connection.execute(
                select(outbox.c.event, outbox.c.last_error).where(outbox.c.state == "failed")
            ).all()
        [(event, error)] = failed
        assert event == "approval_requested"
        assert "approval_requested.txt" in error
        assert "no_such_thing" in error
        assert rows(broken_app) == {"queued": 1, "failed unrendered": 1}
    finally:
        broken_app.engine.dispose()
