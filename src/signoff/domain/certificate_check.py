"""Checking a certificate of completion against the record: exactly, and as a person reads it.

A certificate claims facts in two forms: the data (certificate.json, or the JSON embedded in
certificate.html) and, in the HTML, the words a reader sees. Both must be exactly what the record
says: the same sections in the same order, each with its final revision and every approval of it, no
more and no fewer; the audit head the publication certified; and the names, times and hashes shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from signoff.domain.audit import AuditEvent
from signoff.domain.directory import Roster
from signoff.domain.document import (
    Certificate,
    CertifiedApproval,
    CertifiedSection,
    build_certificate,
    document_day,
    document_moment,
)
from signoff.domain.model import SignOff

# What a correction or a first publication records after certifying: the certificate's audit head is
# the event just before these, all recorded at the moment the certificate was issued.
_PUBLISHING_ACTIONS = ("stage_completed",)
NO_ONE = "—"
NOTHING_MORE = "nothing more"  # where a page ends before the one it is compared with
UNREADABLE = "a page that cannot be read"  # the page published with the version: missing, or changed


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class CertifiedApprovalFacts(_Strict):
    approver: EmailStr
    on_behalf_of: EmailStr | None = None
    decided_at: datetime
    revision_hash: str


class CertifiedSectionFacts(_Strict):
    key: str
    revision: int
    content_hash: str
    approvals: list[CertifiedApprovalFacts]


class CertifiedAudit(_Strict):
    events: int = Field(ge=1)
    head: str


class CertificateFacts(_Strict):
    """What a certificate's data claims."""

    signoff_id: int = Field(ge=1, le=2_147_483_647)  # as the pages' ids: a number the database can hold
    version: int = Field(ge=1, le=2_147_483_647)
    issued_at: datetime
    audit: CertifiedAudit
    sections: list[CertifiedSectionFacts]


class VisibleApproval(_Strict):
    """One approval as the HTML shows it: each fact is the text a reader sees."""

    facts: dict[str, list[str]]


class VisibleSection(_Strict):
    facts: dict[str, list[str]]
    approvals: list[VisibleApproval]


class VisibleCertificate(_Strict):
    """The facts the HTML shows (its elements marked data-fact), in the order shown; and the whole page as
    tokens (certificate_file._page_tokens), to compare with the page as issued."""

    facts: dict[str, list[str]]
    sections: list[VisibleSection]
    page: tuple[str, ...] = ()


class CertificateClaims(_Strict):
    """A certificate as read from its file: its data, and for HTML what it shows."""

    source: str
    facts: CertificateFacts
    visible: VisibleCertificate | None = None


def certificate_problems(
    claims: CertificateClaims,
    signoff: SignOff,
    events: Sequence[AuditEvent],
    roster: Roster,
    issued: CertificateClaims | None = None,
) -> list[str]:
    """Everywhere the certificate and the record disagree; empty when it is exactly the record. `issued`:
    the certificate.html published with the version, whose page an HTML certificate must be."""
    facts = claims.facts
    if facts.signoff_id != signoff.id:
        return [f"{claims.source}: the certificate is for sign-off #{facts.signoff_id}, not #{signoff.id}"]
    expected = build_certificate(signoff, roster, issued_at=facts.issued_at, version=facts.version)
    problems = _audit_problems(facts, signoff, events)
    problems += _section_problems(facts, expected)
    if claims.visible is not None:
        problems += _visible_problems(claims.visible, expected, facts)
        problems += _page_problems(claims, issued)
    return [f"{claims.source}: {problem}" for problem in problems]


def page_difference(claims: CertificateClaims, issued: CertificateClaims | None) -> tuple[str, str] | None:
    """Where an HTML certificate's page first differs from the page published with its version: what it
    shows there, and what the published page shows (None: no difference, or nothing to compare with). A
    fact's words are checked against the record; this catches what no fact holds: a row of words outside
    them, a style that hides one."""
    if claims.visible is None:
        return None
    if issued is None or issued.visible is None:
        # The page published with the version is gone, or not the one its manifest recorded: nothing
        # vouches for what this page shows beyond its facts, so it does not pass as matching.
        return NOTHING_MORE, UNREADABLE
    page, published = claims.visible.page, issued.visible.page
    if page == published:
        return None
    at = next((i for i, (a, b) in enumerate(zip(page, published, strict=False)) if a != b), None)
    at = min(len(page), len(published)) if at is None else at

    def shown(tokens: tuple[str, ...]) -> str:
        return _clipped(tokens[at]) if at < len(tokens) else NOTHING_MORE

    return shown(page), shown(published)


