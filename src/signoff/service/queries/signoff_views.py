"""A sign-off's plan and state, one section in depth, and the list of sign-offs."""

from __future__ import annotations

from signoff.domain.directory import Roster
from signoff.domain.model import Section, SignOff
from signoff.service.dependencies import Dependencies
from signoff.service.views import (
    PublicationView,
    RequestView,
    RevisionView,
    SectionDetail,
    SectionView,
    SignoffDetail,
    SignoffSummary,
    StageView,
)


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
                    sections=[_section_view(section, roster) for section in stage.ordered_sections()],
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
            section=_section_view(section, roster),
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


def _section_view(section: Section, roster: Roster) -> SectionView:
    current = section.current_revision
    requests = []
    for request in section.current_requests():
        decision = request.decision
        requests.append(
            RequestView(
                approver=roster.describe(request.approver_id),
                step=request.step + 1,
                state=request.state.value,
                due_at=request.due_at,
                decided_by=roster.describe(decision.decided_by_id) if decision else None,
                on_behalf_of=roster.describe(decision.on_behalf_of_id)
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
        drafters=[roster.describe(p) for p in section.drafter_ids],
        approval_plan=[
            _step_text(step, roster, section.approve_after_others) for step in section.approval_steps
        ],
        holders=[roster.describe(p) for p in section.holder_ids()],
        requests=requests,
    )


def _step_text(step: dict[str, object], roster: Roster, after_others: bool) -> str:
    people = [roster.by_id(p).name for p in step["approver_ids"]]  # type: ignore[attr-defined]
    require = step["require"]
    if len(people) == 1:
        rule = people[0]
    elif require == "all":
        rule = "all of " + ", ".join(people)
    elif require == "any":
        rule = "any one of " + ", ".join(people)
    else:
        rule = f"{require} of " + ", ".join(people)
    return rule + (" (once the other sections are approved)" if after_others else "")
