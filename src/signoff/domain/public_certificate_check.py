"""Why a certificate does not match the record, told to anyone: in the certificate's own terms only.

`certificate_problems` is the office's check (`signoff audit verify --certificate`): it names the record's
side too (the final revision and its hash, who approved and when). A public page may say no more than
the certificate itself says, so each finding here quotes only the certificate's claims and says of the
record only that it differs, never what it holds. The verdict itself is `certificate_problems`'s (with
the audit chain's): these findings only explain it.
"""

from __future__ import annotations

from collections.abc import Sequence

from signoff.domain.audit import AuditEvent
from signoff.domain.certificate_check import (
    NOTHING_MORE,
    UNREADABLE,
    CertificateClaims,
    CertificateFacts,
    VisibleCertificate,
    collapsed,
    page_difference,
    shown_approval,
    shown_header,
    shown_section,
)
from signoff.domain.directory import Roster
from signoff.domain.document import Certificate, build_certificate, document_moment
from signoff.domain.model import SignOff

# When the check fails for a reason the findings below do not single out.
UNEXPLAINED = "It differs from the record of this response."


def public_findings(
    claims: CertificateClaims,
    signoff: SignOff,
    events: Sequence[AuditEvent],
    roster: Roster,
    issued: CertificateClaims | None = None,
) -> list[str]:
    """What in the certificate disagrees with the record, phrased with the certificate's facts alone (and
    the page published with its version, public too: `issued`)."""
    facts = claims.facts
    publication = next((p for p in signoff.publications if p.version == facts.version), None)
    if publication is None:
        return [f"This response has no published version {facts.version}."]
    findings: list[str] = []
    if publication.published_at != facts.issued_at:
        findings.append(
            f"It says it was issued at {document_moment(facts.issued_at)}, which is not when version "
            f"{facts.version} was published."
        )
    ordered = sorted(events, key=lambda e: e.seq)
    seq = facts.audit.events
    if seq > len(ordered) or ordered[seq - 1].hash != facts.audit.head:
        findings.append(
            f"The audit head it gives ({facts.audit.head[:12]}…, event {seq}) is not in the record."
        )
    expected = build_certificate(signoff, roster, issued_at=facts.issued_at, version=facts.version)
    findings += _section_findings(facts, expected)
    if claims.visible is not None:
        findings += _visible_findings(claims.visible, expected, facts)
        if (difference := page_difference(claims, issued)) is not None:
            # Its own words only: the published page is public, but this page says no more than it is given.
            shown, published = difference
            where = (
                "that page cannot be read here, so this one cannot be compared with it"
                if published == UNREADABLE
                else "it ends before it does"
                if shown == NOTHING_MORE
                else f"it departs from it at {shown}"
            )
            findings.append(
                f"The page is not the certificate published with version {facts.version}: {where}."
            )
    return findings


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else f"{count} {many}"


def _section_findings(facts: CertificateFacts, expected: Certificate) -> list[str]:
    findings: list[str] = []
    recorded = {s.key: s for s in expected.sections}
    claimed_keys = [s.key for s in facts.sections]
    missing = sum(1 for key in recorded if key not in claimed_keys)
    if missing:
        findings.append(f"It leaves out {_plural(missing, 'a section', 'sections')} of the response.")
    for key in sorted({k for k in claimed_keys if claimed_keys.count(k) > 1}):
        findings.append(f"Section {key!r} appears more than once.")
    if not findings and claimed_keys != [k for k in recorded if k in claimed_keys]:
        findings.append("Its sections are not in the order of the record.")
    for claimed in facts.sections:
        section = recorded.get(claimed.key)
        if section is None:
            findings.append(f"Section {claimed.key!r} is not a section of this response.")
            continue
        if claimed.revision != section.revision or claimed.content_hash != section.content_hash:
            findings.append(
                f"Section {claimed.key!r}: the text it certifies (revision {claimed.revision}, "
                f"SHA-256 {claimed.content_hash[:12]}…) is not the approved text."
            )
        given = [(a.approver, a.on_behalf_of, a.decided_at, a.revision_hash) for a in claimed.approvals]
        wanted = [
            (a.approver_email, a.on_behalf_of_email, a.decided_at, a.revision_hash) for a in section.approvals
        ]
        for approver, on_behalf_of, decided_at, _hash in (a for a in given if a not in wanted):
            who = f"{approver} on behalf of {on_behalf_of}" if on_behalf_of else approver
            findings.append(
                f"Section {claimed.key!r}: no approval by {who} at {document_moment(decided_at)} of the text it "
                "gives is recorded."
            )
        left_out = sum(1 for a in wanted if a not in given)
        if left_out:
            findings.append(
                f"Section {claimed.key!r}: it leaves out {_plural(left_out, 'an approval', 'approvals')} "
                "that the record holds."
            )
        elif sorted(given, key=repr) == sorted(wanted, key=repr) and given != wanted:
            findings.append(f"Section {claimed.key!r}: its approvals are not in the order of the record.")
    return findings


def _visible_findings(
    visible: VisibleCertificate, expected: Certificate, facts: CertificateFacts
) -> list[str]:
    """The words the page shows against the record: which shown fact differs, never the record's value."""
    findings = _differing(visible.facts, shown_header(expected, facts), "The page shows")
    if len(visible.sections) != len(expected.sections):
        findings.append("The page shows a number of sections that is not the record's.")
    for number, (seen, section) in enumerate(zip(visible.sections, expected.sections, strict=False), start=1):
        where = f"The page shows, for section {number},"
        findings += _differing(seen.facts, shown_section(section), where)
        if len(seen.approvals) != len(section.approvals):
            findings.append(f"{where} a number of approvals that is not the record's.")
        for index, (row, approval) in enumerate(
            zip(seen.approvals, section.approvals, strict=False), start=1
        ):
            findings += _differing(row.facts, shown_approval(approval), f"{where} approval {index},")
    return findings


def _differing(seen: dict[str, list[str]], wanted: dict[str, str], where: str) -> list[str]:
    findings: list[str] = []
    for name, value in wanted.items():
        label = name.replace("_", " ")
        texts = seen.get(name, [])
        if not texts:
            findings.append(f"{where} no {label}.")
        elif any(text != collapsed(value) for text in texts):
            findings.append(f"{where} {_a(label)} that is not the record's.")
    for name in sorted(set(seen) - set(wanted)):
        findings.append(f"{where} {_a(name.replace('_', ' '))} that a certificate does not hold.")
    return findings


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in ('a', 'e', 'i', 'o', 'u') else 'a'} {noun}"