def _page_problems(claims: CertificateClaims, issued: CertificateClaims | None) -> list[str]:
    if (difference := page_difference(claims, issued)) is None:
        return []
    shown, published = difference
    if published == UNREADABLE:
        return [
            f"the certificate.html published with version {claims.facts.version} cannot be read (missing, or "
            "not the file its manifest recorded): the page cannot be compared with it"
        ]
    return [
        f"the page is not the certificate published with version {claims.facts.version}: where that shows "
        f"{published}, it shows {shown}"
    ]


def _clipped(token: str, most: int = 120) -> str:
    return token if len(token) <= most else token[: most - 1] + "\u2026"


def _audit_problems(facts: CertificateFacts, signoff: SignOff, events: Sequence[AuditEvent]) -> list[str]:
    ordered = sorted(events, key=lambda e: e.seq)
    seq = facts.audit.events
    if seq > len(ordered):
        return [f"the certificate counts {seq} audit events; the record has {len(ordered)}"]
    if ordered[seq - 1].hash != facts.audit.head:
        return [
            f"the certificate's audit head {facts.audit.head[:12]}… is not the hash of event #{seq} "
            f"({ordered[seq - 1].hash[:12]}…)"
        ]
    publication = next((p for p in signoff.publications if p.version == facts.version), None)
    if publication is None:
        return [
            f"sign-off #{signoff.id} has no published version {facts.version}: nothing issued this certificate"
        ]
    if publication.published_at != facts.issued_at:
        return [
            f"the certificate says it was issued at {facts.issued_at.isoformat()}; version "
            f"{facts.version} was published at {publication.published_at.isoformat()}"
        ]
    published = next(
        (e for e in ordered if e.action == "published" and e.details.get("version") == facts.version), None
    )
    between = [e for e in ordered if published is not None and seq < e.seq < published.seq]
    if (
        published is None
        or published.seq <= seq
        or published.at != facts.issued_at
        or any(e.action not in _PUBLISHING_ACTIONS or e.at != facts.issued_at for e in between)
    ):
        return [
            f"the certificate's audit head (event #{seq}) is not the one publishing version "
            f"{facts.version} certified"
        ]
    return []


def _approval_facts(cert: Certificate) -> dict[str, list[tuple[str, str | None, datetime, str]]]:
    return {
        s.key: [(a.approver_email, a.on_behalf_of_email, a.decided_at, a.revision_hash) for a in s.approvals]
        for s in cert.sections
    }


def _section_problems(facts: CertificateFacts, expected: Certificate) -> list[str]:
    problems: list[str] = []
    recorded = {s.key: s for s in expected.sections}
    claimed_keys = [s.key for s in facts.sections]
    for key in recorded:
        if key not in claimed_keys:
            problems.append(f"section {key!r} is missing from the certificate")
    for key in sorted({k for k in claimed_keys if claimed_keys.count(k) > 1}):
        problems.append(f"section {key!r} appears more than once")
    if not problems and claimed_keys != [k for k in recorded if k in claimed_keys]:
        problems.append("the sections are not in the record's order")
    approvals = _approval_facts(expected)
    for claimed in facts.sections:
        section = recorded.get(claimed.key)
        if section is None:
            problems.append(f"section {claimed.key!r} is not a section of the sign-off with a final text")
            continue
        if claimed.revision != section.revision or claimed.content_hash != section.content_hash:
            problems.append(
                f"section {claimed.key!r}: revision {claimed.revision}'s text is not the one certified "
                f"(the record's final text is revision {section.revision}, SHA-256 {section.content_hash[:12]}…)"
            )
        given = [(a.approver, a.on_behalf_of, a.decided_at, a.revision_hash) for a in claimed.approvals]
        wanted = approvals[claimed.key]
        for approval in given:
            if approval not in wanted:
                problems.append(
                    f"section {claimed.key!r}: no approval by {_who(approval[0], approval[1])} at "
                    f"{approval[2].isoformat()} of the text {approval[3][:12]}… is recorded"
                )
        for approval in wanted:
            if approval not in given:
                problems.append(
                    f"section {claimed.key!r}: the certificate leaves out the approval by "
                    f"{_who(approval[0], approval[1])} at {approval[2].isoformat()}"
                )
        if not problems and given != wanted:
            problems.append(f"section {claimed.key!r}: the approvals are not in the record's order")
    return problems


