"""The JSON API: the pages' actions for programs. Same session cookie; an unsafe method also needs the
session's CSRF token in the X-CSRF-Token header (GET /api/session gives it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from signoff.domain.directory import Participant
from signoff.domain.inspection import Inspection, Key
from signoff.domain.model import MAX_SECTION_LENGTH, Outcome
from signoff.domain.text_fields import MultiLine, SingleLine
from signoff.entrypoints.web.auth import client_of, safe_next
from signoff.entrypoints.web.context import Id, signed_in, web
from signoff.entrypoints.web.security import CSRF_HEADER, check_csrf, csrf_token
from signoff.entrypoints.web.strict_json import StrictJsonRoute
from signoff.service.commands import (
    Decide,
    DelegateApprovals,
    EndDelegation,
    ExtendDueDate,
    Reassign,
    StartSignoff,
    SubmitRevision,
    WithdrawSignoff,
)
from signoff.service.handlers.admin_mail import FailedEmail, failed_emails, retry_failed_email
from signoff.service.handlers.administer import extend_due_date, reassign_request, withdraw_signoff
from signoff.service.handlers.decide import decide
from signoff.service.handlers.delegate import delegate_approvals, end_delegation
from signoff.service.handlers.remind_now import remind_now
from signoff.service.handlers.sign_in import RequestSignIn, request_sign_in_link
from signoff.service.handlers.start_signoff import start_signoffs
from signoff.service.handlers.submit_revision import submit_revision
from signoff.service.handlers.web_sessions import EndSessions, end_sessions
from signoff.service.queries.attention import (
    AttentionFilter,
    AttentionPage,
    Flag,
    OnTimeFigure,
    Sort,
    attention,
    on_time_figures,
)
from signoff.service.queries.directory_view import DirectoryView, directory_view
from signoff.service.queries.my_tasks import TaskItem, my_tasks
from signoff.service.queries.section_page import SectionPage, section_page
from signoff.service.queries.signoff_page import SignoffPage, signoff_page

router = APIRouter(prefix="/api", route_class=StrictJsonRoute)
Me = Annotated[Participant, Depends(signed_in)]
# Control characters are refused here as in every text field: a NUL in a path reached PostgreSQL as a 500.
SectionKey = Annotated[SingleLine, Field(min_length=1, max_length=64)]


async def with_csrf(request: Request, me: Me) -> None:  # noqa: ARG001 - signed in first: 401 before 403
    """Unsafe methods need the session's token in a header: another site's form cannot set one.

    Async because it only compares two strings: a plain function would be sent to the thread pool and back.
    """
    check_csrf(request, request.headers.get(CSRF_HEADER))


Csrf = Depends(with_csrf)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SessionInfo(BaseModel):
    email: str
    name: str
    organisation: str
    roles: list[str]
    csrf_token: str


class SignInLinkBody(_Body):
    email: EmailStr
    next: SingleLine = Field(default="/tasks", max_length=500)


class StartBody(_Body):
    inspection: Inspection
    respond_for: list[Key] | None = None


class Started(BaseModel):
    signoff_ids: list[int]
    # A late start, in words: stage dates compressed, or started after the statutory last day.
    warnings: list[str] = Field(default_factory=list)


class RevisionBody(_Body):
    body: MultiLine = Field(min_length=1, max_length=MAX_SECTION_LENGTH)
    note: SingleLine = Field(default="", max_length=2000)
    base_revision: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="The revision your text was written on (0: none yet): refused with 409 if the section "
        "was revised since, rather than replacing that text unseen.",
    )


class RevisionSaved(BaseModel):
    revision: int


class DecisionBody(_Body):
    outcome: Outcome
    comment: MultiLine = Field(default="", max_length=10_000)
    revision: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The revision read (the section's `revision`): refused with 409 if it is no longer the "
        "current one.",
    )


class DecisionSaved(BaseModel):
    section_state: str
    signoff_state: str
    on_behalf_of: str | None


class DelegationBody(_Body):
    to_person: EmailStr
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: SingleLine = Field(min_length=1, max_length=2000)
    from_person: EmailStr | None = Field(
        default=None, description="An administrator may delegate for someone."
    )


class Created(BaseModel):
    id: int


class ReassignBody(_Body):
    section: SectionKey
    from_person: EmailStr
    to_person: EmailStr


class ExtendBody(_Body):
    stage: SectionKey
    new_due_on: date
    allow_past_statutory: bool = False


class WithdrawBody(_Body):
    reason: SingleLine = Field(min_length=1, max_length=2000)


class RemindBody(_Body):
    holder: EmailStr


class Done(BaseModel):
    done: bool = True


@router.get("/session", response_model=SessionInfo)
def session(request: Request, me: Me) -> SessionInfo:
    return SessionInfo(
        email=me.email,
        name=me.name,
        organisation=me.organisation,
        roles=sorted(me.roles),
        csrf_token=csrf_token(request),
    )


@router.post("/sign-in-links", status_code=202, response_model=Done)
def ask_for_sign_in_link(request: Request, body: SignInLinkBody) -> Done:
    """Always 202 whether or not the address is known; 429 when asked too often."""
    context = web(request)
    request_sign_in_link(
        RequestSignIn(email=body.email, client=client_of(request), next_path=safe_next(body.next)),
        context.deps,
        context.sign_in,
    )
    return Done()


@router.get("/tasks", response_model=list[TaskItem])
def tasks(request: Request, me: Me) -> list[TaskItem]:
    context = web(request)
    return my_tasks(me.email, context.deps)


@router.post("/signoffs", status_code=201, response_model=Started, dependencies=[Csrf])
def start(request: Request, me: Me, body: StartBody) -> Started:
    started = start_signoffs(
        StartSignoff(inspection=body.inspection, started_by=me.email, respond_for=body.respond_for),
        web(request).deps,
    )
    return Started(signoff_ids=started.ids, warnings=started.warnings)


@router.get("/signoffs/{signoff_id}", response_model=SignoffPage)
def signoff(request: Request, signoff_id: Id, me: Me) -> SignoffPage:
    return signoff_page(signoff_id, me.email, web(request).deps)


@router.get("/signoffs/{signoff_id}/sections/{section_key}", response_model=SectionPage)
def section(request: Request, signoff_id: Id, section_key: SectionKey, me: Me) -> SectionPage:
    return section_page(signoff_id, section_key, me.email, web(request).deps)


@router.post(
    "/signoffs/{signoff_id}/sections/{section_key}/revisions",
    status_code=201,
    response_model=RevisionSaved,
    dependencies=[Csrf],
)
def draft(
    request: Request, signoff_id: Id, section_key: SectionKey, me: Me, body: RevisionBody
) -> RevisionSaved:
    number = submit_revision(
        SubmitRevision(
            signoff_id=signoff_id,
            section=section_key,
            author=me.email,
            body=body.body,
            note=body.note,
            base_revision=body.base_revision,
        ),
        web(request).deps,
    )
    return RevisionSaved(revision=number)


@router.post(
    "/signoffs/{signoff_id}/sections/{section_key}/decisions",
    status_code=201,
    response_model=DecisionSaved,
    dependencies=[Csrf],
)
def decision(
    request: Request, signoff_id: Id, section_key: SectionKey, me: Me, body: DecisionBody
) -> DecisionSaved:
    result = decide(
        Decide(
            signoff_id=signoff_id,
            section=section_key,
            actor=me.email,
            outcome=body.outcome,
            comment=body.comment,
            revision=body.revision,
        ),
        web(request).deps,
    )
    return DecisionSaved(
        section_state=result.section_state.value,
        signoff_state=result.signoff_state.value,
        on_behalf_of=result.on_behalf_of,
    )


@router.post("/delegations", status_code=201, response_model=Created, dependencies=[Csrf])
def delegate(request: Request, me: Me, body: DelegationBody) -> Created:
    delegation_id = delegate_approvals(
        DelegateApprovals(
            from_person=body.from_person or me.email,
            to_person=body.to_person,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            by=me.email,
        ),
        web(request).deps,
    )
    return Created(id=delegation_id)


@router.post("/delegations/{delegation_id}/end", response_model=Done, dependencies=[Csrf])
def end_a_delegation(request: Request, delegation_id: Id, me: Me) -> Done:
    end_delegation(EndDelegation(delegation_id=delegation_id, by=me.email), web(request).deps)
    return Done()


@router.post("/signoffs/{signoff_id}/reassign", response_model=Done, dependencies=[Csrf])
def reassign(request: Request, signoff_id: Id, me: Me, body: ReassignBody) -> Done:
    reassign_request(
        Reassign(
            signoff_id=signoff_id,
            section=body.section,
            from_person=body.from_person,
            to_person=body.to_person,
            admin=me.email,
        ),
        web(request).deps,
    )
    return Done()


@router.post("/signoffs/{signoff_id}/extend", response_model=Done, dependencies=[Csrf])
def extend(request: Request, signoff_id: Id, me: Me, body: ExtendBody) -> Done:
    extend_due_date(
        ExtendDueDate(
            signoff_id=signoff_id,
            stage=body.stage,
            new_due_on=body.new_due_on,
            admin=me.email,
            allow_past_statutory=body.allow_past_statutory,
        ),
        web(request).deps,
    )
    return Done()


@router.post("/signoffs/{signoff_id}/withdraw", response_model=Done, dependencies=[Csrf])
def withdraw(request: Request, signoff_id: Id, me: Me, body: WithdrawBody) -> Done:
    withdraw_signoff(
        WithdrawSignoff(signoff_id=signoff_id, reason=body.reason, admin=me.email), web(request).deps
    )
    return Done()


@router.post(
    "/signoffs/{signoff_id}/sections/{section_key}/reminders", response_model=Done, dependencies=[Csrf]
)
def remind(request: Request, signoff_id: Id, section_key: SectionKey, me: Me, body: RemindBody) -> Done:
    remind_now(signoff_id, section_key, body.holder, me.email, web(request).deps)
    return Done()


@router.get("/admin/attention", response_model=AttentionPage)
def stalled(
    request: Request,
    me: Me,
    organisation: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    flag: Flag | None = None,
    sort: Sort = "due",
    descending: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AttentionPage:
    context = web(request)
    # A filter that is not a key (a NUL byte, say) raises ValidationError: the app answers 422 naming it.
    filters = AttentionFilter(
        organisation=organisation,
        stage=stage,
        flag=flag,
        sort=sort,
        descending=descending,
        page=page,
        per_page=per_page,
    )
    return attention(me.email, filters, context.deps)


@router.get("/admin/figures", response_model=list[OnTimeFigure])
def figures(request: Request, me: Me) -> list[OnTimeFigure]:
    """The on-time figures of the administrator's own office, per stage (the page /admin/figures draws)."""
    return on_time_figures(me.email, web(request).deps)


