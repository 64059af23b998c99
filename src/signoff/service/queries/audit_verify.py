"""Check a sign-off's stored record against its audit chain, and a certificate against the record.

The chain proves the events; the events bind the rows (revisions, approval requests, decisions,
publications), so a hand edit to any of them is named with its table, row and sign-off.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from signoff.domain.audit import chain_problems
from signoff.domain.audit_binding import binding_problems
from signoff.domain.certificate_check import CertificateClaims, certificate_problems, roster_as_published
from signoff.domain.model import SignOff
from signoff.service.dependencies import Dependencies


class AuditReport(BaseModel):
    signoff_id: int
    events: int
    head: str
    intact: bool
    problems: list[str]
    # Rows of a sign-off begun before events bound rows: not contradicted, and not proved either.
    unproved: list[str] = []
    certificate_checked: bool = False


def verify_audit(
    signoff_id: int, deps: Dependencies, certificate: CertificateClaims | None = None
) -> AuditReport:
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        events = uow.signoffs.audit_events(signoff_id)
        problems = chain_problems(
            signoff.audit_identity,
            events,
            signoff.audit_head,
            signoff.audit_count,
            signoff_id=signoff_id,
        )
        rows = binding_problems(signoff, events)
        problems += rows.problems
        if certificate is not None:
            issued = published_certificate(signoff, certificate.facts.version, deps)
            roster = roster_as_published(uow.directory.roster(), signoff, issued)
            problems += certificate_problems(certificate, signoff, events, roster, issued)
        return AuditReport(
            signoff_id=signoff_id,
            events=len(events),
            head=signoff.audit_head,
            intact=not problems,
            problems=problems,
            unproved=rows.unproved,
            certificate_checked=certificate is not None,
        )


def published_certificate(signoff: SignOff, version: int, deps: Dependencies) -> CertificateClaims | None:
    """The certificate.html published with the version, as its manifest recorded it (None: no such
    version, or its file is gone or changed): the names it was published with (roster_as_published), and
    the page an HTML certificate of that version must be."""
    publication = next((p for p in signoff.publications if p.version == version), None)
    if publication is None:
        return None
    return deps.publications.published_certificate(Path(publication.folder), publication.manifest_sha256)
