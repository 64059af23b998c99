"""Publishing a sign-off: who may, when it may be, and recording a publication (first or correction).

Rendering and writing the documents are the service layer's and the adapters'; this records the fact.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from signoff.domain.access import PUBLISHER_ROLES, Action, allowed, office_as_told_to, signoff_target
from signoff.domain.audit_binding import mark_changed
from signoff.domain.deadlines import local_day
from signoff.domain.directory import Participant, Roster
from signoff.domain.errors import CorrectionNeedsNote, InvalidTransition, NotPermitted
from signoff.domain.publication import Publication, days_late
from signoff.domain.transitions import (
    SIGNOFF_TRANSITIONS,
    SignoffEvent,
    SignoffState,
    StageEvent,
    StageState,
    fire,
)
from signoff.domain.vocabulary import AuditAction, StageKind

if TYPE_CHECKING:
    from signoff.domain.signoff import SignOff


def require_publisher(signoff: SignOff, person_id: int, roster: Roster) -> Participant:
    """The PCC office publishes its own response: its administrators, officers or Commissioner."""
    person = roster.by_id(person_id)
    if not allowed(person, Action.PUBLISH, signoff_target(signoff), roster):
        office = office_as_told_to(person, signoff)
        raise NotPermitted(
            f"{roster.describe(person_id)} may not publish {office}'s response "
            f"(publishers: {', '.join(sorted(PUBLISHER_ROLES))} of {office})"
        )
    return person


def check_publishable(signoff: SignOff, by_id: int, roster: Roster, note: str) -> None:
    """Everything publishing checks before anything is rendered or written."""
    require_publisher(signoff, by_id, roster)
    if signoff.state is SignoffState.PUBLISHED and not note.strip():
        raise CorrectionNeedsNote(
            f"sign-off #{signoff.id} is already published: publishing again is a correction, "
            "and needs a note saying what was corrected"
        )
    if signoff.state not in (SignoffState.READY_TO_PUBLISH, SignoffState.PUBLISHED):
        raise InvalidTransition(
            f"sign-off #{signoff.id} is {signoff.state.value.replace('_', ' ')}: only a sign-off whose "
            "sections are all approved can be published"
        )


def publish(
    signoff: SignOff,
    *,
    by_id: int,
    roster: Roster,
    now: datetime,
    folder: str,
    manifest_sha256: str,
    note: str = "",
) -> Publication:
    """Record a publication: the first, or a correction (a new version; the old ones stay).

    Publishing after the statutory last day is allowed, and recorded as late with the days.
    """
    check_publishable(signoff, by_id, roster, note)
    note = note.strip()
    correction = signoff.state is SignoffState.PUBLISHED
    event = SignoffEvent.PUBLISH_CORRECTION if correction else SignoffEvent.PUBLISH
    signoff.state = fire(SIGNOFF_TRANSITIONS, "sign-off", signoff.state, event)
    published_on = local_day(now, signoff.hours)
    late_by = response_days_late(signoff, published_on)
    publication = Publication(
        version=signoff.next_publication_version(),
        published_at=now,
        published_on=published_on,
        published_by_id=by_id,
        folder=folder,
        manifest_sha256=manifest_sha256,
        on_time=late_by == 0,
        days_late=late_by,
        note=note,
    )
    signoff.publications.append(publication)
    mark_changed(publication)
    for stage in signoff.stages:
        if stage.kind is StageKind.PUBLICATION and stage.state is StageState.OPEN:
            stage.fire(StageEvent.COMPLETE, now)
            signoff.record(now, AuditAction.STAGE_COMPLETED, stage.key, actor_id=by_id)
    signoff.record(
        now,
        AuditAction.PUBLISHED,
        f"version {publication.version}",
        actor_id=by_id,
        version=publication.version,
        published_on=published_on.isoformat(),
        statutory_last_day=signoff.statutory_last_day.isoformat(),
        on_time=publication.on_time,
        days_late=late_by,
        folder=folder,
        manifest_sha256=manifest_sha256,
        correction=note if correction else "",
    )
    return publication


def response_days_late(signoff: SignOff, published_on: date) -> int:
    """How late the response is if published on `published_on`: the statutory duty is to publish it once
    within the 56 days, so a correction keeps the first version's lateness (0: on time), however long
    after the statutory last day it is made."""
    if signoff.publications:
        return min(signoff.publications, key=lambda p: p.version).days_late
    return days_late(published_on, signoff.statutory_last_day)
