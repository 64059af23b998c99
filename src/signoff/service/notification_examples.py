"""Example data for every notice: `signoff mail preview` renders it, and the tests render every template
with it, so a template that uses a variable its notice does not carry fails the suite, not an inbox.
A test also checks that real notices carry exactly these keys."""

from __future__ import annotations

from typing import Any

from signoff.domain.notifications import ALLOWED_AUDIENCES, NoticeEvent

_SIGNOFF: dict[str, Any] = {
    "signoff_id": 1,
    "signoff_title": "HMICFRS inspection of the north-west regional response to serious and organised crime",
    "signoff_short_title": "HMICFRS inspection of the north-west regional…",
    "office": "Office of the Police and Crime Commissioner for Cheshire",
    "statutory_last_day": "Thursday 4 January 2024",
    "publish_by": "Thursday 4 January 2024",
    "signoff_url": "http://127.0.0.1:8000/signoffs/1",
}
_SECTION: dict[str, Any] = {
    **_SIGNOFF,
    "stage_title": "Constabulary response",
    "section_title": "Area for improvement AFI-1",
    "section_key": "finding-afi-1",
    "section_url": "http://127.0.0.1:8000/signoffs/1/sections/finding-afi-1",
    "finding_text": "Cheshire Constabulary should improve the quality of its 4P plans.",
    "revision": 2,
}
_APPROVAL: dict[str, Any] = {
    **_SECTION,
    "author_name": "Priya Mistry",
    "due": "Friday 8 December 2023",
    "due_date": "2023-12-08",
    "changes": [
        " We have rolled out improved training.",
        "+We have moved our 4P plans onto a new platform.",
    ],
    "asked_again": False,
    "resumed": False,
}
_HOLDING: dict[str, Any] = {
    **_SECTION,
    "holder_name": "Daniel Holt",
    "waiting_to": "approve",
    "due": "Friday 8 December 2023",
    "due_date": "2023-12-08",
}
_DELEGATION: dict[str, Any] = {
    "delegator_name": "Andrew Kershaw",
    "delegate_name": "Sarah Lomax",
    "starts": "Monday 20 November 2023 at 09:00",
    "ends": "Friday 1 December 2023 at 17:00",
    "reason": "annual leave",
    "tasks_url": "http://127.0.0.1:8000/tasks",
}
_PUBLISHED: dict[str, Any] = {
    **_SIGNOFF,
    "published_on": "Thursday 21 December 2023",
    "document_url": "http://127.0.0.1:8000/responses/1",
    "on_time": True,
    "days_late": 0,
    "version": 1,
    "correction": "",
    "attachment_name": "response.pdf",
}

