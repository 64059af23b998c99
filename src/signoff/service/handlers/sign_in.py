"""Sign-in by emailed link: ask for one (the answer never says whether the address is known), use it once.

Only the SHA-256 of a token is stored. Using a link is one guarded UPDATE (unused, unexpired, this hash),
so two clicks racing on PostgreSQL or SQLite sign in once. Every request is recorded, known address or
not, so that the rate limits count the same whatever the address.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from signoff.domain.deadlines import format_day
from signoff.domain.errors import NotFound, SignoffError
from signoff.domain.local_time import LOCAL_TIME
from signoff.domain.notifications import Notice, NoticeEvent, Recipient
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.web_sessions import SessionPolicy, open_session
from signoff.service.notify import queue

RATE_WINDOW = timedelta(minutes=15)
# A path inside the app: one leading slash, never two (//host is another site), no backslash or scheme.
NextPath = Annotated[str, Field(pattern=r"^(/|/[A-Za-z0-9_.\-?=&%][A-Za-z0-9/_.\-?=&%]*)$", max_length=500)]


class TooManyRequests(SignoffError):
    """Too many sign-in links were asked for, for this address or from this client; try again later."""


class RequestSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    email: EmailStr
    client: str = Field(min_length=1, max_length=100)
    next_path: NextPath = "/tasks"


@dataclass(frozen=True)
class SignInPolicy:
    link_minutes: int
    per_address: int
    per_client: int


@dataclass(frozen=True)
class SignedIn:
    email: str
    next_path: str
    # The new session's id: for the cookie only, never a log line or a page.
    session_id: str = field(repr=False)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_sign_in_link(command: RequestSignIn, deps: Dependencies, policy: SignInPolicy) -> None:
    """Queue a sign-in email when the address is a known, active person; otherwise do nothing visible."""
    now = deps.clock.now()
    address = command.email.lower()
    with deps.new_unit_of_work() as uow:
        person = uow.directory.roster().find_email(address)
        if person is not None:
            # Counted, then recorded: twenty asked at once would each count none of the others, and flood
            # the inbox the limit protects. Held by the person, they take their turns.
            uow.directory.lock_people([person.id])
        store = uow.sign_in
        since = now - RATE_WINDOW
        if store.count_requests(since=since, client=command.client) >= policy.per_client:
            raise TooManyRequests("too many sign-in links were asked for from here; wait 15 minutes")
        if store.count_requests(since=since, address=address) >= policy.per_address:
            raise TooManyRequests("too many sign-in links were asked for this address; wait 15 minutes")
        store.record_request(address, command.client, now)
        if person is not None and person.active:
            token = secrets.token_urlsafe(32)
            hashed = token_hash(token)
            expires = now + timedelta(minutes=policy.link_minutes)
            store.add_link(hashed, person.id, command.next_path, now, expires)
            notice = Notice(
                event=NoticeEvent.SIGN_IN_LINK,
                recipient=Recipient(email=person.email, name=person.name, person_id=person.id),
                signoff_id=None,
                organisation=person.organisation,
                key=f"sign-in:{hashed[:40]}:{NoticeEvent.SIGN_IN_LINK.value}:{person.email}",
                context={
                    "sign_in_url": f"{deps.links.base_url}/sign-in/{token}",
                    "expires": _uk_time(expires),
                    "minutes": policy.link_minutes,
                    "recipient_name": person.name,
                    "why": "someone asked for a sign-in link for this address",
                    "audience": "requester",
                },
            )
            queue(uow, [notice], deps.renderer, now)
        uow.commit()


def sign_in_link_usable(token: str, deps: Dependencies) -> bool:
    """Whether the link would sign someone in: unused, unexpired, and its person still active (someone
    removed from the directory is told at once that the link is dead, not after pressing the button)."""
    with deps.new_unit_of_work() as uow:
        person_id = uow.sign_in.person_of_usable(token_hash(token), deps.clock.now())
        if person_id is None:
            return False
        try:
            return uow.directory.roster().by_id(person_id).active
        except KeyError:
            return False


def use_sign_in_link(token: str, deps: Dependencies, sessions: SessionPolicy) -> SignedIn:
    """The person the link signs in, once, with their new session (made in the same transaction that
    uses the link); NotFound for a link that is unknown, used or expired."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        used = uow.sign_in.consume(token_hash(token), now)
        if used is None:
            raise NotFound("this sign-in link has been used or has expired: ask for a new one")
        person_id, next_path = used
        person = uow.directory.roster().by_id(person_id)
        if not person.active:
            raise NotFound("this sign-in link has been used or has expired: ask for a new one")
        session_id = open_session(uow, person.id, now, sessions)
        uow.commit()
        return SignedIn(email=person.email, next_path=next_path, session_id=session_id)


def _uk_time(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TIME)
    return f"{format_day(local.date())} at {local:%H:%M}"
