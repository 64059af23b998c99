"""The certificate of completion as data: every section's final revision, each approval of it, the audit head.

Pure: built from a sign-off and the directory; rendered by templates/documents/certificate.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from signoff.domain.directory import Roster
from signoff.domain.model import SignOff
from signoff.domain.transitions import RequestState


@dataclass(frozen=True)
class CertifiedApproval:
    approver: str
    approver_email: str
    on_behalf_of: str | None
    decided_at: datetime
    revision_hash: str
    on_behalf_of_email: str | None = None


@dataclass(frozen=True)
class CertifiedSection:
    key: str
    title: str
    revision: int
    content_hash: str
    author: str
    submitted_at: datetime
    approvals: tuple[CertifiedApproval, ...]


@dataclass(frozen=True)
class Certificate:
    signoff_id: int | None
    office: str
    inspection_title: str
    statutory_last_day: date
    sections: tuple[CertifiedSection, ...]
    audit_events: int
    audit_head: str
    issued_at: datetime
    version: int

    def as_json(self) -> dict[str, object]:
        """The facts `signoff audit verify --certificate` checks against the database."""
        return {
            "signoff_id": self.signoff_id,
            "version": self.version,
            "issued_at": self.issued_at.isoformat(),
            "audit": {"events": self.audit_events, "head": self.audit_head},
            "sections": [
                {
                    "key": s.key,
                    "revision": s.revision,
                    "content_hash": s.content_hash,
                    "approvals": [
                        {
                            "approver": a.approver_email,
                            "on_behalf_of": a.on_behalf_of_email,
                            "decided_at": a.decided_at.isoformat(),
                            "revision_hash": a.revision_hash,
                        }
                        for a in s.approvals
                    ],
                }
                for s in self.sections
            ],
        }


def build_certificate(signoff: SignOff, roster: Roster, *, issued_at: datetime, version: int) -> Certificate:
    """Every section's final revision, each approval of it (who, for whom, when), and the audit head."""
    sections: list[CertifiedSection] = []
    for stage in signoff.ordered_stages():
        for section in stage.ordered_sections():
            revision = section.current_revision
            if revision is None:
                continue
            approvals = tuple(
                CertifiedApproval(
                    approver=roster.by_id(r.decision.decided_by_id).name,
                    approver_email=roster.by_id(r.decision.decided_by_id).email,
                    on_behalf_of=roster.by_id(r.decision.on_behalf_of_id).name
                    if r.decision.on_behalf_of_id
                    else None,
                    decided_at=r.decision.decided_at,
                    revision_hash=r.decision.revision_hash,
                    on_behalf_of_email=roster.by_id(r.decision.on_behalf_of_id).email
                    if r.decision.on_behalf_of_id
                    else None,
                )
                for r in section.current_requests()
                if r.state is RequestState.APPROVED and r.decision is not None
            )
            sections.append(
                CertifiedSection(
                    key=section.key,
                    title=section.title,
                    revision=revision.number,
                    content_hash=revision.content_hash,
                    author=roster.by_id(revision.author_id).name,
                    submitted_at=revision.created_at,
                    approvals=approvals,
                )
            )
    return Certificate(
        signoff_id=signoff.id,
        office=roster.organisation_name(signoff.pcc_org),
        inspection_title=signoff.title,
        statutory_last_day=signoff.statutory_last_day,
        sections=tuple(sections),
        audit_events=signoff.audit_count,
        audit_head=signoff.audit_head,
        issued_at=issued_at,
        version=version,
    )