EXAMPLE_CONTEXTS: dict[NoticeEvent, dict[str, Any]] = {
    NoticeEvent.DRAFTING_ASSIGNED: {
        **_SIGNOFF,
        "stage_title": "Constabulary response",
        "due": "Friday 8 December 2023",
        "due_date": "2023-12-08",
        "sections": [
            {
                "title": "Area for improvement AFI-1",
                "url": "http://127.0.0.1:8000/signoffs/1/sections/finding-afi-1",
                "finding_text": "Cheshire Constabulary should improve the quality of its 4P plans.",
            },
            {
                "title": "Constabulary response",
                "url": "http://127.0.0.1:8000/signoffs/1/sections/constabulary-response",
                "finding_text": None,
            },
        ],
    },
    # holder_name: whose approval it is (a delegate approves for them).
    NoticeEvent.APPROVAL_REQUESTED: {**_APPROVAL, "holder_name": "Daniel Holt"},
    NoticeEvent.CHANGES_REQUESTED: {
        **_SECTION,
        "due": "Friday 8 December 2023",
        "due_date": "2023-12-08",
        "comment": "Please say what the new 4P platform is and when it went live.",
        "decided_by": "Daniel Holt",
    },
    NoticeEvent.APPROVAL_INVALIDATED: {**_APPROVAL, "asked_again": True},
    # Another approver of the step asked for changes (the email quotes them); when an edit is why, the
    # reason is in "because" alone, as "Area for improvement AFI-1 was edited, and Daniel Holt must
    # approve the new text before you", with no one named in changes_requested_by and no comment.
    NoticeEvent.APPROVAL_ON_HOLD: {
        **_SECTION,
        "due": "Friday 8 December 2023",
        "because": "Claire Bannister asked for changes to it",
        "changes_requested_by": "Claire Bannister",
        "comment": "Please say when the new 4P platform went live.",
    },
    NoticeEvent.APPROVAL_REASSIGNED: {
        **_SECTION,
        "due": "Friday 8 December 2023",
        "reassigned_to": "Claire Bannister",
        "reassigned_by": "Hannah Whitfield",
        "holder_name": "Daniel Holt",
        "calendar_cancel": [{"kind": "approve", "item": "finding-afi-1", "due_date": "2023-12-08"}],
    },
    NoticeEvent.APPROVAL_NOT_NEEDED: {
        **_SECTION,
        "due": "Friday 8 December 2023",
        "holder_name": "Daniel Holt",
        "approved_by": "Claire Bannister",
        "calendar_cancel": [{"kind": "approve", "item": "finding-afi-1", "due_date": "2023-12-08"}],
    },
    NoticeEvent.DRAFTING_REASSIGNED: {
        **_SECTION,
        "due": "Friday 8 December 2023",
        "reassigned_to": "Sarah Lomax",
        "reassigned_by": "Hannah Whitfield",
        "calendar_cancel": [{"kind": "draft", "item": "Constabulary response", "due_date": "2023-12-08"}],
    },
    NoticeEvent.SECTION_APPROVED: {**_SECTION, "approved_by": ["Daniel Holt"]},
    NoticeEvent.STAGE_COMPLETED: {
        **_SIGNOFF,
        "stage_title": "Constabulary response",
        "next_stage_title": "Commissioner's response",
    },
    NoticeEvent.READY_TO_PUBLISH: {**_SIGNOFF, "publish_url": "http://127.0.0.1:8000/signoffs/1/publish"},
    NoticeEvent.DUE_DATE_EXTENDED: {**_HOLDING, "previous_due": "Friday 1 December 2023"},
    NoticeEvent.PUBLICATION_DUE: {
        **_SIGNOFF,
        "publish_url": "http://127.0.0.1:8000/signoffs/1/publish",
        "due": "Friday 8 December 2023",
        "due_date": "2023-12-08",
        "phase": "reminder",
    },
    NoticeEvent.REMINDER: _HOLDING,
    NoticeEvent.OVERDUE: _HOLDING,
    NoticeEvent.ESCALATION: _HOLDING,
    NoticeEvent.DELEGATION_STARTED: _DELEGATION,
    NoticeEvent.DELEGATION_ENDED: _DELEGATION,
    NoticeEvent.WITHDRAWN: {**_SIGNOFF, "reason": "Cheshire is not a subject of this report."},
    NoticeEvent.PUBLISHED: _PUBLISHED,
    NoticeEvent.FORMAL_COPY: _PUBLISHED,
    NoticeEvent.SIGN_IN_LINK: {
        "sign_in_url": "http://127.0.0.1:8000/sign-in/Xq3v9a1RkP0c8bZ2mW7nT4yL6hJ5sD1f",
        "expires": "Friday 10 November 2023 at 10:00",
        "minutes": 30,
    },
    NoticeEvent.REPORT_PROPOSED: {
        "office_name": "Office of the Police and Crime Commissioner for Cheshire",
        "title": "PEEL 2025: An inspection of Cheshire Constabulary",
        "published": "Monday 13 October 2025",
        "statutory_last_day": "Sunday 7 December 2025",
        "report_url": "https://hmicfrs.justiceinspectorates.gov.uk/publications/peel-2025-cheshire/",
        "proposal_url": "http://127.0.0.1:8000/proposals/1",
        "concern": "a report on its force",
        "findings": 6,
        "flags": ["Recommendation 2", "Observation 1"],
    },
    NoticeEvent.WATCH_FAILING: {
        "listing": "https://hmicfrs.justiceinspectorates.gov.uk/publications/",
        "failures": 3,
        "problem": "https://hmicfrs.justiceinspectorates.gov.uk/publications/: the server answered 503",
    },
}

RECIPIENT: dict[str, str] = {
    "recipient_name": "Daniel Holt",
    "why": "you are an approver of this section",
    "audience": "approver",
}


def example_context(event: NoticeEvent, audience: str | None = None) -> dict[str, Any]:
    """The example data, as one of the event's audiences would get it (by default, the first allowed)."""
    chosen = audience or sorted(a.value for a in ALLOWED_AUDIENCES[event])[0]
    return {**EXAMPLE_CONTEXTS[event], **RECIPIENT, "audience": chosen}
