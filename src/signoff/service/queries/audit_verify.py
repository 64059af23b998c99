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
from signoff.domain.directory import Roster
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
            roster = names_as_published(signoff, certificate.facts.version, uow.directory.roster(), deps)
            problems += certificate_problems(certificate, signoff, events, roster)
        return AuditReport(
            signoff_id=signoff_id,
            events=len(events),
            head=signoff.audit_head,
            intact=not problems,
            problems=problems,
            unproved=rows.unproved,
            certificate_checked=certificate is not None,
        )


def names_as_published(signoff: SignOff, version: int, roster: Roster, deps: Dependencies) -> Roster:
    """The roster with the names the version's certificate was published with (see roster_as_published)."""
    publication = next((p for p in signoff.publications if p.version == version), None)
    if publication is None:
        return roster
    published = deps.publications.published_certificate(Path(publication.folder), publication.manifest_sha256)
    return roster_as_published(roster, signoff, published)
