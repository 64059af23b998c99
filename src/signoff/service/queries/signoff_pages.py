"""What a person may see of a sign-off and one section, with what they may do there.

Who sees what: the PCC office that responds sees the whole sign-off; the force sees the sections its
people draft or approve (not the office's own drafting); anyone else sees what they personally draft,
approve or decide by delegation. Acting is checked again by the domain when they act.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from signoff.domain.access import Action, Target, allowed, require, signoff_target, stands_in_for
from signoff.domain.audit_binding import BINDINGS
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import NotFound, NotPermitted
from signoff.domain.model import Section, SignOff, approvers_of
from signoff.domain.textdiff import unified_diff
from signoff.domain.transitions import RequestState, SectionState, SignoffState, StageState
from signoff.service.dependencies import Dependencies

DRAFTABLE = (
    SectionState.DRAFTING,
    SectionState.CHANGES_REQUESTED,
    SectionState.IN_APPROVAL,
    SectionState.APPROVED,
)


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


class SectionLine(BaseModel):
    key: str
    title: str
    state: str
    holders: list[str]
    revision: int | None
    visible: bool


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
    details: str


class PublishedFile(BaseModel):
    name: str


class PublicationLine(BaseModel):
    version: int
    published_at: datetime
    on_time: bool
    days_late: int
    files: list[PublishedFile]


class SignoffPage(BaseModel):
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


class SectionPage(BaseModel):
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
            stages=[
                StageLine(
                    key=stage.key,
                    title=stage.title,
                    state=stage.state.value,
                    due_on=stage.due_on,
                    due_at=stage.due_at,
                    opened_at=stage.opened_at,
                    completed_at=stage.completed_at,
                    sections=[
                        SectionLine(
                            key=section.key,
                            title=section.title,
                            state=section.state.value,
                            holders=[roster.by_id(p).name for p in section.holder_ids()],
                            revision=section.current_revision.number if section.current_revision else None,
                            visible=section.key in visible,
                        )
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
                    actor=roster.by_id(event.actor_id).name if event.actor_id else "signoff",
                    on_behalf_of=roster.by_id(event.on_behalf_of_id).name if event.on_behalf_of_id else None,
                    action=event.action.replace("_", " "),
                    subject=event.subject,
                    details=_details(event.details, roster),
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
                    files=[PublishedFile(name=n) for n in deps.publications.listed_files(Path(p.folder))],
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
            key=section.key,
            title=section.title,
            state=section.state.value,
            finding_ref=section.finding_ref,
            finding_text=finding.text if finding else None,
            finding_explanation=finding.explanation if finding and finding.explanation else None,
            body=current.body if current else None,
            revision=current.number if current else None,
            drafters=[roster.by_id(p).name for p in section.drafter_ids],
            holders=[roster.by_id(p).name for p in section.holder_ids()],
            requests=[
                RequestLine(
                    approver=roster.by_id(r.approver_id).name,
                    step=r.step + 1,
                    state=r.state.value,
                    due_at=r.due_at,
                )
                for r in section.current_requests()
            ],
            revisions=[
                RevisionLine(
                    number=r.number,
                    author=roster.by_id(r.author_id).name,
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
                    approver=roster.by_id(r.approver_id).name,
                    decided_by=roster.by_id(r.decision.decided_by_id).name,
                    on_behalf_of=roster.by_id(r.decision.on_behalf_of_id).name
                    if r.decision.on_behalf_of_id
                    else None,
                    outcome=r.decision.outcome.value,
                    comment=r.decision.comment,
                    decided_at=r.decision.decided_at,
                )
                for r in sorted(section.requests, key=lambda r: (r.round, r.id or 0))
                if r.decision is not None
            ],
            can_draft=active and person.id in section.drafter_ids and section.state in DRAFTABLE,
            can_decide=active and deciding is not None,
            deciding_for=roster.by_id(behalf.approver_id).name if behalf is not None else None,
            changes_for_me=section.diff_since(last_decided) if deciding is not None else [],
            my_open_requests=any(r.approver_id == person.id and r.is_open for r in section.requests),
        )


def admin_of(email: str, deps: Dependencies) -> Participant:
    """The person, if they administer a PCC office (its queue of what needs attention); NotPermitted
    otherwise. Each action they then take is checked against the sign-off or person it is on."""
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
    require(person, Action.SEE_ATTENTION, Target.office_of(person, roster), roster)
    return person


class ServedFile(BaseModel):
    path: Path
    media_type: str | None


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
    found = deps.publications.listed_file(folder, name)
    if found is None:
        raise NotFound(f"version {version} has no file {name!r}")
    if not found.intact:
        raise NotFound(f"{name} no longer matches what was published; ask the office")
    return ServedFile(path=found.path, media_type=found.media_type)


def _details(details: dict[str, object], roster: Roster) -> str:
    parts: list[str] = []
    for key, value in details.items():
        # The row digests that bind the record into the audit chain mean nothing to a reader.
        if value in (None, "", [], {}) or key == BINDINGS:
            continue
        if key.endswith("_id") and isinstance(value, int):
            with suppress(KeyError):
                value = roster.by_id(value).name
            key = key.removesuffix("_id")
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)
