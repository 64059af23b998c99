"""The reference sign-off as the tests play it: start it, draft, decide; the reference story of
signoff.entrypoints.reference_story played through the handlers (drive_reference) or turned into `signoff`
commands (cli_arguments, for tests/e2e/test_cli.py and tests/resilience/test_serve_restart.py).

Each handler step takes anything with the handlers' `deps` (the application on a database, or the
in-memory one of tests/support/app.py), so the same story runs on SQLite, PostgreSQL and the fakes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from signoff.adapters.config_files import load_model
from signoff.domain.directory import DirectoryConfig, PersonConfig
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.entrypoints import reference_story
from signoff.entrypoints.reference_story import (
    PUBLICATION_MORNING,
    REFERENCE_INSPECTION,
    SCENES,
    Approve,
    Delegate,
    Draft,
    RequestChanges,
    Scene,
    Step,
    play,
)
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals, StartSignoff, SubmitRevision
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.decide import DecisionRecorded, decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.load_directory import load_directory
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL, SARAH

__all__ = ["PUBLICATION_MORNING", "SCENES"]

REFERENCE = REFERENCE_INSPECTION
PEEL = PROJECT_ROOT / "examples" / "peel-2025-example.yaml"
SCENE_NAMES = frozenset(scene.name for scene in SCENES)


class HasDeps(Protocol):
    @property
    def deps(self) -> Dependencies: ...


# Someone the shipped directory does not hold, added (or moved, or removed) by `load_with_zoe`.
ZOE = "zoe.example@cheshire-pcc.example.org"


def load_with_zoe(app: HasDeps, organisation: str | None, roles: list[str]) -> None:
    """The shipped directory with Zoe in `organisation` with `roles` (a second policy officer of the office,
    say: its sections then have two drafters); None: Zoe left, so the reload deactivates her."""
    config = load_model(PROJECT_ROOT / "config" / "directory.yaml", DirectoryConfig)
    people = [p for p in config.people if p.email != ZOE]
    if organisation is not None:
        people.append(
            PersonConfig(
                email=ZOE, name="Zoe Example", title="Officer", organisation=organisation, roles=roles
            )
        )
    load_directory(config.model_copy(update={"people": people}), app.deps.load_pipeline(), app.deps)


def reference_inspection() -> Inspection:
    return reference_story.reference_inspection()


def start_reference(app: HasDeps) -> int:
    return reference_story.start(app.deps)


def start_peel(app: HasDeps, clock: FixedClock) -> int:
    """The fictional PEEL example, started on its publication day, with the summary approved."""
    clock.set(datetime(2025, 3, 14, 10, 0, tzinfo=UTC))
    inspection = load_model(PEEL, Inspection)
    [signoff_id] = start_signoff(StartSignoff(inspection=inspection, started_by=OWEN), app.deps)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    return signoff_id


def draft(app: HasDeps, signoff_id: int, section: str, author: str, body: str) -> int:
    return submit_revision(
        SubmitRevision(signoff_id=signoff_id, section=section, author=author, body=body), app.deps
    )


def approve(app: HasDeps, signoff_id: int, section: str, actor: str) -> DecisionRecorded:
    return decide(
        Decide(signoff_id=signoff_id, section=section, actor=actor, outcome=Outcome.APPROVE), app.deps
    )


def delegate(
    app: HasDeps,
    from_person: str,
    to_person: str,
    *,
    days: int = 14,
    reason: str = "annual leave",
    starts_at: datetime | None = None,
) -> int:
    """`from_person` lets `to_person` decide for them from now (or `starts_at`, leave arranged ahead), for
    `days` days; the delegation's id."""
    starts = starts_at or app.deps.clock.now()
    return delegate_approvals(
        DelegateApprovals(
            from_person=from_person,
            to_person=to_person,
            starts_at=starts,
            ends_at=starts + timedelta(days=days),
            reason=reason,
            by=from_person,
        ),
        app.deps,
    )


def request_changes(
    app: HasDeps, signoff_id: int, section: str, actor: str, comment: str
) -> DecisionRecorded:
    return decide(
        Decide(
            signoff_id=signoff_id,
            section=section,
            actor=actor,
            outcome=Outcome.REQUEST_CHANGES,
            comment=comment,
        ),
        app.deps,
    )


# The reference story played to 'ready to publish' (drive_reference here; through the CLI in
# tests/e2e/test_cli.py and tests/resilience/test_serve_restart.py): who should hear of what, once each.
EXPECTED = Counter(
    {
        ("drafting_assigned", OWEN): 2,  # report summary, commissioner's response
        ("approval_requested", RACHEL): 2,  # revisions 1 and 2
        ("changes_requested", OWEN): 1,
        ("section_approved", OWEN): 2,
        ("stage_completed", HANNAH): 3,
        ("drafting_assigned", PRIYA): 1,  # both constabulary sections in one email
        ("approval_requested", DANIEL): 1,
        ("section_approved", PRIYA): 3,  # AFI-1 twice, the constabulary response once
        ("approval_requested", ANDREW): 2,  # released after AFI-1's approvals
        ("approval_invalidated", DANIEL): 1,  # asks him again, with the diff
        ("approval_on_hold", ANDREW): 1,  # AFI-1 edited: his request waits for it again
        ("delegation_started", ANDREW): 1,
        ("delegation_started", SARAH): 1,
        ("approval_requested", JOHN): 1,
        ("ready_to_publish", HANNAH): 1,
    }
)


def drive_reference(app: HasDeps, clock: FixedClock) -> int:
    """The reference story to 'ready to publish', from the clock's time: one round of changes, one edit
    after approval that asks the lead again, one delegation; the emails it queues are EXPECTED."""
    start = clock.now()
    signoff_id = start_reference(app)
    for scene in SCENES:
        clock.set(start + scene.after)
        for step in scene.steps:
            play(step, signoff_id, app.deps)
    return signoff_id


def moment(scene: Scene, start: datetime = PUBLICATION_MORNING) -> str:
    """When the scene happens, as SIGNOFF_FROZEN_TIME takes it."""
    return (start + scene.after).astimezone(UTC).isoformat()


def cli_arguments(
    step: Step, signoff_id: str, text_file: Callable[[str, str], str], at: datetime = PUBLICATION_MORNING
) -> list[str]:
    """The `signoff` command that takes the step; a draft's text goes in a file made by `text_file`
    (name, text), and a delegation runs from `at` for its days."""
    match step:
        case Draft(section=section, author=author, text=text):
            return ["draft", signoff_id, section, "--as", author, "--file", text_file(section, text)]
        case Approve(section=section, actor=actor):
            return ["decide", signoff_id, section, "--as", actor, "--approve"]
        case RequestChanges(section=section, actor=actor, comment=comment):
            return ["decide", signoff_id, section, "--as", actor, "--request-changes", "--comment", comment]
        case Delegate(from_person=from_person, to_person=to_person, days=days, reason=reason):
            until = (at + timedelta(days=days)).astimezone(UTC).isoformat(timespec="minutes")
            return [
                "delegate",
                "--from",
                from_person,
                "--to",
                to_person,
                "--until",
                until,
                "--reason",
                reason,
                "--as",
                from_person,
            ]
