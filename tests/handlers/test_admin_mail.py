"""Failed emails, for the office's administrators: listed, and put back in the queue."""

from __future__ import annotations

from signoff.domain.errors import InvalidInput, NotFound, NotPermitted
from signoff.service.handlers.admin_mail import failed_emails, retry_failed_email
from signoff.service.handlers.deliver_mail import deliver_mail
from signoff.service.handlers.retry_email import retry_email
from tests.people import HANNAH, OWEN, PRIYA, RACHEL
from tests.support.app import InMemoryApp, Outcome, RecordingMailer
from tests.support.story import delegate, start_reference

CUMBRIA_ADMIN = "fiona.dixon@cumbria-pcc.example.org"
OWEN_LEFT_CHESHIRE = f"{OWEN} is no longer of Office of the Police and Crime Commissioner for Cheshire"


def operators_retry_refused(memory: InMemoryApp, email_id: int) -> None:
    """`signoff mail retry` refuses the email, saying Owen is no longer of Cheshire's office and that it is
    not sent again, and changes nothing."""
    memory.refused(
        lambda: retry_email(email_id, memory.deps),
        InvalidInput,
        OWEN_LEFT_CHESHIRE,
        f"email #{email_id} is not sent again",
    )


def failed_to_owen(memory: InMemoryApp) -> int:
    start_reference(memory)
    mailer = RecordingMailer()
    mailer.refuse[OWEN] = Outcome(sent=False, permanent=True, error="550 no such mailbox")
    assert deliver_mail(memory.deps, mailer, "signoff@example.org").failed == 1
    [failed] = failed_emails(HANNAH, memory.deps)
    return failed.id


def test_the_administrator_sees_the_failure_and_puts_it_back(memory: InMemoryApp) -> None:
    email_id = failed_to_owen(memory)
    [failed] = failed_emails(HANNAH, memory.deps)
    assert failed.recipient == f"Owen Prescott <{OWEN}>"
    assert failed.last_error == "550 no such mailbox"
    retry_failed_email(email_id, HANNAH, memory.deps)
    assert failed_emails(HANNAH, memory.deps) == []
    assert memory.store.state.outbox[0].state.value == "queued"


def test_another_office_neither_sees_nor_retries_it(memory: InMemoryApp) -> None:
    email_id = failed_to_owen(memory)
    assert failed_emails(CUMBRIA_ADMIN, memory.deps) == []
    theirs = memory.refused(lambda: retry_failed_email(email_id, CUMBRIA_ADMIN, memory.deps), NotFound)
    memory.refused(lambda: failed_emails(PRIYA, memory.deps), NotPermitted)
    # Another office's email is answered as one that does not exist: its existence tells nothing.
    unknown = memory.refused(lambda: retry_failed_email(99_999, CUMBRIA_ADMIN, memory.deps), NotFound)
    assert theirs.message.replace(str(email_id), "N") == unknown.message.replace("99999", "N")


def failed_delegation_notice_to_owen(memory: InMemoryApp) -> int:
    """Rachel lets Owen decide for her; the notice to Owen is refused by his mail server for good."""
    start_reference(memory)
    delegate(memory, RACHEL, OWEN, reason="medical leave")
    mailer = RecordingMailer()
    mailer.refuse[OWEN] = Outcome(sent=False, permanent=True, error="550 no such mailbox")
    deliver_mail(memory.deps, mailer, "signoff@example.org")
    [failed] = [f for f in failed_emails(HANNAH, memory.deps) if f.event == "delegation_started"]
    return failed.id


def test_a_delegation_notice_stays_the_offices_after_its_recipient_moves_and_is_not_sent_again(
    memory: InMemoryApp,
) -> None:
    """The notice is Cheshire's business (Rachel's leave): when Owen moves to Cumbria, Cheshire's
    administrator still sees it, Cumbria's neither sees nor retries it, and it is not sent to Owen again."""
    email_id = failed_delegation_notice_to_owen(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])

    assert email_id in [f.id for f in failed_emails(HANNAH, memory.deps)]
    assert failed_emails(CUMBRIA_ADMIN, memory.deps) == []
    memory.refused(lambda: retry_failed_email(email_id, CUMBRIA_ADMIN, memory.deps), NotFound)
    memory.refused(
        lambda: retry_failed_email(email_id, HANNAH, memory.deps),
        InvalidInput,
        f"{OWEN} is no longer of",
        "is not sent again",
    )


def test_the_operators_retry_does_not_send_a_sign_offs_work_to_someone_who_has_left(
    memory: InMemoryApp,
) -> None:
    """`signoff mail retry` (no office of its own) applies the administrators' rule: Owen's failed email
    about Cheshire's sign-off is not sent to him once he is of Cumbria's office, nor once he has left."""
    email_id = failed_to_owen(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    operators_retry_refused(memory, email_id)
    memory.move(OWEN, None)
    operators_retry_refused(memory, email_id)


def test_the_operators_retry_keeps_a_delegation_notice_the_offices_after_its_recipient_moves(
    memory: InMemoryApp,
) -> None:
    email_id = failed_delegation_notice_to_owen(memory)
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    operators_retry_refused(memory, email_id)


def test_the_operators_retry_sends_again_to_someone_who_moved_within_the_office_and_its_force(
    memory: InMemoryApp,
) -> None:
    email_id = failed_to_owen(memory)
    memory.move(OWEN, "cheshire-constabulary", ["force_liaison"])
    retry_email(email_id, memory.deps)
    assert [e.state.value for e in memory.store.state.outbox if e.id == email_id] == ["queued"]


def test_the_list_says_which_failed_emails_are_not_sent_again_and_why(memory: InMemoryApp) -> None:
    email_id = failed_to_owen(memory)
    [failed] = failed_emails(HANNAH, memory.deps)
    assert failed.not_sent_again is None
    memory.move(OWEN, "cumbria-pcc", ["policy_officer"])
    [failed] = failed_emails(HANNAH, memory.deps)
    assert failed.id == email_id
    assert failed.not_sent_again is not None
    assert failed.not_sent_again.startswith(
        f"{OWEN} is no longer of Office of the Police and Crime Commissioner"
    )
