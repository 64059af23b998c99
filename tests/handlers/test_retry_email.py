"""A failed email goes back in the queue, rendered again if it never rendered."""

from __future__ import annotations

from datetime import timedelta

from signoff.domain.errors import InvalidInput, InvalidTransition
from signoff.domain.notifications import NoticeEvent
from signoff.service.commands import Reassign, WithdrawSignoff
from signoff.service.handlers.admin_mail import failed_emails
from signoff.service.handlers.administer import reassign_request, withdraw_signoff
from signoff.service.handlers.render_queued import render_queued
from signoff.service.handlers.retry_email import retry_email
from signoff.service.handlers.sign_in import RequestSignIn, SignInPolicy, request_sign_in_link
from tests.people import CLAIRE, DANIEL, HANNAH, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp
from tests.support.story import approve, draft, start_reference


def test_an_email_whose_template_failed_is_rendered_and_queued_again(memory: InMemoryApp) -> None:
    start_reference(memory)
    memory.renderer.broken.add(NoticeEvent.DRAFTING_ASSIGNED)
    render_queued(memory.deps)
    [email] = memory.store.state.outbox
    assert email.state.value == "failed"
    assert email.id is not None

    memory.renderer.broken.clear()
    retry_email(email.id, memory.deps)
    [email] = memory.store.state.outbox
    assert (email.state.value, email.attempts, email.message is not None) == ("queued", 0, True)


def test_an_email_that_has_not_failed_cannot_be_retried(memory: InMemoryApp) -> None:
    start_reference(memory)
    render_queued(memory.deps)
    [email] = memory.store.state.outbox
    assert email.id is not None
    email_id = email.id
    memory.refused(lambda: retry_email(email_id, memory.deps), InvalidTransition)


def test_a_failed_request_for_work_is_not_sent_again_once_the_sign_off_is_withdrawn(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    memory.renderer.broken.update({NoticeEvent.DRAFTING_ASSIGNED, NoticeEvent.WITHDRAWN})
    render_queued(memory.deps)
    withdraw_signoff(WithdrawSignoff(signoff_id=signoff_id, reason="Not ours", admin=HANNAH), memory.deps)
    render_queued(memory.deps)
    memory.renderer.broken.clear()
    failed = {e.event: e.id for e in memory.store.state.outbox if e.state.value == "failed"}
    asked_to_draft, told_of_withdrawal = failed[NoticeEvent.DRAFTING_ASSIGNED], failed[NoticeEvent.WITHDRAWN]
    assert asked_to_draft is not None
    assert told_of_withdrawal is not None

    # The administrators' list says so in place of Retry, as Retry would refuse it.
    listed = {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}
    assert f"sign-off #{signoff_id} is withdrawn" in (listed[asked_to_draft] or "")
    assert listed[told_of_withdrawal] is None
    memory.refused(
        lambda: retry_email(asked_to_draft, memory.deps), InvalidInput, f"sign-off #{signoff_id} is withdrawn"
    )
    retry_email(told_of_withdrawal, memory.deps)  # the news of the withdrawal itself still goes
    [requeued] = [e for e in memory.store.state.outbox if e.id == told_of_withdrawal]
    assert requeued.state.value == "queued"


def test_a_failed_request_to_approve_is_not_sent_again_once_the_approval_is_someone_elses(
    memory: InMemoryApp,
) -> None:
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    memory.renderer.broken.add(NoticeEvent.APPROVAL_REQUESTED)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    render_queued(memory.deps)
    memory.renderer.broken.clear()
    [to_daniel] = [
        e.id
        for e in memory.store.state.outbox
        if e.state.value == "failed" and e.recipient_email == DANIEL and e.id is not None
    ]
    assert {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}[to_daniel] is None

    change = Reassign(
        signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=CLAIRE, admin=HANNAH
    )
    reassign_request(change, memory.deps)
    listed = {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}
    assert "no longer holds section 'finding-afi-1'" in (listed[to_daniel] or "")
    memory.refused(lambda: retry_email(to_daniel, memory.deps), InvalidInput, f"{DANIEL} no longer holds")


def test_a_failed_email_taking_work_away_is_sent_again_though_its_recipient_no_longer_holds_it(
    memory: InMemoryApp,
) -> None:
    # "No longer yours to approve" goes precisely to someone who no longer holds the section: it cancels the
    # calendar entry their request gave them, and must still reach them.
    signoff_id = start_reference(memory)
    draft(memory, signoff_id, "report-summary", OWEN, "Summary.")
    approve(memory, signoff_id, "report-summary", RACHEL)
    draft(memory, signoff_id, "finding-afi-1", PRIYA, "Training.")
    memory.renderer.broken.add(NoticeEvent.APPROVAL_REASSIGNED)
    change = Reassign(
        signoff_id=signoff_id, section="finding-afi-1", from_person=DANIEL, to_person=CLAIRE, admin=HANNAH
    )
    reassign_request(change, memory.deps)
    render_queued(memory.deps)
    memory.renderer.broken.clear()
    [taken_away] = [
        e.id
        for e in memory.store.state.outbox
        if e.state.value == "failed" and e.event == NoticeEvent.APPROVAL_REASSIGNED and e.id is not None
    ]
    assert {e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}[taken_away] is None
    retry_email(taken_away, memory.deps)
    [requeued] = [e for e in memory.store.state.outbox if e.id == taken_away]
    assert (requeued.recipient_email, requeued.state.value) == (DANIEL, "queued")


def test_a_failed_sign_in_link_is_sent_again_only_while_it_still_works(memory: InMemoryApp) -> None:
    memory.renderer.broken.add(NoticeEvent.SIGN_IN_LINK)
    policy = SignInPolicy(link_minutes=15, per_address=3, per_client=10)
    request_sign_in_link(
        RequestSignIn(email=OWEN, client="127.0.0.1", next_path="/tasks"), memory.deps, policy
    )
    render_queued(memory.deps)
    memory.renderer.broken.clear()
    [link] = [e.id for e in memory.store.state.outbox if e.state.value == "failed" and e.id is not None]
    memory.clock.advance(timedelta(minutes=16))  # the link has expired: it would open on "expired"
    assert "has expired" in ({e.id: e.not_sent_again for e in failed_emails(HANNAH, memory.deps)}[link] or "")
    memory.refused(lambda: retry_email(link, memory.deps), InvalidInput, "has expired: ask for a new one")
