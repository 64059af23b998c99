"""The reference sign-off as the tests play it through the service layer: start it, draft, decide.

Each step takes anything with the handlers' `deps` (the application on a database, or the in-memory one
of tests/support/app.py), so the same story runs on SQLite, PostgreSQL and the fakes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from signoff.adapters.config_files import load_model
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.clock import FixedClock
from signoff.service.commands import Decide, DelegateApprovals, StartSignoff, SubmitRevision
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.decide import DecisionRecorded, decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.start_signoff import start_signoff
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT
from tests.people import ANDREW, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL, SARAH

REFERENCE = PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml"
PEEL = PROJECT_ROOT / "examples" / "peel-2025-example.yaml"
# The reference report was published on Friday 10 November 2023; tests start that morning.
PUBLICATION_MORNING = datetime(2023, 11, 10, 9, 30, tzinfo=ZoneInfo("Europe/London"))


class HasDeps(Protocol):
    @property
    def deps(self) -> Dependencies: ...


def reference_inspection() -> Inspection:
    return load_model(REFERENCE, Inspection)


def start_reference(app: HasDeps) -> int:
    [signoff_id] = start_signoff(StartSignoff(inspection=reference_inspection(), started_by=OWEN), app.deps)
    return signoff_id


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


# The reference sign-off driven to 'ready to publish' (drive_reference here, and the same steps through
# the CLI in tests/e2e/test_cli.py and tests/resilience/test_serve_restart.py): who should hear of what,
# once each.
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
    """The reference sign-off to 'ready to publish': one round of changes, one edit after approval that
    asks the lead again, one delegation; the emails it queues are EXPECTED."""
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "NWROCU inspected.")
    request_changes(app, signoff_id, "report-summary", RACHEL, "Add the grade.")
    draft(app, signoff_id, "report-summary", OWEN, "NWROCU: outstanding.")
    approve(app, signoff_id, "report-summary", RACHEL)
    clock.advance(timedelta(days=10))
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training rolled out.")
    draft(app, signoff_id, "constabulary-response", PRIYA, '"We act."')
    approve(app, signoff_id, "finding-afi-1", DANIEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Training rolled out.\nNew 4P platform.")
    approve(app, signoff_id, "finding-afi-1", DANIEL)
    delegate_approvals(
        DelegateApprovals(
            from_person=ANDREW,
            to_person=SARAH,
            starts_at=clock.now(),
            ends_at=clock.now() + timedelta(days=3),
            reason="leave",
            by=ANDREW,
        ),
        app.deps,
    )
    approve(app, signoff_id, "constabulary-response", SARAH)
    clock.advance(timedelta(days=10))
    draft(app, signoff_id, "commissioner-response", OWEN, "A strong record.")
    approve(app, signoff_id, "commissioner-response", JOHN)
    return signoff_id