@router.get("/admin/people", response_model=DirectoryView)
def people(request: Request, me: Me) -> DirectoryView:
    """The people of the administrator's office and of its force, and the delegations among them."""
    context = web(request)
    roles = dict(context.application.load_directory_config().roles)
    return directory_view(me.email, context.deps, roles)


@router.get("/admin/emails/failed", response_model=list[FailedEmail])
def failed(request: Request, me: Me, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> list[FailedEmail]:
    return failed_emails(me.email, web(request).deps, limit=100, offset=(page - 1) * 100)


@router.post("/admin/emails/{email_id}/retry", response_model=Done, dependencies=[Csrf])
def retry(request: Request, email_id: Id, me: Me, response: Response) -> Done:
    retry_failed_email(email_id, me.email, web(request).deps)
    response.status_code = 200
    return Done()


class EndSessionsBody(_Body):
    person: EmailStr


class SessionsEnded(BaseModel):
    ended: int


@router.post("/admin/end-sessions", response_model=SessionsEnded, dependencies=[Csrf])
def end_person_sessions(request: Request, me: Me, body: EndSessionsBody) -> SessionsEnded:
    """Sign a person of the caller's office (or of its force) out everywhere; 403 for anyone else's."""
    ended = end_sessions(EndSessions(person=body.person, admin=me.email), web(request).deps)
    return SessionsEnded(ended=ended)
