"""The stage pipeline as configuration: stages, their sections, who drafts, who approves, when it is due."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from signoff.domain.directory import DirectoryConfig, OrganisationKind, RoleName
from signoff.domain.inspection import FindingKind, InspectionType, Key
from signoff.domain.text_fields import SingleLine

StageKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
SectionKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")]
Clock24 = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Party(StrEnum):
    """Whose organisation a role is looked up in, relative to the sign-off."""

    PCC = "pcc"
    FORCE = "force"


class Selector(_Strict):
    """Names people: one person by email, every holder of a role, or the finding's strategic lead."""

    person: EmailStr | None = None
    role: RoleName | None = None
    of: Party | None = None
    finding_lead: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Selector:
        chosen = [self.person is not None, self.role is not None, self.finding_lead]
        if sum(chosen) != 1:
            raise ValueError("name exactly one of: person, role (with of: pcc or force), finding_lead: true")
        if self.role is not None and self.of is None:
            raise ValueError(f"role {self.role!r} needs 'of: pcc' or 'of: force'")
        if self.role is None and self.of is not None:
            raise ValueError("'of' only goes with 'role'")
        return self

    def describe(self) -> str:
        if self.person:
            return self.person
        if self.role:
            return f"{self.role} ({self.of})"
        return "the finding's strategic lead"


class ApprovalRule(_Strict):
    approvers: list[Selector] = Field(min_length=1)
    order: Literal["parallel", "sequence"] = "parallel"
    require: Literal["all", "any"] | Annotated[int, Field(ge=1)] = "all"

    def steps(self) -> list[list[Selector]]:
        """Sequence: one step per approver, in order. Parallel: one step with everyone."""
        if self.order == "sequence":
            return [[selector] for selector in self.approvers]
        return [list(self.approvers)]


class SectionSpec(_Strict):
    key: SectionKey | None = None
    title: SingleLine | None = Field(default=None, max_length=200)
    per_finding: list[FindingKind] | None = Field(
        default=None,
        min_length=1,
        description="One section per finding of these kinds that the office answers (domain/routing.py), "
        "of those `addressed_to` names.",
    )
    addressed_to: Literal["force", "pccs"] = Field(
        default="force",
        description="On a per_finding section: which answered findings it takes. force (the default): "
        "those the force answers, addressed to it, to all forces or to its region's unit (with or "
        "without PCCs as well). pccs: those addressed to PCCs and not to the force, all forces or its "
        "region's unit, the office's own to answer: drafted and approved in the PCC office.",
    )
    national: Literal["each", "combined"] = Field(
        default="each",
        description="On a per_finding section: answer the findings addressed to all forces one by one "
        "(each), or in one section (combined) with this spec's key and title.",
    )
    for_noting: bool = Field(
        default=False,
        description="The commissioner's one comment on the findings for noting (addressed to other "
        "bodies); made only when the office's sign-off has such findings.",
    )
    drafter: Selector
    approval: ApprovalRule
    approve_after_others: bool = Field(
        default=False, description="Ask for approval only once every other section of the stage is approved."
    )

    @model_validator(mode="after")
    def _key_or_per_finding(self) -> SectionSpec:
        if self.per_finding is None and (self.key is None or self.title is None):
            raise ValueError("a fixed section needs a key and a title")
        if self.per_finding is not None:
            if any(kind.is_practice for kind in self.per_finding):
                raise ValueError(
                    "practice findings are printed, never answered: leave them out of per_finding"
                )
            if self.for_noting:
                raise ValueError("a for_noting section is one section; it takes no per_finding")
            if self.national == "combined" and (self.key is None or self.title is None):
                raise ValueError(
                    "national: combined needs a key and a title for the one section answering the findings "
                    "addressed to all forces"
                )
            if self.national == "each" and (self.key is not None or self.title is not None):
                raise ValueError(
                    "a per_finding section takes its key from each finding; leave out key and title"
                )
        elif self.national != "each":
            raise ValueError("national only goes with per_finding")
        if self.addressed_to == "pccs":
            self._answered_in_the_office()
        return self

    def _answered_in_the_office(self) -> None:
        """A finding addressed to PCCs alone is the office's to answer: nobody of the force drafts or
        approves it (a force role, or the finding's strategic lead, who is of the force)."""
        if self.per_finding is None:
            raise ValueError("addressed_to only goes with per_finding")
        if self.national == "combined":
            raise ValueError(
                "national: combined answers the findings addressed to all forces, which the force "
                "answers; a section addressed_to: pccs takes none of them"
            )
        for name, selector in [
            ("drafter", self.drafter),
            *(("approver", a) for a in self.approval.approvers),
        ]:
            if selector.finding_lead or selector.of == Party.FORCE:
                raise ValueError(
                    f"addressed_to: pccs: the {name} {selector.describe()} is of the force; a finding "
                    "addressed to PCCs is the office's to answer: name a role of: pcc or a person of the office"
                )


