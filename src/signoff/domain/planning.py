"""A new sign-off's plan: its stages from the pipeline, their due moments, and each section's people;
and a stage's due day moved later.

Pure: the directory is given as a roster, the calendar and the statutory deadline as values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from signoff.domain.access import STRATEGIC_LEAD_ROLE
from signoff.domain.approval import ApprovalStep
from signoff.domain.audit_binding import mark_changed
from signoff.domain.deadlines import (
    FittedPlan,
    StatutoryDeadline,
    WorkingCalendar,
    fit_stage_dates,
    format_day,
    stage_moments,
)
from signoff.domain.directory import Participant, Roster
from signoff.domain.entities import Section, Stage
from signoff.domain.errors import InvalidInput, InvalidTransition
from signoff.domain.inspection import Finding, Inspection
from signoff.domain.local_time import local_moment
from signoff.domain.pipeline import Pipeline, SectionSpec, Selector
from signoff.domain.routing import FindingRouting, not_a_lead, route_for
from signoff.domain.transitions import StageState
from signoff.domain.vocabulary import AuditAction, StageKind

if TYPE_CHECKING:
    from signoff.domain.signoff import SignOff


@dataclass(frozen=True)
class Intake:
    """Whom a new sign-off may name: people of its office and its force, nobody else."""

    pcc: str
    force: str
    roster: Roster
    responding_forces: frozenset[str]


@dataclass(frozen=True)
class StagePlan:
    stages: list[Stage]
    # Why the dates are not the pipeline's own: a late start (None when they are).
    late_start: str | None
    days_late: int  # started this many days after the statutory last day (0: within the 56 days)


def plan_stages(
    pipeline: Pipeline,
    inspection: Inspection,
    intake: Intake,
    calendar: WorkingCalendar,
    deadline: StatutoryDeadline,
    now: datetime,
) -> StagePlan:
    """Every stage of the pipeline, due on its planned day, with its sections and their people.

    Started too late for the pipeline's dates, the stages are compressed before the publish-by day (or
    into the start day, when that is past) and the plan says so: a late office still starts."""
    hours = pipeline.working_hours
    local = now.astimezone(ZoneInfo(hours.timezone))
    first_day = max(local.date(), inspection.published)
    # Started after the day's due time, a late plan begins the next day: a stage due at 17:00 today would
    # be overdue before anyone could open it. Not past the statutory last day itself, though: started that
    # evening, its work is due that day, the last the law allows, not the next, when it would be late.
    day_over = (
        first_day == local.date()
        and local.strftime("%H:%M") >= hours.due_time
        and first_day != deadline.last_day
    )
    fitted = fit_stage_dates(pipeline, first_day, deadline, calendar, day_over=day_over)
    dates = fitted.dates
    routing = route_for(inspection, intake.force, intake.roster)
    stages: list[Stage] = []
    for position, (spec, planned) in enumerate(zip(pipeline.stages, dates, strict=True)):
        sections = _plan_sections(spec.sections, routing, intake)
        moments = stage_moments(
            planned.due_on,
            spec.remind_before_working_days,
            spec.escalate_after_working_days,
            calendar,
            hours,
        )
        stages.append(
            Stage(
                key=spec.key,
                title=spec.title,
                position=position,
                kind=StageKind(spec.kind),
                due_on=planned.due_on,
                due_at=moments.due_at,
                remind_at=moments.remind_at,
                escalate_at=moments.escalate_at,
                remind_before_working_days=spec.remind_before_working_days,
                escalate_after_working_days=spec.escalate_after_working_days,
                sections=sections,
            )
        )
    _refuse_clashing_keys(stages)
    days_late = max(0, (first_day - deadline.last_day).days)
    # In the warning, a start after the day's due time counts from the next day, as its dates do.
    counted_from = first_day + timedelta(days=1) if day_over else first_day
    return StagePlan(stages, late_start_warning(fitted, counted_from, deadline, days_late), days_late)


def late_start_warning(
    fitted: FittedPlan, start_day: date, deadline: StatutoryDeadline, days_late: int
) -> str | None:
    """What a late start means, in words for the starter, the sign-off's page and the audit trail."""
    if not fitted.compressed:
        return None
    due = ", ".join(f"{stage.title} {format_day(stage.due_on)}" for stage in fitted.dates)
    if days_late:
        return (
            f"Started {days_late} day{'' if days_late == 1 else 's'} after the statutory last day, "
            f"{format_day(deadline.last_day)}: the response is late from the outset. Every stage is due "
            f"as soon as it can be: {due}."
        )
    if start_day > deadline.publish_by:
        return (
            f"Started after the publish-by day, {format_day(deadline.publish_by)}: no working day is left "
            f"before the statutory last day, {format_day(deadline.last_day)}, so every stage is due on it, "
            f"for the response to be published in time: {due}."
        )
    return (
        f"Started late: the pipeline's stage dates would fall after the publish-by day, "
        f"{format_day(deadline.publish_by)}, so they are compressed between {format_day(start_day)} and "
        f"then: {due}."
    )


# How far past the statutory last day a stage may be planned, confirmed: a late response is still due.
LATEST_PAST_STATUTORY = timedelta(days=365)


