"""Sign-in by emailed link: asked for, used once; an unknown address learns nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from signoff.domain.errors import NotFound
from signoff.service.handlers.sign_in import (
    RequestSignIn,
    SignInPolicy,
    TooManyRequests,
    request_sign_in_link,
    sign_in_link_usable,
    use_sign_in_link,
)
from signoff.service.handlers.web_sessions import SessionPolicy, resume_session
from tests.handlers.test_send_due_notices import person, reload_with
from tests.people import OWEN
from tests.support.app import BASE_URL, InMemoryApp

LINKS = SignInPolicy(link_minutes=15, per_address=3, per_client=10)
SESSIONS = SessionPolicy(idle=timedelta(hours=1), lifetime=timedelta(hours=12))


def link_token(memory: InMemoryApp) -> str:
    [email] = [e for e in memory.store.state.outbox if e.event.value == "sign_in_link"]
    return str(email.context["sign_in_url"]).removeprefix(f"{BASE_URL}/sign-in/")


def test_a_link_signs_its_person_in_once(memory: InMemoryApp) -> None:
    request_sign_in_link(
        RequestSignIn(email=OWEN, client="127.0.0.1", next_path="/signoffs/1"), memory.deps, LINKS
    )
    assert memory.emails() == [("sign_in_link", OWEN)]
    token = link_token(memory)
    assert sign_in_link_usable(token, memory.deps)

    signed_in = use_sign_in_link(token, memory.deps, SESSIONS)
    assert (signed_in.email, signed_in.next_path) == (OWEN, "/signoffs/1")
    person = resume_session(signed_in.session_id, memory.deps, SESSIONS)
    assert person is not None
    assert person.email == OWEN
    memory.refused(lambda: use_sign_in_link(token, memory.deps, SESSIONS), NotFound, "used or has expired")


def test_an_unknown_address_gets_no_email_and_the_rate_limit_holds(memory: InMemoryApp) -> None:
    stranger = RequestSignIn(email="nobody@example.org", client="10.0.0.9")
    for _ in range(LINKS.per_address):
        request_sign_in_link(stranger, memory.deps, LINKS)
    assert memory.emails() == []
    memory.refused(
        lambda: request_sign_in_link(stranger, memory.deps, LINKS), TooManyRequests, "wait 15 minutes"
    )


def test_a_link_of_someone_removed_from_the_directory_is_dead_before_its_button(memory: InMemoryApp) -> None:
    request_sign_in_link(
        RequestSignIn(email=OWEN, client="127.0.0.1", next_path="/tasks"), memory.deps, LINKS
    )
    token = link_token(memory)

    def owen_leaves(data: dict[str, Any]) -> None:
        data["people"].remove(person(data, OWEN))

    reload_with(memory, owen_leaves)
    # The confirm page says the link is dead (410) rather than offering a button that then refuses.
    assert not sign_in_link_usable(token, memory.deps)
    memory.refused(lambda: use_sign_in_link(token, memory.deps, SESSIONS), NotFound, "used or has expired")
