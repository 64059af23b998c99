"""What the publications watcher read: the listing's reports, and one report's intake with what it could not place.

Pure data. The reading itself (HTML, the Atom feed, a PDF's text) is the adapters' (adapters/publications/);
which office a reading concerns, and the intake proposed to it, are domain/watch.py's.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from signoff.domain.errors import SignoffError
from signoff.domain.inspection import Finding, Grade, InspectionType, Inspectorate, Key
from signoff.domain.text_fields import MultiLine, SingleLine


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ListedReport(_Strict):
    """One item of the inspectorate's listing: where its page is, and what the listing says of it."""

    url: SingleLine = Field(min_length=1, max_length=2000)
    title: SingleLine = Field(min_length=1, max_length=2000)
    published: date | None = None
    type_label: SingleLine | None = Field(default=None, max_length=200)


class ReadingFlag(_Strict):
    """A part of the report the reader could not place with confidence: a person checks it."""

    where: SingleLine = Field(max_length=300, description="The part, as the report prints it.")
    problem: SingleLine = Field(max_length=500, description="What the reader could not place, and why.")
    text: MultiLine = Field(default="", max_length=20_000, description="The words it could not place.")


class ReportReading(_Strict):
    """Everything the reader took from one report's page (and its PDF, where the findings are only there)."""

    report_url: SingleLine = Field(min_length=1, max_length=2000)
    title: SingleLine = Field(min_length=1, max_length=2000)
    published: date
    type: InspectionType | None = Field(
        description="None when the publication is not an inspection report (a consultation, a plan)."
    )
    type_label: SingleLine | None = Field(default=None, max_length=80)
    inspectorates: list[Inspectorate] = Field(default_factory=lambda: [Inspectorate.HMICFRS])
    covered: list[Key] = Field(
        default_factory=list, description="The directory's forces and regional units the report covers."
    )
    named: list[Key] = Field(
        default_factory=list, description="The directory's forces named anywhere in the report's text."
    )
    other_forces: list[SingleLine] = Field(
        default_factory=list, description="Forces the report covers that the directory does not hold."
    )
    grades: list[Grade] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    flags: list[ReadingFlag] = Field(default_factory=list)
    pdf_url: SingleLine | None = Field(default=None, max_length=2000)

    @property
    def is_report(self) -> bool:
        return self.type is not None


class PublicationUnreadable(SignoffError):
    """A listing, page or PDF could not be fetched or read: the message names the address and the problem."""
