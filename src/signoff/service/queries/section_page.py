"""One section as one person may see it, on its page and at GET /api/signoffs/{id}/sections/{key}: its
text, its revisions with what changed between them, its decisions, and what this person may do there
(draft, decide for themselves or for whom they stand in for), with what changed since they last decided.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from signoff.domain.access import Action, allowed, signoff_target, stands_in_for
from signoff.domain.approval import open_decision
from signoff.domain.document import findings_a_section_answers
from signoff.domain.textdiff import unified_diff
from signoff.domain.transitions import SectionState, SignoffState, StageState
from signoff.service.dependencies import Dependencies
from signoff.service.queries.section_view import RequestView, by_name, section_view
from signoff.service.queries.section_visibility import section_seen_by

DRAFTABLE = (
    SectionState.DRAFTING,
    SectionState.CHANGES_REQUESTED,
    SectionState.IN_APPROVAL,
    SectionState.APPROVED,
)


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


class AnsweredFinding(BaseModel):
    """A finding a section answers together with others (the combined national recommendations, or the
    findings for other bodies its comment is on): what the drafter and the approvers read it against."""

    ref: str
    printed_ref: str
    text: str
    addressee: str | None


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
    # The findings it answers together (none for a section of one finding, which finding_text is).
    answers_together: list[AnsweredFinding]
    body: str | None
    revision: int | None
    drafters: list[str]
    holders: list[str]
    requests: list[RequestLine]
    revisions: list[RevisionLine]
    decisions: list[DecisionLine]
    can_draft: bool
    can_decide: bool
    # False when only a request for changes would be accepted (an approval would fill a second place).
    can_approve: bool
    deciding_for: str | None
    changes_for_me: list[str]
    my_open_requests: bool


def section_page(signoff_id: int, section_key: str, email: str, deps: Dependencies) -> SectionPage:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        roster = uow.directory.roster()
        signoff = uow.signoffs.get(signoff_id)
        delegations = uow.delegations.for_delegate(person.id)
        delegators = stands_in_for(person, delegations, roster, now)
        stage, section = section_seen_by(person, signoff, section_key, roster, delegators)
        name = by_name(roster)
        view = section_view(section, roster, name)
        finding = signoff.inspection.finding(section.finding_ref) if section.finding_ref else None
        current = section.current_revision
        active = signoff.state is SignoffState.ACTIVE and stage.state is StageState.OPEN
        # What `decide` would take from this person, by its own rules: no form offered only to be refused.
        deciding = open_decision(section, person.id, delegations, roster, now) if active else None
        # The same for drafting: a drafter since moved across (the office to its force) keeps no place there.
        drafts = (
            active
            and section.state in DRAFTABLE
            and allowed(
                person,
                Action.DRAFT_SECTION,
                signoff_target(signoff, named=section.drafter_ids, places=section.places()),
                roster,
            )
        )
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
            answers_together=[
                AnsweredFinding(ref=f.ref, printed_ref=f.printed_ref, text=f.text, addressee=f.addressee)
                for f in findings_a_section_answers(
                    signoff, section.key, roster, deps.load_publication_config()
                )
                if not section.finding_ref
            ],
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
            can_draft=drafts,
            can_decide=deciding is not None,
            can_approve=deciding is not None and deciding.may_approve,
            deciding_for=name(deciding.on_behalf_of) if deciding and deciding.on_behalf_of else None,
            changes_for_me=section.diff_since(last_decided) if deciding is not None else [],
            my_open_requests=any(r.approver_id == person.id and r.is_open for r in section.requests),
        )
