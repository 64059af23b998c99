"""Anyone checks a certificate of completion against the record, without signing in.

The verdict is `signoff audit verify --certificate`'s own (`verify_audit`: the audit chain, the rows it
binds, and the certificate exactly); what a member of the public is told of a mismatch is phrased in the
certificate's own terms (`public_findings`), so the page reveals nothing the certificate does not say.
A certificate for a sign-off that is not published gets the same answer whether or not it exists.
"""

from __future__ import annotations

from pydantic import BaseModel

from signoff.domain.certificate_check import CertificateClaims, roster_as_published
from signoff.domain.errors import NotFound
from signoff.domain.public_certificate_check import UNEXPLAINED, public_findings
from signoff.domain.transitions import SignoffState
from signoff.service.dependencies import Dependencies
from signoff.service.queries.audit_verify import published_certificate, verify_audit


class CertificateVerdict(BaseModel):
    signoff_id: int
    version: int
    # The response's public page, when the certificate names a published response.
    published: bool
    title: str | None
    matches: bool
    findings: list[str]


def check_certificate_publicly(claims: CertificateClaims, deps: Dependencies) -> CertificateVerdict:
    facts = claims.facts
    with deps.new_unit_of_work() as uow:
        try:
            signoff = uow.signoffs.get(facts.signoff_id)
        except NotFound:
            signoff = None
        if signoff is None or signoff.state is not SignoffState.PUBLISHED or not signoff.publications:
            return CertificateVerdict(
                signoff_id=facts.signoff_id,
                version=facts.version,
                published=False,
                title=None,
                matches=False,
                findings=[f"No response numbered {facts.signoff_id} is published here."],
            )
        issued = published_certificate(signoff, facts.version, deps)
        roster = roster_as_published(uow.directory.roster(), signoff, issued)
        events = uow.signoffs.audit_events(facts.signoff_id)
        findings = public_findings(claims, signoff, events, roster, issued)
        title = signoff.title
    report = verify_audit(facts.signoff_id, deps, claims)
    if report.intact:
        findings = []
    elif not findings:
        findings = [UNEXPLAINED]
    return CertificateVerdict(
        signoff_id=facts.signoff_id,
        version=facts.version,
        published=True,
        title=title,
        matches=report.intact,
        findings=findings,
    )
