"""A sign-off and its sections, as the CLI, the web pages and the JSON API show them; the list of sign-offs;
a published file.

The CLI shows the whole record and names people with their address (`roster.describe`). The pages and
the API name people by name and show a person what they take part in, with what they may do there. Either
way one function, `section_view`, reads a section; the pages' shorter lines are cut from its view.

Who sees what: the PCC office that responds sees the whole sign-off; the force sees the sections its
people draft or approve (not the office's own drafting); anyone else sees what they personally draft,
approve or decide by delegation. Acting is checked again by the domain when they act.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from signoff.domain.access import Action, allowed, signoff_target, stands_in_for
from signoff.domain.approval import ApprovalStep, describe_quorum
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import NotFound, NotPermitted
from signoff.domain.model import Section, SignOff, Stage, approvers_of
from signoff.domain.textdiff import unified_diff
from signoff.domain.transitions import RequestState, SectionState, SignoffState, StageState
from signoff.service.dependencies import Dependencies
from signoff.service.queries.audit_words import audit_details, audit_what
from signoff.service.queries.public_responses import FILE_LABELS, MANIFEST

# How a view names a person, from their id.
Naming = Callable[[int], str]

DRAFTABLE = (
    SectionState.DRAFTING,
    SectionState.CHANGES_REQUESTED,
    SectionState.IN_APPROVAL,
    SectionState.APPROVED,
)


# ----- the views -----


class RequestView(BaseModel):
    approver: str
    step: int
    state: str
    due_at: datetime
    decided_by: str | None = None
    on_behalf_of: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class SectionView(BaseModel):
    key: str
    title: str
    state: str
    finding_ref: str | None
    revision: int | None
    drafters: list[str]
    approval_plan: list[str]
    holders: list[str]
    requests: list[RequestView]


class StageView(BaseModel):
    key: str
    title: str
    state: str
    due_on: date
    sections: list[SectionView]


class SignoffSummary(BaseModel):
    id: int
    title: str
    pcc: str
    state: str
    published: date
    statutory_last_day: date
    publish_by: date
    current_stage: str | None


class PublicationView(BaseModel):
    version: int
    published_at: datetime
    published_on: date
    published_by: str
    folder: str
    manifest_sha256: str
    on_time: bool
    days_late: int
    note: str


class SignoffDetail(SignoffSummary):
    """The whole record, as the CLI prints it."""

    force: str
    deadline_warning: str | None
    withdrawn_reason: str | None
    stages: list[StageView]
    publications: list[PublicationView] = []


class RevisionView(BaseModel):
    number: int
    author: str
    created_at: datetime
    content_hash: str
    note: str


class SectionDetail(BaseModel):
    """One section in depth, as the CLI prints it."""

    signoff_id: int
    section: SectionView
    finding_text: str | None
    body: str | None
    revisions: list[RevisionView]
    changes_since_approved: dict[str, list[str]]


class SectionLine(BaseModel):
    """A section as a line of the sign-off page."""

    key: str
    title: str
    state: str
    holders: list[str]
    revision: int | None
    visible: bool

    @classmethod
    def of(cls, view: SectionView, *, visible: bool) -> SectionLine:
        return cls(
            key=view.key,
            title=view.title,
            state=view.state,
            holders=view.holders,
            revision=view.revision,
            visible=visible,
        )


class StageLine(BaseModel):
    key: str
    title: str
    state: str
    due_on: date
    due_at: datetime
    opened_at: datetime | None
    completed_at: datetime | None
    sections: list[SectionLine]


class AuditLine(BaseModel):
    seq: int
    at: datetime
    actor: str
    on_behalf_of: str | None
    action: str
    subject: str
    # What happened, in words, naming the stage or section by its title ("Stage opened: Report summary").
    what: str = ""
    details: str


class PublishedFile(BaseModel):
    name: str
    # What the file is, in words ("The response (PDF)").
    label: str = ""


class PublicationLine(BaseModel):
    version: int
    published_at: datetime
    on_time: bool
    days_late: int
    files: list[PublishedFile]


class SignoffPage(BaseModel):
    """A sign-off as one person may see it (the page and GET /api/signoffs/{id})."""

    id: int
    title: str
    office: str
    pcc_org: str
    force: str
    state: str
    published: date
    started_at: datetime
    statutory_last_day: date
    publish_by: date
    deadline_warning: str | None
    withdrawn_reason: str | None
    whole: bool
    is_admin: bool
    stages: list[StageLine]
    audit: list[AuditLine]
    publications: list[PublicationLine]
    # Whether the access table lets this person publish (or correct) the office's response.
    can_publish: bool = False


class RevisionLine(BaseModel):
    number: int
    author: str
    created_at: datetime
    note: str
    body: str
    changes: list[str]


class DecisionLine(BaseModel):
    round: int
    revision: int | None
    approver: str
    decided_by: str
    on_behalf_of: str | None
    outcome: str
    comment: str
    decided_at: datetime


class RequestLine(BaseModel):
    approver: str
    step: int
    state: str
    due_at: datetime

    @classmethod
    def of(cls, view: RequestView) -> RequestLine:
        return cls(approver=view.approver, step=view.step, state=view.state, due_at=view.due_at)


class SectionPage(BaseModel):
    """One section as one person may see it, with what they may do there."""

    signoff_id: int
    signoff_title: str
    signoff_state: str
    office: str
    statutory_last_day: date
    publish_by: date
    stage_title: str
    stage_state: str
    stage_due_on: date
    key: str
    title: str
    state: str
    finding_ref: str | None
    finding_text: str | None
    finding_explanation: str | None
    body: str | None
    revision: int | None
    drafters: list[str]
    holders: list[str]
    requests: list[RequestLine]
    revisions: list[RevisionLine]
    decisions: list[DecisionLine]
    can_draft: bool
    can_decide: bool
    deciding_for: str | None
    changes_for_me: list[str]
    my_open_requests: bool


class ServedFile(BaseModel):
    path: Path
    media_type: str | None


# ----- the whole record (the CLI) -----


def list_signoffs(
    deps: Dependencies, state: str | None = None, limit: int = 200, offset: int = 0
) -> list[SignoffSummary]:
    with deps.new_unit_of_work() as uow:
        return [
            _summary(s)
            for s in uow.signoffs.page(states=[state] if state else None, limit=limit, offset=offset)
        ]


def signoff_detail(signoff_id: int, deps: Dependencies) -> SignoffDetail:
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        return SignoffDetail(
            **_summary(signoff).model_dump(),
            force=signoff.force_org,
            deadline_warning=signoff.deadline_warning,
            withdrawn_reason=signoff.withdrawn_reason,
            stages=[
                StageView(
                    key=stage.key,
                    title=stage.title,
                    state=stage.state.value,
                    due_on=stage.due_on,
                    sections=[
                        section_view(section, roster, roster.describe) for section in stage.ordered_sections()
                    ],
                )
                for stage in signoff.ordered_stages()
            ],
            publications=[
                PublicationView(
                    version=p.version,
                    published_at=p.published_at,
                    published_on=p.published_on,
                    published_by=roster.describe(p.published_by_id),
                    folder=p.folder,
                    manifest_sha256=p.manifest_sha256,
                    on_time=p.on_time,
                    days_late=p.days_late,
                    note=p.note,
                )
                for p in signoff.publications
            ],
        )


def section_detail(signoff_id: int, section_key: str, deps: Dependencies) -> SectionDetail:
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        _stage, section = signoff.section(section_key)
        current = section.current_revision
        finding_text = None
        if section.finding_ref:
            finding_text = signoff.inspection.finding(section.finding_ref).text
        changes = {
            roster.describe(request.approver_id): section.diff_since(request.previously_approved_hash)
            for request in section.current_requests()
            if request.previously_approved_hash and section.diff_since(request.previously_approved_hash)
        }
        return SectionDetail(
            signoff_id=signoff_id,
            section=section_view(section, roster, roster.describe),
            finding_text=finding_text,
            body=current.body if current else None,
            revisions=[
                RevisionView(
                    number=r.number,
                    author=roster.describe(r.author_id),
                    created_at=r.created_at,
                    content_hash=r.content_hash,
                    note=r.note,
                )
                for r in section.revisions
            ],
            changes_since_approved=changes,
        )


# ----- what one person may see (the pages and the API) -----


def section_people(section: Section) -> set[int]:
    return set(section.drafter_ids) | approvers_of(section)


def visible_section_keys(
    person: Participant, signoff: SignOff, roster: Roster, delegators: set[int]
) -> set[str]:
    visible: set[str] = set()
    for stage in signoff.stages:
        for section in stage.sections:
            involved = section_people(section)
            target = signoff_target(
                signoff,
                named=involved,
                force_takes_part=any(roster.by_id(p).organisation == signoff.force_org for p in involved),
            )
            if allowed(person, Action.READ_SECTION, target, roster, acting_for=delegators):
                visible.add(section.key)
    return visible


def signoff_page(signoff_id: int, email: str, deps: Dependencies) -> SignoffPage:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
        signoff = uow.signoffs.get(signoff_id)
        delegators = stands_in_for(person, uow.delegations.for_delegate(person.id), roster, now)
        visible = visible_section_keys(person, signoff, roster, delegators)
        whole = allowed(person, Action.READ_SIGNOFF, signoff_target(signoff), roster)
        if not visible and not whole:
            raise NotPermitted(f"{person.email} takes no part in sign-off #{signoff_id}")
        events = uow.signoffs.audit_events(signoff_id)
        stage_keys = {s.key for s in signoff.stages}
        titles = {
            **{s.key: s.title for s in signoff.stages},
            **{c.key: c.title for s in signoff.stages for c in s.sections},
        }
        name = _names(roster)
        assert signoff.id is not None  # noqa: S101 - read from the database
        return SignoffPage(
            id=signoff.id,
            title=signoff.title,
            office=roster.organisation_name(signoff.pcc_org),
            pcc_org=signoff.pcc_org,
            force=roster.organisation_name(signoff.force_org),
            state=signoff.state.value,
            published=signoff.published_on,
            started_at=signoff.started_at,
            statutory_last_day=signoff.statutory_last_day,
            publish_by=signoff.publish_by,
            deadline_warning=signoff.deadline_warning,
            withdrawn_reason=signoff.withdrawn_reason,
            whole=whole,
            is_admin=allowed(person, Action.REASSIGN, signoff_target(signoff), roster),
            can_publish=allowed(person, Action.PUBLISH, signoff_target(signoff), roster),
            stages=[
                _stage_line(
                    stage,
                    [
                        SectionLine.of(section_view(section, roster, name), visible=section.key in visible)
                        for section in stage.ordered_sections()
                        if whole or section.key in visible
                    ],
                )
                for stage in signoff.ordered_stages()
            ],
            audit=[
                AuditLine(
                    seq=event.seq,
                    at=event.at,
                    actor=name(event.actor_id) if event.actor_id else "signoff",
                    on_behalf_of=name(event.on_behalf_of_id) if event.on_behalf_of_id else None,
                    action=event.action.replace("_", " "),
                    subject=event.subject,
                    what=audit_what(event.action, event.subject, event.details, titles),
                    details=audit_details(event.action, event.details, titles, roster, name),
                )
                for event in events
                if whole or event.subject in visible or event.subject in stage_keys
            ],
            publications=[
                PublicationLine(
                    version=p.version,
                    published_at=p.published_at,
                    on_time=p.on_time,
                    days_late=p.days_late,
                    files=_published_files(deps.publications.listed_files(Path(p.folder))),
                )
                for p in signoff.publications
            ],
        )


def section_page(signoff_id: int, section_key: str, email: str, deps: Dependencies) -> SectionPage:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
        signoff = uow.signoffs.get(signoff_id)
        stage, section = signoff.section(section_key)
        delegators = stands_in_for(person, uow.delegations.for_delegate(person.id), roster, now)
        if section.key not in visible_section_keys(person, signoff, roster, delegators):
            raise NotPermitted(
                f"{person.email} may not see section {section.key!r} of sign-off #{signoff_id}"
            )
        name = _names(roster)
        view = section_view(section, roster, name)
        finding = signoff.inspection.finding(section.finding_ref) if section.finding_ref else None
        current = section.current_revision
        active = signoff.state is SignoffState.ACTIVE and stage.state is StageState.OPEN
        pending = [r for r in section.current_requests() if r.state is RequestState.PENDING]
        mine = next((r for r in pending if r.approver_id == person.id), None)
        behalf = next((r for r in pending if r.approver_id in delegators), None) if mine is None else None
        deciding = mine or behalf
        revisions = sorted(section.revisions, key=lambda r: r.number)
        by_hash = {r.content_hash: r.number for r in revisions}
        # What changed since this person last decided (approved, or asked for changes) on the text.
        decided = [
            r
            for r in section.requests
            if r.decision is not None and person.id in (r.approver_id, r.decision.decided_by_id)
        ]
        last_decided = max(decided, key=lambda r: r.round).revision_hash if decided else None
        return SectionPage(
            signoff_id=signoff_id,
            signoff_title=signoff.title,
            signoff_state=signoff.state.value,
            office=roster.organisation_name(signoff.pcc_org),
            statutory_last_day=signoff.statutory_last_day,
            publish_by=signoff.publish_by,
            stage_title=stage.title,
            stage_state=stage.state.value,
            stage_due_on=stage.due_on,
            key=view.key,
            title=view.title,
            state=view.state,
            finding_ref=view.finding_ref,
            finding_text=finding.text if finding else None,
            finding_explanation=finding.explanation if finding and finding.explanation else None,
            body=current.body if current else None,
            revision=view.revision,
            drafters=view.drafters,
            holders=view.holders,
            requests=[RequestLine.of(r) for r in view.requests],
            revisions=[
                RevisionLine(
                    number=r.number,
                    author=name(r.author_id),
                    created_at=r.created_at,
                    note=r.note,
                    body=r.body,
                    changes=unified_diff(
                        revisions[i - 1].body,
                        r.body,
                        f"revision {revisions[i - 1].number}",
                        f"revision {r.number}",
                    )
                    if i > 0
                    else [],
                )
                for i, r in enumerate(revisions)
            ],
            decisions=[
                DecisionLine(
                    round=r.round,
                    revision=by_hash.get(r.decision.revision_hash),
                    approver=name(r.approver_id),
                    decided_by=name(r.decision.decided_by_id),
                    on_behalf_of=name(r.decision.on_behalf_of_id) if r.decision.on_behalf_of_id else None,
                    outcome=r.decision.outcome.value,
                    comment=r.decision.comment,
                    decided_at=r.decision.decided_at,
                )
                for r in sorted(section.requests, key=lambda r: (r.round, r.id or 0))
                if r.decision is not None
            ],
            can_draft=active and person.id in section.drafter_ids and section.state in DRAFTABLE,
            can_decide=active and deciding is not None,
            deciding_for=name(behalf.approver_id) if behalf is not None else None,
            changes_for_me=section.diff_since(last_decided) if deciding is not None else [],
            my_open_requests=any(r.approver_id == person.id and r.is_open for r in section.requests),
        )


def published_file(signoff_id: int, version: int, name: str, email: str, deps: Dependencies) -> ServedFile:
    """One published file, for a person of the sign-off's organisations, as the manifest recorded it;
    NotFound for a file it does not list, or one whose bytes no longer match its SHA-256."""
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        if not allowed(person, Action.READ_PUBLISHED_FILES, signoff_target(signoff), roster):
            raise NotPermitted(f"{person.email} is not of {signoff.pcc_org} or {signoff.force_org}")
        publication = next((p for p in signoff.publications if p.version == version), None)
        if publication is None:
            raise NotFound(f"sign-off #{signoff_id} has no published version {version}")
        folder = Path(publication.folder)
        manifest_sha256 = publication.manifest_sha256
    found = (
        deps.publications.manifest_file(folder, manifest_sha256)
        if name == MANIFEST
        else deps.publications.listed_file(folder, name)
    )
    if found is None:
        raise NotFound(f"version {version} has no file {name!r}")
    if not found.intact:
        raise NotFound(f"{name} no longer matches what was published; ask the office")
    return ServedFile(path=found.path, media_type=found.media_type)


# ----- the builders -----


def section_view(section: Section, roster: Roster, name: Naming) -> SectionView:
    """A section as every reader shows it: its state, who drafts it, its approval plan, who holds it
    and its current round's requests, each person named by `name`."""
    current = section.current_revision
    requests = []
    for request in section.current_requests():
        decision = request.decision
        requests.append(
            RequestView(
                approver=name(request.approver_id),
                step=request.step + 1,
                state=request.state.value,
                due_at=request.due_at,
                decided_by=name(decision.decided_by_id) if decision else None,
                on_behalf_of=name(decision.on_behalf_of_id)
                if decision and decision.on_behalf_of_id
                else None,
                decided_at=decision.decided_at if decision else None,
                comment=decision.comment if decision and decision.comment else None,
            )
        )
    return SectionView(
        key=section.key,
        title=section.title,
        state=section.state.value,
        finding_ref=section.finding_ref,
        revision=current.number if current else None,
        drafters=[name(p) for p in section.drafter_ids],
        approval_plan=[
            _step_text(step, roster, section.approve_after_others) for step in section.approval_steps
        ],
        holders=[name(p) for p in section.holder_ids()],
        requests=requests,
    )


