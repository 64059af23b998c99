"""A sign-off as one person may see it, on its page and at GET /api/signoffs/{id}: the stages with the
sections they may see (section_visibility.py), the audit trail in words, the published versions and their
files, and whether they may publish. People are named by name alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from signoff.domain.access import Action, allowed, signoff_target, stands_in_for
from signoff.domain.errors import NotPermitted
from signoff.domain.model import Stage
from signoff.service.dependencies import Dependencies
from signoff.service.queries.audit_words import audit_details, audit_what
from signoff.service.queries.public_responses import FILE_LABELS, MANIFEST
from signoff.service.queries.section_view import SectionView, by_name, section_view
from signoff.service.queries.section_visibility import visible_section_keys


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
        name = by_name(roster)
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
                    files=_published_files(deps.publications.listed_files(Path(p.folder), p.manifest_sha256)),
                )
                for p in signoff.publications
            ],
        )


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


def _published_files(listed: Iterable[str]) -> list[PublishedFile]:
    """The response first, then the certificate, then the list of files: each named by what it is."""
    names = {*listed, MANIFEST}
    ordered = [n for n in FILE_LABELS if n in names] + sorted(names - set(FILE_LABELS))
    return [PublishedFile(name=n, label=FILE_LABELS.get(n, n)) for n in ordered]
