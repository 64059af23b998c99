"""Bad input gets one clear message naming the problem, and changes nothing in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from signoff.adapters.config_files import load_model
from signoff.bootstrap import Application
from signoff.domain.errors import (
    AlreadyDecided,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NotPermitted,
    SignoffError,
)
from signoff.domain.inspection import Inspection
from signoff.domain.model import Outcome
from signoff.service.commands import Decide, DelegateApprovals, ExtendDueDate, Reassign, StartSignoff
from signoff.service.handlers.administer import extend_due_date, reassign_request
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.start_signoff import start_signoff
from tests.people import CLAIRE, DANIEL, HANNAH, JOHN, OWEN, PRIYA, RACHEL
from tests.support.database import row_counts
from tests.support.story import REFERENCE, approve, draft, start_reference


def refused(
    app: Application, action: Callable[[], object], error: type[SignoffError], *words: str
) -> SignoffError:
    before = row_counts(app)
    with pytest.raises(error) as caught:
        action()
    assert row_counts(app) == before, "a refused action changed the database"
    for word in words:
        assert word in caught.value.message, caught.value.message
    return caught.value


def reference(**changes: object) -> Inspection:
    return load_model(REFERENCE, Inspection).model_copy(update=changes)


def test_a_report_published_in_the_future_is_refused(app: Application) -> None:
    tomorrow = reference(published=datetime(2023, 11, 11, tzinfo=UTC).date())
    refused(
        app,
        lambda: start_signoff(StartSignoff(inspection=tomorrow, started_by=OWEN), app.deps),
        InvalidInput,
        "published",
        "future",
    )


def test_an_unknown_person_cannot_start_a_signoff(app: Application) -> None:
    refused(
        app,
        lambda: start_signoff(
            StartSignoff(inspection=reference(), started_by="nobody@example.org"), app.deps
        ),
        NotFound,
        "nobody@example.org",
    )


def test_a_force_officer_cannot_start_a_signoff(app: Application) -> None:
    refused(
        app,
        lambda: start_signoff(StartSignoff(inspection=reference(), started_by=PRIYA), app.deps),
        NotPermitted,
        PRIYA,
    )


# One transaction for every office's sign-off: all of them or none.
@pytest.mark.both_databases
def test_an_unknown_office_starts_nothing_not_even_for_the_known_ones(app: Application) -> None:
    command = StartSignoff(
        inspection=reference(), started_by=OWEN, respond_for=["cheshire-pcc", "atlantis-pcc"]
    )
    refused(app, lambda: start_signoff(command, app.deps), InvalidInput, "atlantis-pcc")


# What is already stored decides it.
@pytest.mark.both_databases
def test_the_same_report_cannot_be_started_twice_for_one_office(app: Application) -> None:
    first = start_reference(app)
    refused(
        app,
        lambda: start_signoff(StartSignoff(inspection=reference(), started_by=OWEN), app.deps),
        InvalidInput,
        "cheshire-pcc",
        f"#{first}",
    )


def test_a_regional_report_starts_one_independent_signoff_per_office(app: Application) -> None:
    command = StartSignoff(
        inspection=reference(), started_by=OWEN, respond_for=["cheshire-pcc", "cumbria-pcc"]
    )
    cheshire, cumbria = start_signoff(command, app.deps)
    draft(app, cheshire, "report-summary", OWEN, "Cheshire's summary.")
    with pytest.raises(NotPermitted):
        draft(app, cumbria, "report-summary", OWEN, "Not Owen's office.")


def test_decisions_that_are_not_allowed(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")

    def decide_as(actor: str, outcome: Outcome = Outcome.APPROVE, comment: str = "") -> object:
        return decide(
            Decide(
                signoff_id=signoff_id, section="report-summary", actor=actor, outcome=outcome, comment=comment
            ),
            app.deps,
        )

    refused(app, lambda: decide_as(JOHN), NotPermitted, "not an approver")
    refused(app, lambda: decide_as(RACHEL, Outcome.REQUEST_CHANGES, "   "), InvalidInput, "comment")
    refused(app, lambda: decide_as("no.one@example.org"), NotFound, "no.one@example.org")

    # The drafter, given the approver's delegation, still cannot approve their own text.
    delegate_approvals(
        DelegateApprovals(
            from_person=RACHEL,
            to_person=OWEN,
            starts_at=app.deps.clock.now(),
            ends_at=app.deps.clock.now() + timedelta(days=7),
            reason="leave",
            by=RACHEL,
        ),
        app.deps,
    )
    refused(app, lambda: decide_as(OWEN), NotPermitted, "own text")

    decide_as(RACHEL)
    refused(app, lambda: decide_as(RACHEL), AlreadyDecided, "already")


def test_a_section_of_a_stage_not_yet_open_cannot_be_drafted(app: Application) -> None:
    signoff_id = start_reference(app)
    refused(
        app,
        lambda: draft(app, signoff_id, "finding-afi-1", PRIYA, "Too early."),
        InvalidTransition,
        "constabulary_response",
        "pending",
    )


def test_unknown_signoff_and_section(app: Application) -> None:
    signoff_id = start_reference(app)
    refused(app, lambda: draft(app, 999, "report-summary", OWEN, "x"), NotFound, "#999")
    refused(app, lambda: draft(app, signoff_id, "no-such-section", OWEN, "x"), NotFound, "no-such-section")


def test_only_an_administrator_of_the_office_may_reassign_or_extend(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    reassign = Reassign(
        signoff_id=signoff_id, section="report-summary", from_person=RACHEL, to_person=JOHN, admin=OWEN
    )
    refused(app, lambda: reassign_request(reassign, app.deps), NotPermitted, "not an administrator")
    reassign_request(reassign.model_copy(update={"admin": HANNAH}), app.deps)
    approve(app, signoff_id, "report-summary", JOHN)

    late = ExtendDueDate(
        signoff_id=signoff_id,
        stage="constabulary_response",
        new_due_on=datetime(2024, 1, 5, tzinfo=UTC).date(),
        admin=HANNAH,
    )
    refused(app, lambda: extend_due_date(late, app.deps), InvalidInput, "statutory")
    early = late.model_copy(update={"new_due_on": datetime(2023, 12, 1, tzinfo=UTC).date()})
    refused(app, lambda: extend_due_date(early, app.deps), InvalidInput, "not later")


def test_a_lead_cannot_approve_a_finding_that_is_not_theirs(app: Application) -> None:
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "Summary.")
    approve(app, signoff_id, "report-summary", RACHEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "Response.")
    # AFI-1 names Daniel Holt as its lead; Claire Bannister, also a strategic lead, is not its approver.
    refused(app, lambda: approve(app, signoff_id, "finding-afi-1", CLAIRE), NotPermitted, "not an approver")
    approve(app, signoff_id, "finding-afi-1", DANIEL)
