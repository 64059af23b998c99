"""The schema, and the imperative mapping of the domain's plain classes onto it.

The domain never imports this module. `map_domain()` runs once, from the composition root.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import registry, relationship

from signoff.adapters.column_types import ApprovalStepsJSON, EnumText, UTCDateTime
from signoff.domain.audit import AuditEvent
from signoff.domain.entities import ApprovalRequest, Decision, Delegation, Outcome, Revision, Section, Stage
from signoff.domain.outbox import OutgoingEmail
from signoff.domain.publication import Publication
from signoff.domain.signoff import SignOff
from signoff.domain.transitions import (
    OutboxState,
    ProposalState,
    RequestState,
    SectionState,
    SignoffState,
    StageState,
)
from signoff.domain.vocabulary import StageKind

# Named constraints, so that migrations on SQLite and PostgreSQL name them alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

organisations = Table(
    "organisations",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("area", String(100)),
    Column("force_key", String(64), ForeignKey("organisations.key")),
    # A regional unit's forces (a JSON list of keys); empty for every other kind.
    Column("forces", JSON),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("title", String(200), nullable=False, default=""),
    Column("organisation_key", String(64), ForeignKey("organisations.key"), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("escalation_contact", String(320)),
    Column("active", Boolean, nullable=False, default=True),
)

signoffs = Table(
    "signoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("inspection_key", String(120), nullable=False),
    Column("audit_identity", String(200), nullable=False),
    Column("inspection_data", JSON, nullable=False),
    Column("title", Text, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("pcc_org", String(64), ForeignKey("organisations.key"), nullable=False),
    Column("force_org", String(64), ForeignKey("organisations.key"), nullable=False),
    Column("statutory_last_day", Date, nullable=False),
    Column("publish_by", Date, nullable=False),
    Column("deadline_warning", Text),
    Column("working_hours", JSON, nullable=False),
    Column("state", EnumText(SignoffState), nullable=False, index=True),
    Column("started_by_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("withdrawn_reason", Text),
    Column("audit_count", Integer, nullable=False),
    Column("audit_head", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    # The next moment a deadline notice could fall due (domain/deadline_notices.py); the sweep reads
    # only the sign-offs whose moment has passed, through this index.
    Column("notices_due_from", UTCDateTime, index=True),
)
# One live sign-off per office and report: a withdrawn one leaves its report free to start again (0015).
# PostgreSQL's index has the same WHERE, made by the migration (the schema is made by migrations only):
# declaring it here would load PostgreSQL's dialect into every command (tests/unit/test_cli_imports.py).
_LIVE = text(f"state != '{SignoffState.WITHDRAWN.value}'")
Index(
    "uq_signoffs_live_report",
    signoffs.c.pcc_org,
    signoffs.c.inspection_key,
    unique=True,
    sqlite_where=_LIVE,
)

stages = Table(
    "stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", EnumText(StageKind), nullable=False),
    Column("state", EnumText(StageState), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("remind_at", UTCDateTime, nullable=False),
    Column("escalate_at", UTCDateTime, nullable=False),
    Column("remind_before_working_days", Integer, nullable=False),
    Column("escalate_after_working_days", Integer, nullable=False),
    Column("opened_at", UTCDateTime),
    Column("completed_at", UTCDateTime),
    UniqueConstraint("signoff_id", "key", name="uq_stages_signoff_key"),
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stage_id", Integer, ForeignKey("stages.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("finding_ref", String(40)),
    Column("state", EnumText(SectionState), nullable=False),
    Column("drafter_ids", JSON, nullable=False),
    Column("approval_steps", ApprovalStepsJSON, nullable=False),
    Column("approve_after_others", Boolean, nullable=False),
    Column("place_organisations", JSON),
    Column("awaiting_others", Boolean, nullable=False),
    Column("round", Integer, nullable=False),
    Column("last_activity_at", UTCDateTime),
    Column("stalled_at", UTCDateTime),
)

revisions = Table(
    "revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("section_id", Integer, ForeignKey("sections.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("author_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("section_id", "number", name="uq_revisions_section_number"),
)

approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("section_id", Integer, ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    Column("step", Integer, nullable=False),
    Column("approver_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("state", EnumText(RequestState), nullable=False),
    Column("revision_hash", String(64), nullable=False),
    Column("previously_approved_hash", String(64)),
    Column("due_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("activated_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("stalled_at", UTCDateTime),
    Index("ix_approval_requests_state_due_at", "state", "due_at"),
    Index("ix_approval_requests_approver_state", "approver_id", "state"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    # One decision per request, whatever races: the database refuses a second.
    Column(
        "request_id",
        Integer,
        ForeignKey("approval_requests.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("outcome", EnumText(Outcome), nullable=False),
    Column("comment", Text, nullable=False),
    Column("decided_by_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("on_behalf_of_id", Integer, ForeignKey("people.id")),
    Column("revision_hash", String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("people.id")),
    Column("on_behalf_of_id", Integer, ForeignKey("people.id")),
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("details", JSON, nullable=False),
    Column("revision_hash", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("signoff_id", "seq", name="uq_audit_events_signoff_seq"),
)

delegations = Table(
    "delegations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("from_person_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("to_person_id", Integer, ForeignKey("people.id"), nullable=False, index=True),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    # The organisation the delegation was made in (the delegator's, then): its administrators' to read,
    # whatever the directory later says of either person.
    Column("organisation", String(64)),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # The event and the recipient: a handler or flow that runs twice queues one email.
    Column("idempotency_key", String(400), nullable=False, unique=True),
    Column("event", String(64), nullable=False),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="SET NULL"), index=True),
    # Of no sign-off: whose business it is (Notice.organisation), for the administration's mail pages.
    Column("organisation", String(64)),
    Column("recipient_email", String(320), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("context", JSON, nullable=False),
    Column("state", EnumText(OutboxState), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(100)),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime),
    Column("message", LargeBinary),
    Index("ix_outbox_state_next_attempt_at", "state", "next_attempt_at"),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("published_by_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("folder", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("on_time", Boolean, nullable=False),
    Column("days_late", Integer, nullable=False),
    Column("note", Text, nullable=False),
    UniqueConstraint("signoff_id", "version", name="uq_publications_signoff_version"),
)

# ----- the web app (issue #6): sign-in links and the administration page's indexes -----

# A sign-in link: only the SHA-256 of its token is kept, so a copy of the database signs nobody in.
sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("next_path", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

# Every request for a link, known address or not: the rate limits count these.
sign_in_requests = Table(
    "sign_in_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(320), nullable=False),
    Column("client", String(100), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Index("ix_sign_in_requests_address_requested_at", "address", "requested_at"),
    Index("ix_sign_in_requests_client_requested_at", "client", "requested_at"),
)

# A signed-in session (issue #13): the cookie carries a random id, this row only its SHA-256, so a copy of
# the database signs nobody in; ending a session is setting ended_at, which no cookie can undo.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_reason", String(200)),
    Index("ix_web_sessions_person_id_ended_at", "person_id", "ended_at"),
)

# The administration page reads drafting sections by state and idle time across every sign-off.
Index("ix_sections_state_last_activity_at", sections.c.state, sections.c.last_activity_at)

# ----- the publications watcher (issue #18) -----

# A report proposed to an office: one per report address and office, whatever the runs that saw it.
proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_url", String(2000), nullable=False),
    Column("office", String(64), ForeignKey("organisations.key"), nullable=False),
    Column("concern", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("published_on", Date, nullable=False),
    Column("intake", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("state", EnumText(ProposalState), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_by", String(320)),
    Column("decided_at", UTCDateTime),
    Column("dismissed_because", Text),
    Column("signoff_id", Integer, ForeignKey("signoffs.id", ondelete="SET NULL")),
    UniqueConstraint("report_url", "office", name="uq_proposals_report_url_office"),
    Index("ix_proposals_office_state", "office", "state"),
)

# Every report the watcher read to the end (proposed or not), so the next run does not read it again.
watched_reports = Table(
    "watched_reports",
    metadata,
    Column("report_url", String(2000), primary_key=True),
    Column("title", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
)

# Each listing's consecutive failures: after enough, the administrators are told, once per run of failures.
watch_listings = Table(
    "watch_listings",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_error", Text),
    Column("last_failure_at", UTCDateTime),
    Column("last_read_at", UTCDateTime),
    Column("reported_at", UTCDateTime),
)


mapper_registry = registry(metadata=metadata)


def map_domain() -> None:
    """Instrument the domain classes. Safe to call more than once."""
    if getattr(SignOff, "__mapper__", None) is not None:
        return
    mapper_registry.map_imperatively(Revision, revisions)
    mapper_registry.map_imperatively(Publication, publications)
    mapper_registry.map_imperatively(Decision, decisions)
    mapper_registry.map_imperatively(
        ApprovalRequest,
        approval_requests,
        properties={
            "decision": relationship(Decision, uselist=False, lazy="selectin", cascade="all, delete-orphan"),
        },
    )
    mapper_registry.map_imperatively(
        Section,
        sections,
        properties={
            "revisions": relationship(
                Revision, order_by=revisions.c.number, lazy="selectin", cascade="all, delete-orphan"
            ),
            "requests": relationship(
                ApprovalRequest,
                order_by=approval_requests.c.id,
                lazy="selectin",
                cascade="all, delete-orphan",
            ),
        },
    )
    mapper_registry.map_imperatively(
        Stage,
        stages,
        properties={
            "sections": relationship(
                Section, order_by=sections.c.position, lazy="selectin", cascade="all, delete-orphan"
            ),
        },
    )
    mapper_registry.map_imperatively(
        SignOff,
        signoffs,
        properties={
            "stages": relationship(
                Stage, order_by=stages.c.position, lazy="selectin", cascade="all, delete-orphan"
            ),
            "publications": relationship(
                Publication,
                order_by=publications.c.version,
                # Read when first asked for (publishing, the sign-off's page): every decision loads its
                # sign-off, and none needs them.
                lazy="select",
                cascade="all, delete-orphan",
            ),
        },
        version_id_col=signoffs.c.version,
    )
    mapper_registry.map_imperatively(AuditEvent, audit_events)
    mapper_registry.map_imperatively(Delegation, delegations)
    mapper_registry.map_imperatively(OutgoingEmail, outbox)
