"""Read models: what the CLI prints (and, later, the web pages and the JSON API return)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class StageDue(BaseModel):
    key: str
    title: str
    due_on: date


class DeadlinePreview(BaseModel):
    published: date
    statutory_last_day: date
    publish_by: date
    warning: str | None
    stages: list[StageDue]


class RequestView(BaseModel):
    approver: str
    step: int
    state: str
    due_at: datetime
    decided_by: str | None = None
    on_behalf_of: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None


class SectionView(BaseModel):
    key: str
    title: str
    state: str
    finding_ref: str | None
    revision: int | None
    drafters: list[str]
    approval_plan: list[str]
    holders: list[str]
    requests: list[RequestView]


class StageView(BaseModel):
    key: str
    title: str
    state: str
    due_on: date
    sections: list[SectionView]


class SignoffSummary(BaseModel):
    id: int
    title: str
    pcc: str
    state: str
    published: date
    statutory_last_day: date
    publish_by: date
    current_stage: str | None


class PublicationView(BaseModel):
    version: int
    published_at: datetime
    published_on: date
    published_by: str
    folder: str
    manifest_sha256: str
    on_time: bool
    days_late: int
    note: str


class SignoffDetail(SignoffSummary):
    force: str
    deadline_warning: str | None
    withdrawn_reason: str | None
    stages: list[StageView]
    publications: list[PublicationView] = []


class RevisionView(BaseModel):
    number: int
    author: str
    created_at: datetime
    content_hash: str
    note: str


class SectionDetail(BaseModel):
    signoff_id: int
    section: SectionView
    finding_text: str | None
    body: str | None
    revisions: list[RevisionView]
    changes_since_approved: dict[str, list[str]]


class StalledItem(BaseModel):
    signoff_id: int
    title: str
    pcc: str
    stage: str
    section: str
    holder: str
    holder_organisation: str
    waiting_to: str
    due_at: datetime
    statutory_last_day: date
    flags: list[str]


class AuditReport(BaseModel):
    signoff_id: int
    events: int
    head: str
    intact: bool
    problems: list[str]
    # Rows of a sign-off begun before events bound rows: not contradicted, and not proved either.
    unproved: list[str] = []
    certificate_checked: bool = False