def _names(roster: Roster) -> Naming:
    """People by name alone, as the pages show them."""

    def name(person_id: int) -> str:
        return roster.by_id(person_id).name

    return name


def _stage_line(stage: Stage, sections: list[SectionLine]) -> StageLine:
    return StageLine(
        key=stage.key,
        title=stage.title,
        state=stage.state.value,
        due_on=stage.due_on,
        due_at=stage.due_at,
        opened_at=stage.opened_at,
        completed_at=stage.completed_at,
        sections=sections,
    )


def _summary(signoff: SignOff) -> SignoffSummary:
    assert signoff.id is not None  # noqa: S101 - read from the database
    current = signoff.current_stage()
    return SignoffSummary(
        id=signoff.id,
        title=signoff.title,
        pcc=signoff.pcc_org,
        state=signoff.state.value,
        published=signoff.published_on,
        statutory_last_day=signoff.statutory_last_day,
        publish_by=signoff.publish_by,
        current_stage=current.key if current else None,
    )


def _step_text(step: ApprovalStep, roster: Roster, after_others: bool) -> str:
    rule = describe_quorum(step.require, [roster.by_id(p).name for p in step.approver_ids])
    return rule + (" (once the other sections are approved)" if after_others else "")


def _published_files(listed: Iterable[str]) -> list[PublishedFile]:
    """The response first, then the certificate, then the list of files: each named by what it is."""
    names = {*listed, MANIFEST}
    ordered = [n for n in FILE_LABELS if n in names] + sorted(names - set(FILE_LABELS))
    return [PublishedFile(name=n, label=FILE_LABELS.get(n, n)) for n in ordered]