def extend_stage(
    signoff: SignOff,
    stage: Stage,
    new_due_on: date,
    admin_id: int,
    calendar: WorkingCalendar,
    now: datetime,
    allow_past_statutory: bool,
) -> Stage:
    """Move an internal due date later, with the open requests' due moment. The statutory day never moves."""
    if stage.state not in (StageState.PENDING, StageState.OPEN):
        raise InvalidTransition(
            f"stage {stage.key!r} is {stage.state.value}; only a pending or open stage can be extended"
        )
    if new_due_on <= stage.due_on:
        raise InvalidInput(
            f"the new due date {format_day(new_due_on)} is not later than the current one, {format_day(stage.due_on)}"
        )
    if new_due_on > signoff.statutory_last_day + LATEST_PAST_STATUTORY:
        raise InvalidInput(
            f"{format_day(new_due_on)} is more than a year after the statutory last day, "
            f"{format_day(signoff.statutory_last_day)}; plan the stage sooner"
        )
    if not calendar.is_working_day(new_due_on):
        raise InvalidInput(f"{format_day(new_due_on)} is not a working day in England and Wales")
    if new_due_on > signoff.statutory_last_day and not allow_past_statutory:
        raise InvalidInput(
            f"{format_day(new_due_on)} is after the statutory last day, {format_day(signoff.statutory_last_day)}; "
            "the statutory date cannot be extended (confirm explicitly to plan a late stage)"
        )
    following = [
        s
        for s in signoff.stages
        if s.position > stage.position and s.kind is StageKind.APPROVAL and s.due_on < new_due_on
    ]
    if following:
        # A later approval stage would open already overdue, and escalate at once: the plan runs in order.
        # (Publication waits on the last approval whenever it comes; past the statutory day, confirmed.)
        later = min(following, key=lambda s: s.position)
        raise InvalidInput(
            f"{format_day(new_due_on)} is after the {later.title} stage's due date, {format_day(later.due_on)}; "
            "extend the later stages first, so that each stage is due after the one before it"
        )
    previous = stage.due_on
    moments = stage_moments(
        new_due_on,
        stage.remind_before_working_days,
        stage.escalate_after_working_days,
        calendar,
        signoff.hours,
    )
    if moments.due_at <= now:
        # A date typed wrong (November for December), or today after its hour: the stage would be overdue
        # at once, its overdue notice and escalation sent again, and a calendar entry in the past.
        raise InvalidInput(
            f"the new due date {format_day(new_due_on)} has passed (due {local_moment(moments.due_at)}); "
            "choose a later day"
        )
    stage.due_on = new_due_on
    stage.due_at, stage.remind_at, stage.escalate_at = (
        moments.due_at,
        moments.remind_at,
        moments.escalate_at,
    )
    for section in stage.sections:
        for request in section.open_requests():
            request.due_at = stage.due_at
            mark_changed(request)
    signoff.record(
        now,
        AuditAction.DUE_DATE_EXTENDED,
        stage.key,
        actor_id=admin_id,
        previous=previous.isoformat(),
        new=new_due_on.isoformat(),
        past_statutory=new_due_on > signoff.statutory_last_day,
    )
    return stage


def _finding_lead(finding: Finding, intake: Intake) -> Participant | None:
    """The finding's allocated lead, if theirs to approve for this sign-off's force.

    A lead must be an active strategic lead of a force answering the report. For this force's sign-off
    that is them; another responding force's lead (a regional report) leaves this force to its own
    leads. Anyone else is refused: naming someone as lead must not let them approve a force's response.
    """
    assert finding.lead is not None  # noqa: S101 - the caller checked
    lead = intake.roster.find_email(finding.lead)
    if (
        lead is None
        or not lead.active
        or STRATEGIC_LEAD_ROLE not in lead.roles
        or lead.organisation not in intake.responding_forces
    ):
        raise InvalidInput(not_a_lead(finding.ref, finding.lead))
    return lead if lead.organisation == intake.force else None


def section_key_for(finding: Finding) -> str:
    """The key of the section answering one finding: 'finding-' and its ref, e.g. finding-afi-1."""
    return "finding-" + re.sub(r"[^a-z0-9]+", "-", finding.ref.lower()).strip("-")


def _plan_sections(specs: Sequence[SectionSpec], routing: FindingRouting, intake: Intake) -> list[Section]:
    sections: list[Section] = []
    for spec in specs:
        if spec.per_finding is None:
            # SectionSpec requires both of a fixed section.
            assert spec.key is not None  # noqa: S101
            assert spec.title is not None  # noqa: S101
            if spec.for_noting and not routing.noted:
                continue  # nothing to note: no comment to ask for
            sections.append(_section(spec, spec.key, spec.title, None, len(sections), intake))
            continue
        # A finding addressed to PCCs alone is the office's to answer, in its own section; one addressed
        # to the force (or all forces, or its region's unit) and to PCCs as well stays with the force, and
        # the commissioner comments on it in their own response.
        whose = routing.by_office if spec.addressed_to == "pccs" else routing.by_force
        answered = [finding for finding in whose if finding.kind in spec.per_finding]
        if spec.national == "combined":
            national = [finding for finding in answered if finding in routing.national]
            answered = [finding for finding in answered if finding not in routing.national]
            if national:
                assert spec.key is not None  # noqa: S101 - SectionSpec requires both when combined
                assert spec.title is not None  # noqa: S101
                sections.append(
                    _section(spec, spec.key, spec.title, None, len(sections), intake, combined=True)
                )
        for finding in answered:
            sections.append(
                _section(spec, section_key_for(finding), finding.printed_ref, finding, len(sections), intake)
            )
    return sections


