"""An audit event as a person reads it: what happened, to which stage or section by its title, and its
details in words, with names and dates ("Stage opened: Report summary", "Due Friday 24 November 2023").
The stored record keeps its keys; only the pages' reading of it is worded here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date

from signoff.domain.audit_binding import BINDINGS
from signoff.domain.deadlines import format_day
from signoff.domain.directory import Roster
from signoff.domain.vocabulary import AuditAction

Naming = Callable[[int], str]

# What happened, before the title of what it happened to ("" when it happened to the whole sign-off).
HEADLINES: dict[str, str] = {
    AuditAction.SIGNOFF_STARTED: "Sign-off started",
    AuditAction.STAGE_OPENED: "Stage opened",
    AuditAction.STAGE_COMPLETED: "Stage complete",
    AuditAction.READY_TO_PUBLISH: "Ready to publish",
    AuditAction.REVISION_SUBMITTED: "Text saved",
    AuditAction.APPROVAL_REQUESTED: "Approval requested",
    AuditAction.APPROVAL_AWAITS_OTHERS: "Approval waits for the stage's other sections",
    AuditAction.APPROVAL_RESTARTED: "Approval started again",
    AuditAction.APPROVAL_INVALIDATED: "Approval no longer stands",
    AuditAction.CHANGES_REQUESTED: "Sent back for changes",
    AuditAction.SECTION_APPROVED: "Section approved",
    AuditAction.APPROVAL_NOT_NEEDED: "Approval no longer needed",
    AuditAction.REQUEST_REASSIGNED: "Approval reassigned",
    AuditAction.DRAFTING_REASSIGNED: "Drafting reassigned",
    AuditAction.DUE_DATE_EXTENDED: "Due date changed",
    AuditAction.SIGNOFF_WITHDRAWN: "Sign-off withdrawn",
    AuditAction.PUBLISHED: "Response published",
    AuditAction.DRAFTING_STALLED: "Drafting idle",
    AuditAction.APPROVAL_STALLED: "Approval idle",
    AuditAction.REMINDER_SENT: "Reminder sent",
}


def _day(value: object) -> str:
    with suppress(TypeError, ValueError):
        return format_day(date.fromisoformat(str(value)))
    return str(value)


def _days(value: object) -> str:
    return "1 working day" if value == 1 else f"{value} working days"


def audit_what(action: str, subject: str, details: Mapping[str, object], titles: Mapping[str, str]) -> str:
    """'Stage opened: Report summary'; a decision says which way it went."""
    title = titles.get(subject)
    if action == AuditAction.DECISION:
        headline = "Approved" if details.get("outcome") == "approve" else "Asked for changes"
    elif action == AuditAction.PUBLISHED:
        version = details.get("version")
        headline = (
            "Response published" if version in (None, 1) else f"Correction published (version {version})"
        )
    else:
        headline = HEADLINES.get(action) or str(action).replace("_", " ").capitalize()
    return f"{headline}: {title}" if title else headline


def audit_details(
    action: str, details: Mapping[str, object], titles: Mapping[str, str], roster: Roster, name: Naming
) -> str:
    """The details a reader needs, in sentences; true/false flags and empty values said in words or left out."""

    def person(key: str) -> str | None:
        value = details.get(key)
        if not isinstance(value, int):
            return None
        try:
            return name(value)
        except KeyError:
            return None

    parts: list[str] = []
    if action == AuditAction.SIGNOFF_STARTED:
        parts.append(f"Report published {_day(details.get('published'))}")
        parts.append(f"statutory last day {_day(details.get('statutory_last_day'))}")
        if details.get("publish_by") not in (None, details.get("statutory_last_day")):
            parts.append(f"publish by {_day(details.get('publish_by'))}")
        if details.get("late_start"):
            parts.append(str(details["late_start"]))
    elif action == AuditAction.STAGE_OPENED and details.get("due_on"):
        parts.append(f"Due {_day(details['due_on'])}")
    elif action == AuditAction.REVISION_SUBMITTED:
        if details.get("revision"):
            parts.append(f"Revision {details['revision']}")
        if details.get("reopened_approved_text") is True:
            parts.append("edited after it was approved")
        if details.get("note"):
            parts.append(f"what changed: {details['note']}")
    elif action in (
        AuditAction.APPROVAL_REQUESTED,
        AuditAction.APPROVAL_INVALIDATED,
        AuditAction.APPROVAL_STALLED,
    ):
        if person("approver_id"):
            parts.append(f"Approver: {person('approver_id')}")
        if details.get("step"):
            parts.append(f"step {details['step']}")
        if details.get("idle_working_days") is not None:
            parts.append(f"idle for {_days(details['idle_working_days'])}")
    elif action == AuditAction.APPROVAL_RESTARTED and details.get("because_of"):
        changed = titles.get(str(details["because_of"]), "another section")
        parts.append(f"Because {changed} was edited")
    elif action == AuditAction.APPROVAL_NOT_NEEDED:
        parts.append(f"Approver: {person('approver_id') or 'someone'}")
        if person("settled_by_id"):
            parts.append(f"the step had its approvals once {person('settled_by_id')} approved")
    elif action == AuditAction.DECISION:
        if details.get("comment"):
            parts.append(f"comment: {details['comment']}")
    elif action in (AuditAction.REQUEST_REASSIGNED, AuditAction.DRAFTING_REASSIGNED):
        parts.append(f"From {person('from_person_id') or 'someone'} to {person('to_person_id') or 'someone'}")
    elif action == AuditAction.DUE_DATE_EXTENDED:
        parts.append(f"From {_day(details.get('previous'))} to {_day(details.get('new'))}")
        if details.get("past_statutory") is True:
            parts.append("after the statutory last day")
    elif action == AuditAction.SIGNOFF_WITHDRAWN and details.get("reason"):
        parts.append(f"Reason: {details['reason']}")
    elif action == AuditAction.PUBLISHED:
        parts.append(f"Published {_day(details.get('published_on'))}")
        late = details.get("days_late")
        if details.get("on_time") is True:
            parts.append("on time")
        elif isinstance(late, int) and late > 0:
            parts.append(f"{late} day{'' if late == 1 else 's'} late")
        if details.get("correction"):
            parts.append(f"correction: {details['correction']}")
    elif action == AuditAction.DRAFTING_STALLED and details.get("idle_working_days") is not None:
        parts.append(f"Idle for {_days(details['idle_working_days'])}")
    elif action == AuditAction.REMINDER_SENT and person("holder_id"):
        parts.append(f"To {person('holder_id')}")
    elif action not in HEADLINES:
        parts.extend(_generic(details, roster))
    return "; ".join(parts)


def _generic(details: Mapping[str, object], roster: Roster) -> list[str]:
    """An action this module does not know yet: its details, people named, flags and keys left out."""
    parts: list[str] = []
    for key, value in details.items():
        if value in (None, "", [], {}) or key == BINDINGS or isinstance(value, bool):
            continue
        if key.endswith("_id") and isinstance(value, int):
            with suppress(KeyError):
                value = roster.by_id(value).name
            key = key.removesuffix("_id")
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return parts
