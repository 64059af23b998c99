"""Before publishing: what publishing now would make, for the office's publishers only.

The preview is rendered exactly as `publish_signoff` will render it (the approved texts, today's date
as the publication date, the next version), so what the publisher reads is what will be published.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from signoff.domain.deadlines import local_day
from signoff.domain.document import build_document
from signoff.domain.errors import InvalidTransition
from signoff.domain.model import SignOff
from signoff.domain.publishing import response_days_late
from signoff.domain.transitions import SignoffState
from signoff.service.dependencies import Dependencies
from signoff.service.ports import UnitOfWork

PreviewFormat = Literal["html", "pdf"]


class EarlierVersion(BaseModel):
    version: int
    published_at: datetime
    on_time: bool
    days_late: int
    note: str


class PublishingPage(BaseModel):
    signoff_id: int
    title: str
    office: str
    state: str
    report_published: date
    statutory_last_day: date
    publish_by: date
    today: date
    version: int  # the version publishing now would make
    correction: bool  # publishing again: a note saying what was corrected is required
    on_time: bool  # if published today
    days_late: int  # if published today
    earlier: list[EarlierVersion]  # newest first


def publishing_page(signoff_id: int, email: str, deps: Dependencies) -> PublishingPage:
    """What publishing today would make; NotPermitted for anyone the access table does not let publish,
    InvalidTransition while a section still waits for approval (or once withdrawn)."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = _publishable(uow, signoff_id, email)
        roster = uow.directory.roster()
        today = local_day(now, signoff.hours)
        late_by = response_days_late(signoff, today)
        assert signoff.id is not None  # noqa: S101 - read from the database
        return PublishingPage(
            signoff_id=signoff.id,
            title=signoff.title,
            office=roster.organisation_name(signoff.pcc_org),
            state=signoff.state.value,
            report_published=signoff.published_on,
            statutory_last_day=signoff.statutory_last_day,
            publish_by=signoff.publish_by,
            today=today,
            version=signoff.next_publication_version(),
            correction=signoff.state is SignoffState.PUBLISHED,
            on_time=late_by == 0,
            days_late=late_by,
            earlier=[
                EarlierVersion(
                    version=p.version,
                    published_at=p.published_at,
                    on_time=p.on_time,
                    days_late=p.days_late,
                    note=p.note if p.version > 1 else "",
                )
                for p in sorted(signoff.publications, key=lambda p: p.version, reverse=True)
            ],
        )


def publish_preview(signoff_id: int, email: str, preview_format: PreviewFormat, deps: Dependencies) -> bytes:
    """The response as publishing today would write it: response.html, or response.pdf."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = _publishable(uow, signoff_id, email)
        roster = uow.directory.roster()
        doc = build_document(signoff, roster, deps.load_publication_config())
        today = local_day(now, signoff.hours)
        version = signoff.next_publication_version()
    html = deps.documents.response_html(doc, made_on=today, published_on=today, version=version)
    return html.encode() if preview_format == "html" else deps.documents.pdf(html)


def _publishable(uow: UnitOfWork, signoff_id: int, email: str) -> SignOff:
    person = uow.directory.person(email)
    signoff = uow.signoffs.get(signoff_id)
    roster = uow.directory.roster()
    # The domain's own check, as publishing makes it: the access table's publishers of the office.
    signoff.require_publisher(person.id, roster)
    if signoff.state not in (SignoffState.READY_TO_PUBLISH, SignoffState.PUBLISHED):
        raise InvalidTransition(
            f"sign-off #{signoff_id} is {signoff.state.value.replace('_', ' ')}: only a sign-off whose "
            "sections are all approved can be published"
        )
    return signoff