def _refuse_clashing_keys(stages: list[Stage]) -> None:
    """A section key names one section of the whole sign-off (pages, links and commands find it by key):
    refs such as "R-1" for the force and "R.1" for the office would both be `finding-r-1`, in two stages."""
    found: dict[str, list[str]] = {}
    for stage in stages:
        for section in stage.sections:
            found.setdefault(section.key, []).append(f"{section.title!r} ({stage.title})")
    clashes = {key: titles for key, titles in found.items() if len(titles) > 1}
    if clashes:
        described = "; ".join(f"{key}: {', '.join(titles)}" for key, titles in sorted(clashes.items()))
        raise InvalidInput(f"findings give clashing section keys ({described}); make their refs distinct")


def _section(
    spec: SectionSpec,
    key: str,
    title: str,
    finding: Finding | None,
    position: int,
    intake: Intake,
    *,
    combined: bool = False,
) -> Section:
    where = f"section {key!r}"
    if spec.addressed_to == "pccs":
        for selector in [spec.drafter, *spec.approval.approvers]:
            _office_only(selector, where, finding, intake)
    drafters = _resolve(spec.drafter, where + " drafter", finding, intake, combined)
    steps: list[ApprovalStep] = []
    for number, selectors in enumerate(spec.approval.steps(), start=1):
        people: list[int] = []
        for selector in selectors:
            for person in _resolve(selector, where + " approver", finding, intake, combined):
                if person not in people:
                    people.append(person)
        require = spec.approval.require
        if isinstance(require, int) and require > len(people):
            raise InvalidInput(
                f"{where} step {number} needs {require} approvals but only {len(people)} people can give one"
            )
        steps.append(ApprovalStep.planned(require, people))
    placed = [*drafters, *(p for step in steps for p in step.approver_ids)]
    return Section(
        key=key,
        title=title,
        position=position,
        finding_ref=finding.ref if finding else None,
        drafter_ids=drafters,
        approval_steps=steps,
        approve_after_others=spec.approve_after_others,
        place_organisations={str(p): intake.roster.by_id(p).organisation for p in placed},
    )


def _office_only(selector: Selector, where: str, finding: Finding | None, intake: Intake) -> None:
    """A finding addressed to PCCs is the office's to answer: a person named on its section must be of
    the office (the pipeline's model refuses a force role or the finding's lead there already)."""
    person = intake.roster.find_email(selector.person) if selector.person else None
    if person is not None and person.organisation != intake.pcc:
        ref = finding.printed_ref if finding else "it"
        raise InvalidInput(
            f"{where}: {person.email} is of {intake.roster.organisation_name(person.organisation)}; "
            f"{ref} is addressed to PCCs, so {intake.roster.organisation_name(intake.pcc)} drafts and "
            "approves it: name someone of the office"
        )


def _resolve(
    selector: Selector, where: str, finding: Finding | None, intake: Intake, combined: bool = False
) -> list[int]:
    pcc, force, roster = intake.pcc, intake.force, intake.roster
    if selector.person:
        person = roster.find_email(selector.person)
        if person is None or not person.active:
            raise InvalidInput(f"{where}: unknown or inactive person {selector.person}")
        if person.organisation not in (pcc, force):
            raise InvalidInput(
                f"{where}: {person.email} is of {roster.organisation_name(person.organisation)}, "
                f"neither {roster.organisation_name(pcc)} nor {roster.organisation_name(force)}"
            )
        return [person.id]
    if selector.finding_lead:
        if finding is None and not combined:
            raise InvalidInput(f"{where}: finding_lead is only for sections made per finding")
        if finding is not None and finding.lead:
            lead = _finding_lead(finding, intake)
            if lead is not None:
                return [lead.id]
        # No lead allocated yet (or allocated by another responding force, in a regional report), or
        # several findings answered together: any strategic lead of this force may act.
        holders = roster.holders(STRATEGIC_LEAD_ROLE, force)
        if not holders:
            what = f"finding {finding.ref} names no lead and" if finding else f"{where}:"
            raise InvalidInput(f"{what} nobody holds role {STRATEGIC_LEAD_ROLE!r} at {force}")
        return [p.id for p in holders]
    assert selector.role is not None  # noqa: S101 - Selector requires exactly one kind
    organisation = pcc if selector.of == "pcc" else force
    holders = roster.holders(selector.role, organisation)
    if not holders:
        raise InvalidInput(f"{where}: nobody holds role {selector.role!r} at {organisation}")
    return [p.id for p in holders]
