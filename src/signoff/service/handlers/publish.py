"""Publish a sign-off's response: render it, write the dated folder, record it, and queue the emails.

All in one transaction holding the sign-off's lock: the folder is written first and removed again if
the publication cannot be recorded, so the database never names a folder that is not there, and two
people pressing "publish" at once produce one publication.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signoff.domain.deadlines import local_day
from signoff.domain.directory import Participant, Roster
from signoff.domain.document import build_certificate, build_document
from signoff.domain.errors import InvalidInput, NotFound, PublishedSince
from signoff.domain.model import SignOff
from signoff.domain.notice_builder import NoticeBuilder
from signoff.domain.notifications import Attachment
from signoff.domain.publishing import response_days_late
from signoff.service.commands import PublishSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.documents import RESPONSE_PDF, certificate_files, response_files
from signoff.service.log_context import about_signoff
from signoff.service.notify import queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishResult:
    signoff_id: int
    version: int
    folder: Path
    files: list[str]
    manifest_sha256: str
    on_time: bool
    days_late: int
    emails_queued: int


def publish_result(result: PublishResult) -> dict[str, Any]:
    """The result as JSON: what the publish-signoff flow returns and `signoff publish --json` prints."""
    return {
        "signoff_id": result.signoff_id,
        "version": result.version,
        "folder": str(result.folder),
        "files": result.files,
        "manifest_sha256": result.manifest_sha256,
        "on_time": result.on_time,
        "days_late": result.days_late,
        "emails_queued": result.emails_queued,
    }


def check_publishable(command: PublishSignoff, deps: Dependencies) -> None:
    """What publishing would refuse (someone not in the directory or not a publisher, a section not yet
    approved, a correction without its note), checked without publishing: before a command asks for a
    publish-signoff run that it will not wait for."""
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(command.signoff_id)
        roster = uow.directory.roster()
        _still_to_publish(signoff, command.version)
        signoff.check_publishable(_publisher(roster, command.by).id, roster, command.note)


def _still_to_publish(signoff: SignOff, version: int | None) -> None:
    """The version the publisher confirmed is still the next one: a form sent twice (a double click, a
    resent request) publishes once, the second told so rather than asked for a correction's note."""
    if version is None or signoff.next_publication_version() == version:
        return
    if version > signoff.next_publication_version():  # not a resent form: a number never offered
        raise InvalidInput(
            f"version {version} is not the next version of sign-off #{signoff.id}: that is "
            f"{signoff.next_publication_version()}"
        )
    latest = signoff.latest_publication()
    done = f"version {latest.version}" if latest is not None else "another version"
    raise PublishedSince(
        f"sign-off #{signoff.id} was published as {done} after you confirmed version {version}: nothing "
        "was published again"
    )


def _publisher(roster: Roster, email: str) -> Participant:
    person = roster.find_email(email)
    if person is None:
        raise NotFound(f"{email} is not in the directory")
    return person


def publish_signoff(command: PublishSignoff, deps: Dependencies) -> PublishResult:
    with about_signoff(command.signoff_id):
        return _publish(command, deps)


def _publish(command: PublishSignoff, deps: Dependencies) -> PublishResult:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(command.signoff_id, for_update=True)
        roster = uow.directory.roster()
        person = _publisher(roster, command.by)
        _still_to_publish(signoff, command.version)  # under the sign-off's lock: the second of two waits
        signoff.check_publishable(person.id, roster, command.note)
        config = deps.load_publication_config()
        doc = build_document(signoff, roster, config)
        version = signoff.next_publication_version()
        published_on = local_day(now, signoff.hours)
        late_by = response_days_late(signoff, published_on)
        cert = build_certificate(signoff, roster, issued_at=now, version=version)
        files = response_files(
            deps.documents, doc, made_on=published_on, published_on=published_on, version=version
        ) + certificate_files(deps.documents, cert, language=config.language)
        folder_name = f"{published_on.isoformat()}-{signoff.pcc_org}-signoff-{signoff.id}-v{version}"
        written = deps.publications.write(
            folder_name,
            files,
            {
                "signoff_id": signoff.id,
                "version": version,
                "office": doc.office,
                "inspection": doc.header.inspection_title,
                "published_at": now.isoformat(),
                "published_on": published_on.isoformat(),
                "published_by": person.email,
                "statutory_last_day": signoff.statutory_last_day.isoformat(),
                "on_time": late_by == 0,
                "days_late": late_by,
                "audit_head_certified": cert.audit_head,
                "correction": command.note if version > 1 else "",
            },
        )
        try:
            publication = signoff.publish(
                by_id=person.id,
                roster=roster,
                now=now,
                folder=str(written.folder),
                manifest_sha256=written.manifest_sha256,
                note=command.note,
            )
            builder = NoticeBuilder(deps.load_notification_rules(), roster, deps.links)
            pdf = next(f for f in files if f.name == RESPONSE_PDF)
            notices = builder.for_publication(
                signoff,
                signoff.new_audit_events[-1],
                publication,
                # The public page: HMICFRS and the Home Office cannot sign in to read it.
                deps.links.public_response(signoff.id),
                Attachment(_attachment_name(signoff.pcc_org, version), pdf.media_type, pdf.data),
            )
            queued = queue(uow, notices, deps.renderer, now)
            uow.commit()
        except BaseException:
            deps.publications.remove(written.folder)
            raise
    log.info(
        "sign-off #%s published, version %s, in %s: %s; %s email(s) queued",
        command.signoff_id,
        version,
        written.folder,
        "on time" if publication.on_time else f"{publication.days_late} day(s) late",
        queued,
    )
    return PublishResult(
        signoff_id=command.signoff_id,
        version=version,
        folder=written.folder,
        files=[f.name for f in files],
        manifest_sha256=written.manifest_sha256,
        on_time=publication.on_time,
        days_late=publication.days_late,
        emails_queued=queued,
    )


def _attachment_name(pcc_org: str, version: int) -> str:
    return f"{pcc_org}-response{'' if version == 1 else f'-v{version}'}.pdf"
