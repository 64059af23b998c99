"""Who takes part: organisations, people and the roles they hold, as configured."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from signoff.domain.inspection import Key
from signoff.domain.text_fields import SingleLine

RoleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]

# The role that may reassign, extend and withdraw within its own PCC office.
ADMIN_ROLE = "pcc_admin"
# The PCC office's policy officers: they start sign-offs, publish, and hear of proposed reports.
POLICY_OFFICER_ROLE = "policy_officer"


class OrganisationKind(StrEnum):
    PCC = "pcc"
    FORCE = "force"
    REGIONAL_UNIT = "regional_unit"
    INSPECTORATE = "inspectorate"
    GOVERNMENT = "government"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class OrganisationConfig(_Strict):
    key: Key
    name: SingleLine = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    area: SingleLine | None = Field(
        default=None, max_length=100, description="The policing area, e.g. Cheshire."
    )
    force: Key | None = Field(default=None, description="For a PCC office: the force it oversees.")
    forces: list[Key] = Field(
        default_factory=list,
        max_length=60,
        description="For a regional unit: the forces of its region, whose offices answer what is addressed to it.",
    )

    @model_validator(mode="after")
    def _pcc_has_force(self) -> OrganisationConfig:
        if self.kind is OrganisationKind.PCC and self.force is None:
            raise ValueError(f"PCC office {self.key!r} must name the force it oversees (force: ...)")
        if self.forces and self.kind is not OrganisationKind.REGIONAL_UNIT:
            raise ValueError(
                f"organisation {self.key!r}: only a regional unit lists the forces of its region"
            )
        if len(set(self.forces)) != len(self.forces):
            raise ValueError(f"regional unit {self.key!r} names a force twice")
        return self


class PersonConfig(_Strict):
    email: EmailStr
    name: SingleLine = Field(min_length=1, max_length=200)
    title: SingleLine = Field(default="", max_length=200)
    organisation: Key
    roles: list[RoleName] = Field(default_factory=list)
    escalation_contact: EmailStr | None = None

    @field_validator("email", "escalation_contact")
    @classmethod
    def _lowercase(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class DirectoryConfig(_Strict):
    roles: dict[RoleName, SingleLine] = Field(min_length=1)
    organisations: list[OrganisationConfig] = Field(min_length=1)
    people: list[PersonConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> DirectoryConfig:
        orgs = {org.key: org for org in self.organisations}
        if len(orgs) != len(self.organisations):
            raise ValueError("two organisations share a key")
        for org in self.organisations:
            if org.force is not None:
                force = orgs.get(org.force)
                if force is None or force.kind is not OrganisationKind.FORCE:
                    raise ValueError(
                        f"organisation {org.key!r} names force {org.force!r}, which is not a force"
                    )
            for member in org.forces:
                force = orgs.get(member)
                if force is None or force.kind is not OrganisationKind.FORCE:
                    raise ValueError(
                        f"regional unit {org.key!r}: forces names {member!r}, which is not a force of the directory"
                    )
        emails = [person.email for person in self.people]
        duplicates = sorted({email for email in emails if emails.count(email) > 1})
        if duplicates:
            raise ValueError(f"people listed twice: {', '.join(duplicates)}")
        for person in self.people:
            if person.organisation not in orgs:
                raise ValueError(f"{person.email}: unknown organisation {person.organisation!r}")
            unknown = [role for role in person.roles if role not in self.roles]
            if unknown:
                raise ValueError(f"{person.email}: unknown role {', '.join(map(repr, unknown))}")
            if person.escalation_contact and person.escalation_contact not in emails:
                raise ValueError(
                    f"{person.email}: escalation contact {person.escalation_contact} is not listed"
                )
        return self


@dataclass(frozen=True)
class Participant:
    """A person as the domain sees them when resolving who drafts and who approves."""

    id: int
    email: str
    name: str
    organisation: str
    roles: frozenset[str]
    active: bool = True
    title: str = ""
    escalation_contact: str | None = None


@dataclass(frozen=True)
class Roster:
    """Everyone the domain may name, looked up by id, email or role; and the organisations' names."""

    participants: tuple[Participant, ...]
    organisation_names: dict[str, str] = field(default_factory=dict, compare=False)
    organisation_areas: dict[str, str] = field(default_factory=dict, compare=False)
    # Each PCC office's force: the two organisations whose people take part in the office's sign-offs.
    office_forces: dict[str, str] = field(default_factory=dict, compare=False)
    # What kind each organisation is (OrganisationKind's values), and each regional unit's forces: whom
    # a finding's `addressed_to` may name, and which offices answer a regional unit's findings.
    organisation_kinds: dict[str, str] = field(default_factory=dict, compare=False)
    unit_forces: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)
    _by_id: dict[int, Participant] = field(init=False, repr=False, compare=False)
    _by_email: dict[str, Participant] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.participants})
        object.__setattr__(self, "_by_email", {p.email: p for p in self.participants})

    def by_id(self, person_id: int) -> Participant:
        return self._by_id[person_id]

    def find_email(self, email: str) -> Participant | None:
        return self._by_email.get(email.strip().lower())

    def holders(self, role: str, organisation: str) -> list[Participant]:
        return [
            p for p in self.participants if p.active and p.organisation == organisation and role in p.roles
        ]

    def is_admin_of(self, person_id: int, organisation: str) -> bool:
        person = self._by_id.get(person_id)
        return bool(
            person and person.active and person.organisation == organisation and ADMIN_ROLE in person.roles
        )

    def organisation_name(self, key: str) -> str:
        return self.organisation_names.get(key, key)

    def organisation_area(self, key: str) -> str | None:
        """The policing area an organisation serves ('Cheshire'), when the directory says."""
        return self.organisation_areas.get(key)

    def force_of_office(self, key: str) -> str | None:
        """The force a PCC office oversees; None for any organisation that is not a PCC office."""
        return self.office_forces.get(key)

    def organisation_kind(self, key: str) -> OrganisationKind | None:
        kind = self.organisation_kinds.get(key)
        return OrganisationKind(kind) if kind is not None else None

    def regional_units_of(self, force: str) -> frozenset[str]:
        """The regional units whose region includes `force`."""
        return frozenset(unit for unit, forces in self.unit_forces.items() if force in forces)

    def escalation_contact_of(self, person_id: int) -> Participant | None:
        person = self._by_id.get(person_id)
        if person is None or person.escalation_contact is None:
            return None
        contact = self.find_email(person.escalation_contact)
        return contact if contact is not None and contact.active else None

    def admins_of(self, organisation: str) -> list[Participant]:
        return self.holders(ADMIN_ROLE, organisation)

    def describe(self, person_id: int) -> str:
        person = self._by_id.get(person_id)
        return f"{person.name} <{person.email}>" if person else f"person #{person_id}"