def _who(email: str, on_behalf_of: str | None) -> str:
    return f"{email} on behalf of {on_behalf_of}" if on_behalf_of else email


def shown_header(expected: Certificate, facts: CertificateFacts) -> dict[str, str]:
    """What the certificate page must show at its head, as the page writes it."""
    return {
        "office": expected.office,
        "inspection_title": expected.inspection_title,
        "signoff": str(expected.signoff_id),
        "version": str(expected.version),
        "issued": document_moment(expected.issued_at),
        "statutory_last_day": document_day(expected.statutory_last_day),
        "audit_events": str(facts.audit.events),
        "audit_head": facts.audit.head,
    }


def shown_section(section: CertifiedSection) -> dict[str, str]:
    """What the page must show for one section's final text."""
    return {
        "title": section.title,
        "revision": str(section.revision),
        "author": section.author,
        "submitted_at": document_moment(section.submitted_at),
        "content_hash": section.content_hash,
    }


def shown_approval(approval: CertifiedApproval) -> dict[str, str]:
    """What the page must show for one approval of a section."""
    return {
        "approver": approval.approver,
        "on_behalf_of": approval.on_behalf_of or NO_ONE,
        "decided_at": document_moment(approval.decided_at),
        "revision_hash": approval.revision_hash,
    }


def _visible_problems(
    visible: VisibleCertificate, expected: Certificate, facts: CertificateFacts
) -> list[str]:
    """The words a reader sees against the record: names, times and hashes."""
    problems: list[str] = []
    shown = "the page shows"
    problems += _compare(visible.facts, shown_header(expected, facts), shown)
    if len(visible.sections) != len(expected.sections):
        problems.append(
            f"{shown} {len(visible.sections)} sections; the record has {len(expected.sections)} with a final text"
        )
    for number, (seen, section) in enumerate(zip(visible.sections, expected.sections, strict=False), start=1):
        where = f"{shown} for section {number} ({section.title})"
        problems += _compare(seen.facts, shown_section(section), where)
        if len(seen.approvals) != len(section.approvals):
            problems.append(
                f"{where} {len(seen.approvals)} approvals; the record has {len(section.approvals)}"
            )
        for index, (row, approval) in enumerate(
            zip(seen.approvals, section.approvals, strict=False), start=1
        ):
            problems += _compare(row.facts, shown_approval(approval), f"{where}, approval {index},")
    return problems


def collapsed(text: str) -> str:
    """As a page's text is read: every run of white space (a non-breaking space too) one space."""
    return " ".join(text.split())


def _compare(seen: dict[str, list[str]], wanted: dict[str, str], where: str) -> list[str]:
    problems: list[str] = []
    for name, value in ((name, collapsed(value)) for name, value in wanted.items()):
        texts = seen.get(name, [])
        if not texts:
            problems.append(f"{where} no {name.replace('_', ' ')} (the record says {value!r})")
        for text in texts:
            if text != value:
                problems.append(f"{where} {name.replace('_', ' ')} {text!r}; the record says {value!r}")
    for name in sorted(set(seen) - set(wanted)):
        problems.append(f"{where} a {name.replace('_', ' ')} the certificate does not hold")
    return problems


def roster_as_published(roster: Roster, signoff: SignOff, published: CertificateClaims | None) -> Roster:
    """The roster with the names the version's certificate showed when it was published (the office's,
    each author's and approver's): a name the directory has corrected since is checked against what was
    published, so that a genuine certificate still matches. `published`: the certificate.html kept with
    the version, as its manifest recorded it; without it, today's names."""
    if published is None or published.visible is None:
        return roster
    visible = published.visible
    sections = {section.key: section for stage in signoff.stages for section in stage.sections}
    names: dict[int, str] = {}
    for facts, shown in zip(published.facts.sections, visible.sections, strict=False):
        section = sections.get(facts.key)
        author = shown.facts.get("author")
        if section is not None and section.current_revision is not None and author:
            names[section.current_revision.author_id] = author[0]
        for approval, row in zip(facts.approvals, shown.approvals, strict=False):
            for email, fact in ((approval.approver, "approver"), (approval.on_behalf_of, "on_behalf_of")):
                person = roster.find_email(email) if email else None
                if person is not None and (name := row.facts.get(fact)):
                    names[person.id] = name[0]
    office = visible.facts.get("office")
    return replace(
        roster,
        participants=tuple(replace(p, name=names.get(p.id, p.name)) for p in roster.participants),
        organisation_names={**roster.organisation_names, **({signoff.pcc_org: office[0]} if office else {})},
    )
