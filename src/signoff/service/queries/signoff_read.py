"""A sign-off's whole record, as the CLI prints it: the list of sign-offs, one sign-off with every stage,
section and publication, and one section in depth. People are named with their address
(`roster.describe`). What one person may see on the pages and in the API is built in signoff_page.py and
section_page.py; a published file is served by published_file.py.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from signoff.domain.model import SignOff
from signoff.service.dependencies import Dependencies
from signoff.service.queries.section_view import SectionView, section_view


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