class DueRule(_Strict):
    after_start_working_days: int | None = Field(default=None, ge=0, le=60)
    after_previous_working_days: int | None = Field(default=None, ge=0, le=60)
    before_statutory_working_days: int | None = Field(default=None, ge=0, le=60)

    @model_validator(mode="after")
    def _exactly_one(self) -> DueRule:
        given = [
            v
            for v in (
                self.after_start_working_days,
                self.after_previous_working_days,
                self.before_statutory_working_days,
            )
            if v is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of after_start_working_days, after_previous_working_days, "
                "before_statutory_working_days"
            )
        return self


class StageSpec(_Strict):
    key: StageKey
    title: SingleLine = Field(min_length=1, max_length=200)
    kind: Literal["approval", "publication"] = "approval"
    due: DueRule
    remind_before_working_days: int = Field(default=2, ge=0, le=20)
    escalate_after_working_days: int = Field(default=1, ge=0, le=20)
    sections: list[SectionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _sections_fit_kind(self) -> StageSpec:
        if sum(section.approve_after_others for section in self.sections) > 1:
            raise ValueError(
                f"stage {self.key!r}: only one section may approve_after_others; two would wait for each other"
            )
        if self.kind == "approval" and not self.sections:
            raise ValueError(f"approval stage {self.key!r} needs at least one section")
        if self.kind == "publication" and self.sections:
            raise ValueError(f"publication stage {self.key!r} takes no sections")
        return self


class Monitoring(_Strict):
    due_soon_working_days: int = Field(default=3, ge=0, le=30)
    idle_after_working_days: int = Field(default=5, ge=1, le=60)


class WorkingHours(_Strict):
    timezone: Literal["Europe/London"] = "Europe/London"
    due_time: Clock24 = "17:00"
    notice_time: Clock24 = Field(default="09:00", description="When reminders and escalations fall due.")


def _check_stages(stages: list[StageSpec]) -> None:
    keys = [stage.key for stage in stages]
    if len(set(keys)) != len(keys):
        raise ValueError("two stages share a key")
    publication = [stage for stage in stages if stage.kind == "publication"]
    if len(publication) != 1 or stages[-1].kind != "publication":
        raise ValueError("the last stage, and only the last, must be of kind: publication")
    if stages[0].due.after_previous_working_days is not None:
        raise ValueError(f"the first stage {keys[0]!r} has no previous stage to be due after")
    section_keys = [s.key for stage in stages for s in stage.sections if s.key]
    if len(set(section_keys)) != len(section_keys):
        raise ValueError("two sections share a key")
    if sum(s.for_noting for stage in stages for s in stage.sections) > 1:
        raise ValueError("only one section may be for_noting: the commissioner comments on them once")
    _check_per_finding(stages)


def _check_per_finding(stages: list[StageSpec]) -> None:
    """Each answered finding gets exactly one section: a kind is taken by one per_finding spec for the
    force and one for PCCs at most; and a kind answered per finding for the force is answered for PCCs
    too, so that a finding addressed to PCCs never falls to the force nor goes unanswered."""
    taken: dict[tuple[str, FindingKind], str] = {}
    for stage in stages:
        for index, section in enumerate(stage.sections):
            for kind in section.per_finding or ():
                where = f"stages[{stage.key}].sections[{index}]"
                earlier = taken.setdefault((section.addressed_to, kind), where)
                if earlier != where:
                    raise ValueError(
                        f"{where} and {earlier} both take the {kind.value} findings addressed to "
                        f"{section.addressed_to}: each finding has one section; take it in one of them"
                    )
    missing = sorted(
        (kind.value, where)
        for (addressed_to, kind), where in taken.items()
        if addressed_to == "force" and ("pccs", kind) not in taken
    )
    if missing:
        kinds = ", ".join(kind for kind, _where in missing)
        raise ValueError(
            f"{missing[0][1]} answers the {kinds} findings per finding for the force, but no section takes "
            f"those addressed to PCCs, which are the office's own to answer: add a section with "
            f"per_finding: [{kinds}] and addressed_to: pccs, drafted and approved in the PCC office "
            "(in the commissioner's response stage, say)"
        )


Title = Annotated[SingleLine, Field(min_length=1, max_length=200)]


class OfficeTitles(_Strict):
    """What one office calls a stage or a fixed section, where not the pipeline's title: a Mayor's office
    has no Commissioner, and its response is "The Mayor's response" in its emails, pages and record."""

    stages: dict[StageKey, Title] = Field(default_factory=dict)
    sections: dict[SectionKey, Title] = Field(default_factory=dict)


def _retitled(stages: list[StageSpec], titles: OfficeTitles) -> list[StageSpec]:
    return [
        stage.model_copy(
            update={
                "title": titles.stages.get(stage.key, stage.title),
                "sections": [
                    section.model_copy(update={"title": titles.sections[section.key]})
                    if section.key is not None and section.key in titles.sections
                    else section
                    for section in stage.sections
                ],
            }
        )
        for stage in stages
    ]


class Pipeline(_Strict):
    stages: list[StageSpec] = Field(min_length=2)
    monitoring: Monitoring = Monitoring()
    working_hours: WorkingHours = WorkingHours()
    # By office key: the titles an office gives stages and sections of every pipeline (config/pipelines/
    # inherit them). A key that no pipeline has is refused when the pipelines are loaded.
    office_titles: dict[Key, OfficeTitles] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shape(self) -> Pipeline:
        _check_stages(self.stages)
        return self

    def for_office(self, office: str) -> Pipeline:
        """The pipeline as `office` names its stages and sections: what a sign-off of theirs is planned with."""
        titles = self.office_titles.get(office)
        if titles is None:
            return self
        return self.model_copy(update={"stages": _retitled(self.stages, titles)})

    def problems_with(self, directory: DirectoryConfig) -> list[str]:
        """Roles or people the pipeline names that the directory does not have."""
        emails = {person.email for person in directory.people}
        problems: list[str] = []
        for stage in self.stages:
            for index, section in enumerate(stage.sections):
                where = f"stages[{stage.key}].sections[{section.key or index}]"
                for selector in [section.drafter, *section.approval.approvers]:
                    if selector.role and selector.role not in directory.roles:
                        problems.append(f"{where}: unknown role {selector.role!r}")
                    if selector.person and selector.person.lower() not in emails:
                        problems.append(f"{where}: unknown person {selector.person}")
        offices = {org.key for org in directory.organisations if org.kind is OrganisationKind.PCC}
        problems.extend(
            f"office_titles: {office!r} is not a PCC office of the directory"
            for office in self.office_titles
            if office not in offices
        )
        return problems


class TypePipeline(_Strict):
    """A pipeline for some inspection types (config/pipelines/NAME.yaml): its stages replace the
    default's; working hours, monitoring and office titles are the default's (config/pipeline.yaml)."""

    for_types: list[InspectionType] = Field(min_length=1)
    stages: list[StageSpec] = Field(min_length=2)

    @model_validator(mode="after")
    def _shape(self) -> TypePipeline:
        if len(set(self.for_types)) != len(self.for_types):
            raise ValueError("for_types names a type twice")
        _check_stages(self.stages)
        return self

    def with_defaults(self, default: Pipeline) -> Pipeline:
        return Pipeline(
            stages=self.stages,
            monitoring=default.monitoring,
            working_hours=default.working_hours,
            office_titles=default.office_titles,
        )


class PipelineChoice(_Strict):
    """The default pipeline, and the pipeline for each inspection type another file claims."""

    default: Pipeline
    by_type: dict[InspectionType, Pipeline] = Field(default_factory=dict)
    # Which file each type's pipeline came from, for messages and `signoff config`.
    sources: dict[InspectionType, str] = Field(default_factory=dict)

    def for_type(self, inspection_type: InspectionType) -> Pipeline:
        return self.by_type.get(inspection_type, self.default)

    def all(self) -> list[Pipeline]:
        """Every distinct pipeline, the default first."""
        found = [self.default]
        for pipeline in self.by_type.values():
            if all(pipeline is not seen for seen in found):
                found.append(pipeline)
        return found
