"""The inputs of every use case, validated at the boundary whatever the entry point (CLI, API, form)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from signoff.domain.inspection import Inspection, Key
from signoff.domain.model import MAX_SECTION_LENGTH, Outcome
from signoff.domain.text_fields import MultiLine, SingleLine, check_visible

SectionKey = Annotated[SingleLine, Field(min_length=1, max_length=64)]
Reason = Annotated[SingleLine, Field(min_length=1, max_length=2000), AfterValidator(check_visible)]
Note = Annotated[SingleLine, Field(max_length=2000)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class StartSignoff(_Command):
    inspection: Inspection
    started_by: EmailStr
    respond_for: list[Key] | None = Field(default=None, description="Overrides the file's respond_for.")


class SubmitRevision(_Command):
    signoff_id: int = Field(ge=1)
    section: SectionKey
    author: EmailStr
    body: MultiLine = Field(max_length=MAX_SECTION_LENGTH)
    note: Note = ""
    # The revision the text was written on (0: none yet), as the page showed it: a text saved over a
    # colleague's newer revision is refused rather than replacing it unseen. None where it is not said.
    base_revision: int | None = Field(default=None, ge=0, le=2_147_483_647)


class Decide(_Command):
    signoff_id: int = Field(ge=1)
    section: SectionKey
    actor: EmailStr
    outcome: Outcome
    comment: MultiLine = Field(default="", max_length=10_000)
    # The revision the person deciding read (their page sends it): a decision on a text revised since is
    # refused. None where the caller does not say (a command typed after `signoff section`, an API client).
    revision: int | None = Field(default=None, ge=1)


class Reassign(_Command):
    signoff_id: int = Field(ge=1)
    section: SectionKey
    from_person: EmailStr
    to_person: EmailStr
    admin: EmailStr


class ExtendDueDate(_Command):
    signoff_id: int = Field(ge=1)
    stage: SectionKey
    new_due_on: date
    admin: EmailStr
    allow_past_statutory: bool = False


class WithdrawSignoff(_Command):
    signoff_id: int = Field(ge=1)
    reason: Reason
    admin: EmailStr


class EndDelegation(_Command):
    delegation_id: int = Field(ge=1)
    by: EmailStr


class DelegateApprovals(_Command):
    from_person: EmailStr
    to_person: EmailStr
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Reason
    by: EmailStr


class PublishSignoff(_Command):
    signoff_id: int = Field(ge=1)
    by: EmailStr
    note: Note = Field(default="", description="For a correction: what was corrected (required then).")
    version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The version the publisher confirmed: refused, publishing nothing, once another is "
        "published since (a form sent twice).",
    )
