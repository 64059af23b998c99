"""Who answers which finding: the one rule that routes a report's findings to each office's sign-off.

An office answers the findings addressed to its own force, to all forces, to PCCs, and to a regional unit
whose region includes its force. Its force answers them (a section each, or a combined one), except those
addressed to PCCs and to none of the force, all forces or its region's unit: those are the office's own
to answer (`by_office`), drafted and approved in the office, and its force takes no part. A finding
addressed to PCCs and to the force as well stays with the force; the commissioner comments on it in their
own response. PCCs named beside particular forces or units (and not all forces) are those forces' PCCs:
another force's such finding is not the office's. It notes (lists them, and its commissioner may comment
once) the findings addressed only to other bodies: the College of Policing, the NPCC, the Home Office, the
NCA, the CPS or another body. It never sees a finding addressed only to other forces or other regions'
units. Good practice is printed where it concerns the office's force, never answered.

Pure: the directory's kinds and regions come in a Roster.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from signoff.domain.directory import OrganisationKind, Roster
from signoff.domain.errors import InvalidInput
from signoff.domain.inspection import (
    BODY_WORDS,
    Body,
    Finding,
    ForceSpecific,
    Inspection,
    InspectionType,
    RecommendationScope,
)

if TYPE_CHECKING:
    from signoff.domain.signoff import SignOff

# The addressees that make a finding the office's own to answer, whatever its force.
_ANSWERED_BY_EVERY_OFFICE = frozenset(body.value for body in Body if body.answered_by_office)
# Of those, the ones a force answers: a finding to PCCs alone is the office's, not its force's.
_ANSWERED_BY_EVERY_FORCE = frozenset({Body.ALL_FORCES.value})


@dataclass(frozen=True)
class FindingRouting:
    """One office's findings of one report, each list in the report's order."""

    answered: tuple[Finding, ...]  # the response answers each: by_force and by_office, in report order
    noted: tuple[Finding, ...]  # addressed to other bodies: listed for noting, not answered by the force
    practice: tuple[Finding, ...]  # innovative or promising practice concerning this force: printed only
    unseen: tuple[Finding, ...]  # addressed to other forces or other regions: never in this sign-off
    # Of the answered, those addressed to PCCs and not to this force, all forces or its region's unit:
    # the office drafts and approves the response to each; its force takes no part.
    by_office: tuple[Finding, ...]

    @property
    def by_force(self) -> tuple[Finding, ...]:
        """The answered findings the force answers (a section each, or a combined one): all but by_office."""
        return tuple(f for f in self.answered if f not in self.by_office)

    @property
    def national(self) -> tuple[Finding, ...]:
        """The answered findings addressed to all forces (national recommendations, say)."""
        return tuple(f for f in self.answered if "all-forces" in f.addressed_to)


def addressees(finding: Finding, inspection: Inspection) -> list[str]:
    """Whom a finding is addressed to; left out, the report's forces (`check_addressees` allows that
    only for a single-force report; sign-offs started before routing kept findings so)."""
    return list(finding.addressed_to) or list(inspection.forces_covered)


def route_findings(
    inspection: Inspection, force: str, regional_units: Collection[str], planned: Collection[str] = ()
) -> FindingRouting:
    """The findings of `inspection` as the office of `force` sees them; `regional_units`: the units whose
    region includes the force (Roster.regional_units_of); `planned`: the refs a stored sign-off already has
    sections for, answered as they were planned (before PCCs beside other forces were those forces')."""
    own = {force, *_ANSWERED_BY_EVERY_OFFICE, *regional_units}
    forces_own = {force, *_ANSWERED_BY_EVERY_FORCE, *regional_units}
    answered: list[Finding] = []
    by_office: list[Finding] = []
    noted: list[Finding] = []
    practice: list[Finding] = []
    unseen: list[Finding] = []
    for finding in inspection.findings:
        targets = addressees(finding, inspection)
        if _for_named_forces_pccs(targets) and not forces_own & set(targets) and finding.ref not in planned:
            # "The chief constable and the commissioner for Cumbria should ...": Cumbria's, not every
            # office's; a regional report never gives an office another force's findings.
            unseen.append(finding)
        elif own & set(targets):
            (practice if finding.kind.is_practice else answered).append(finding)
            if not finding.kind.is_practice and not forces_own & set(targets):
                by_office.append(finding)
        elif all(target in BODY_WORDS for target in targets):
            (practice if finding.kind.is_practice else noted).append(finding)
        else:
            unseen.append(finding)
    return FindingRouting(tuple(answered), tuple(noted), tuple(practice), tuple(unseen), tuple(by_office))


def _for_named_forces_pccs(targets: Collection[str]) -> bool:
    """PCCs beside named forces or regional units (and not all forces): the PCCs of those, not all PCCs."""
    return (
        Body.PCCS.value in targets
        and Body.ALL_FORCES.value not in targets
        and any(target not in BODY_WORDS for target in targets)
    )


def route_for(
    inspection: Inspection, force: str, roster: Roster, planned: Collection[str] = ()
) -> FindingRouting:
    """`route_findings` with the regions the directory gives the force."""
    return route_findings(inspection, force, roster.regional_units_of(force), planned)


def in_no_response(
    inspection: Inspection, answering_forces: Collection[str], roster: Roster
) -> list[Finding]:
    """The findings no office answering the report would hold (addressed only to forces, or units, of
    offices that do not respond): left out of every response, which whoever starts it should hear of."""
    routings = [route_for(inspection, force, roster) for force in answering_forces]
    # Good practice is printed, never answered: it is in no response by design, no finding left out.
    return [
        f
        for f in inspection.findings
        if not f.kind.is_practice and all(f in routing.unseen for routing in routings)
    ]


def not_its_subject(inspection: Inspection, force: str, roster: Roster) -> bool:
    """Whether the report is clearly not the subject of `force`: a force it does not cover, to which (nor to
    all forces, its region's unit or PCCs) no finding is addressed. Its office's sign-off would answer
    nothing; a response is expected unless the force is clearly not the subject (as a PEEL of another
    force), and whoever starts one should hear so."""
    return force not in inspection.forces_covered and not route_for(inspection, force, roster).answered


def why_not_start_for(inspection: Inspection, starter_office: str, office: str, roster: Roster) -> str | None:
    """Why someone of `starter_office` may not start `office`'s sign-off of this report (None: they may).
    An office starts its own. Beside its own it may start its region's (the forces of a regional unit its
    force is of) for a report of that region: one covering or addressing the unit, or covering several of
    its forces, the other office's among them. A single force's report (another force's PEEL) is that
    office's to start, as is a report whose region is not the starter's."""
    if office == starter_office:
        return None
    starter_force, force = roster.force_of_office(starter_office), roster.force_of_office(office)
    shared = (
        roster.regional_units_of(starter_force) & roster.regional_units_of(force)
        if starter_force and force
        else frozenset()
    )
    if not shared:
        return "its force is not of your office's region"
    covered = set(inspection.forces_covered)
    addressed = {key for finding in inspection.findings for key in finding.addressed_to}
    for unit in shared:
        several = force in covered and len(covered & roster.unit_forces.get(unit, frozenset())) > 1
        if unit in covered or unit in addressed or several:
            return None
    return "the report is not one of your region's (it covers or addresses no regional unit, nor several of its forces)"


def signoff_findings(signoff: SignOff, roster: Roster) -> FindingRouting:
    """A stored sign-off's findings by the rule its sections were planned by: what its office answers, notes,
    prints as practice (the published document lists them from here)."""
    planned = {s.finding_ref for stage in signoff.stages for s in stage.sections if s.finding_ref}
    return route_for(signoff.inspection, signoff.force_org, roster, planned)


def check_addressees(inspection: Inspection, roster: Roster) -> None:
    """Refuse what routing cannot place: a multi-force report's finding that says nobody, or an
    addressee that is neither a word of Body nor a force or regional unit of the directory; and a grade
    given to an organisation that is not one either."""
    multi_force = len(inspection.forces_covered) > 1
    for key in inspection.forces_covered:
        # Findings that name nobody are the covered forces': an office's key or a misspelt force would
        # leave every such finding unanswered, and the published response without them.
        if (what := _not_a_force(key, roster)) is not None:
            raise InvalidInput(
                f"forces_covered names {key!r}, which is {what}; name the forces (or regional units) of "
                "the directory that the report inspects"
            )
    for finding in inspection.findings:
        if not finding.addressed_to and multi_force:
            raise InvalidInput(
                f"finding {finding.ref}: addressed_to is missing; this report covers "
                f"{len(inspection.forces_covered)} forces, so say whom it is addressed to "
                "(a force or regional unit of the directory, all-forces, pccs, or another body)"
            )
        for key in finding.organisations:
            if (what := _not_a_force(key, roster)) is not None:
                raise InvalidInput(
                    f"finding {finding.ref}: addressed_to names {key!r}, which is {what}; name a force or "
                    f"regional unit of the directory, or one of: {', '.join(sorted(BODY_WORDS))}"
                )
    for number, grade in enumerate(inspection.grades, start=1):
        if grade.organisation is None and multi_force:
            raise InvalidInput(
                f"grade {number} ({grade.area}): organisation is missing; this report covers "
                f"{len(inspection.forces_covered)} forces, so say which force or regional unit it grades"
            )
        if grade.organisation and _not_a_force(grade.organisation, roster) is not None:
            raise InvalidInput(
                f"grade {number} ({grade.area}): organisation {grade.organisation!r} is not a force or "
                "regional unit of the directory"
            )
        graded_force = roster.organisation_kind(grade.organisation or "") is OrganisationKind.FORCE
        if graded_force and grade.organisation not in inspection.forces_covered:
            raise InvalidInput(
                f"grade {number} ({grade.area}): {grade.organisation} is not among the forces the report "
                f"covers ({', '.join(inspection.forces_covered)}); grade a force it inspects"
            )
    _each_area_graded_once(inspection)
    for finding in inspection.findings:
        # A lead is checked against the forces answering when the office answers the finding; named on one
        # it only notes, they must still be someone: a mistyped address is not kept in silence.
        lead = roster.find_email(finding.lead) if finding.lead else None
        if finding.lead and (lead is None or not lead.active):
            raise InvalidInput(not_a_lead(finding.ref, finding.lead))


def not_a_lead(ref: str, lead: str) -> str:
    """The one refusal of a finding's lead, whoever the address is (nobody, someone who left, someone of
    another office): a starter of any office must not learn from it who is in the directory, nor where."""
    return (
        f"finding {ref}: lead {lead.strip()} is not a strategic lead (role 'strategic_lead') of a force "
        "answering the report"
    )


def _each_area_graded_once(inspection: Inspection) -> None:
    seen: dict[tuple[str, str], int] = {}
    # A grade naming nobody is the one force's, when the report covers one.
    only = inspection.forces_covered[0] if len(inspection.forces_covered) == 1 else ""
    for number, grade in enumerate(inspection.grades, start=1):
        key = (grade.organisation or only, " ".join(grade.area.lower().split()))
        if key in seen:
            raise InvalidInput(
                f"grade {number} ({grade.area}) grades what grade {seen[key]} grades already"
                + (f", for {grade.organisation}" if grade.organisation else "")
                + ": give each area one grade"
            )
        seen[key] = number


def _not_a_force(key: str, roster: Roster) -> str | None:
    """What the key is, in words, unless it is a force or a regional unit of the directory."""
    kind = roster.organisation_kind(key)
    if kind in (OrganisationKind.FORCE, OrganisationKind.REGIONAL_UNIT):
        return None
    return "not in the directory" if kind is None else _KIND_WORDS.get(kind, kind.value)


_KIND_WORDS = {
    OrganisationKind.PCC: "a PCC office (address its force instead)",
    OrganisationKind.INSPECTORATE: "an inspectorate",
    OrganisationKind.GOVERNMENT: "a government department (home-office is one of the words)",
}


def header_for_office(inspection: Inspection, force: str, roster: Roster) -> Inspection:
    """The report with its table's facts about the office of `force` (is the report specific to its force,
    is the force quoted, are there local or regional recommendations), as the publications watcher reads
    them for each office: what one starter answered for their own office is not every office's fact."""
    covered = set(inspection.forces_covered)
    units = {key for key in covered if roster.organisation_kind(key) is OrganisationKind.REGIONAL_UNIT}
    forces = covered - units
    regional = inspection.type is InspectionType.REGIONAL_SOC or bool(units)
    specific = force in covered and (len(forces) == 1 or regional)
    addressed = {key for finding in inspection.findings for key in addressees(finding, inspection)}
    scope = inspection.recommendations
    return inspection.model_copy(
        update={
            "force_specific": ForceSpecific(
                answer="yes" if specific else "no",
                note="Yes, as part of a regional inspection" if specific and regional else None,
            ),
            "force_quoted": "yes" if force in covered else "no",
            "recommendations": RecommendationScope(
                national=scope.national,
                local=force in addressed,
                regional=bool(addressed & roster.regional_units_of(force)),
            ),
        }
    )
