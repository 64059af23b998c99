"""What an email says about a sign-off, a section or a stage: the parts that notices' contexts share.

The templates read these keys; service/notification_examples.py holds an example of each shape, and a
test checks that real notices carry exactly the example's keys.
"""

from __future__ import annotations

from signoff.domain.deadlines import format_day
from signoff.domain.directory import Participant, Roster
from signoff.domain.model import Section, SignOff, Stage
from signoff.domain.notifications import Audience, Links, NoticeEvent
from signoff.domain.vocabulary import JsonValue, NoticeContext


class NoticeContexts:
    """Built from the directory (names, offices) and the web app's addresses (links)."""

    def __init__(self, roster: Roster, links: Links) -> None:
        self.roster = roster
        self.links = links

    def signoff(self, signoff: SignOff) -> NoticeContext:
        return {
            "signoff_id": signoff.id,
            "signoff_title": signoff.title,
            "signoff_short_title": short_title(signoff.title),
            "office": self.roster.organisation_name(signoff.pcc_org),
            "statutory_last_day": format_day(signoff.statutory_last_day),
            "publish_by": format_day(signoff.publish_by),
            "signoff_url": self.links.signoff(signoff.id),
        }

    def section(self, signoff: SignOff, section: Section) -> NoticeContext:
        stage = next(st for st in signoff.stages if section in st.sections)
        revision = section.current_revision
        finding = signoff.inspection.finding(section.finding_ref) if section.finding_ref else None
        return {
            **self.signoff(signoff),
            "stage_title": stage.title,
            "section_title": section.title,
            "section_key": section.key,
            "section_url": self.links.section(signoff.id, section.key),
            "finding_text": finding.text if finding else None,
            "revision": revision.number if revision else None,
        }

    def drafting(self, signoff: SignOff, stage: Stage, drafter_id: int | None) -> NoticeContext:
        """The stage's sections; for a drafter, only the ones they draft."""
        return {
            **self.signoff(signoff),
            "stage_title": stage.title,
            "due": format_day(stage.due_on),
            "due_date": stage.due_on.isoformat(),
            "sections": [
                {
                    "title": section.title,
                    "url": self.links.section(signoff.id, section.key),
                    "finding_text": signoff.inspection.finding(section.finding_ref).text
                    if section.finding_ref
                    else None,
                }
                for section in stage.ordered_sections()
                if drafter_id is None or drafter_id in section.drafter_ids
            ],
        }

    def approval(
        self,
        signoff: SignOff,
        section: Section,
        approver: Participant,
        previously: str | None = None,
        *,
        resumed: bool = False,
    ) -> NoticeContext:
        """`resumed`: this asks them at the end of a hold they were told of (see domain/on_hold.py)."""
        stage = next(st for st in signoff.stages if section in st.sections)
        request = next(
            (
                r
                for r in reversed(section.requests)
                if r.approver_id == approver.id and r.round == section.round
            ),
            None,
        )
        since = previously or (request.previously_approved_hash if request else None)
        revision = section.current_revision
        changes: list[JsonValue] = [*section.diff_since(since)]
        return {
            **self.section(signoff, section),
            "author_name": self.roster.by_id(revision.author_id).name if revision else "",
            "due": format_day(stage.due_on),
            "due_date": stage.due_on.isoformat(),
            "changes": changes,
            "asked_again": False,
            "resumed": resumed,
        }

    def ready_to_publish(self, signoff: SignOff) -> NoticeContext:
        return {**self.signoff(signoff), "publish_url": self.links.publish(signoff.id)}


def short_title(title: str, limit: int = 50) -> str:
    """A report's title short enough for a subject line: whole, or cut at a word with an ellipsis, at
    most `limit` characters with it."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut and title[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–") + "…"


def calendar_items(signoff: SignOff, person: int | None) -> list[JsonValue]:
    """The calendar entries the deadline emails gave this person for the sign-off: one per stage they
    draft in, one per section they were asked to approve (see `calendar_item` in email rendering)."""
    items: list[JsonValue] = []
    for stage in signoff.ordered_stages():
        sections = stage.ordered_sections()
        if any(person in section.drafter_ids for section in sections):
            items.append({"kind": "draft", "item": stage.title, "due_date": stage.due_on.isoformat()})
        for section in sections:
            if any(r.approver_id == person for r in section.requests):
                items.append({"kind": "approve", "item": section.key, "due_date": stage.due_on.isoformat()})
    return items


def why_told(
    event: NoticeEvent,
    office: str,
    person: Participant,
    holder: Participant | None = None,
    audience: Audience | None = None,
) -> str:
    """The email's last line: why this person hears of it (`office`: the office's name)."""
    if audience is Audience.DELEGATE and holder is not None:
        return f"{holder.name} has delegated their approvals to you while they are away"
    if audience is Audience.DELEGATE:
        return f"you decide for an approver of {office}'s response while they are away"
    if event is NoticeEvent.ESCALATION and holder is not None:
        return (
            f"{holder.name} names you as their escalation contact, or you administer sign-offs for {office}"
        )
    if event in (
        NoticeEvent.APPROVAL_REQUESTED,
        NoticeEvent.APPROVAL_INVALIDATED,
        NoticeEvent.APPROVAL_ON_HOLD,
        NoticeEvent.APPROVAL_NOT_NEEDED,
    ):
        return f"you are an approver of this section in {office}'s response"
    if event in (
        NoticeEvent.DRAFTING_ASSIGNED,
        NoticeEvent.CHANGES_REQUESTED,
        NoticeEvent.SECTION_APPROVED,
    ):
        return f"you draft this part of {office}'s response"
    if (
        event in (NoticeEvent.REMINDER, NoticeEvent.OVERDUE, NoticeEvent.DUE_DATE_EXTENDED)
        and person is holder
    ):
        return "this is waiting for you"
    return f"you take part in {office}'s response, or administer it"
