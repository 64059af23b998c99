"""The published responses as anyone may read them, signed in or not: /responses, its Atom feed, the files.

Only a published sign-off is public (a withdrawn one never was: withdrawing is refused once published).
A file is served only if the version's manifest is the one the database recorded (its SHA-256) and it
lists the file with a SHA-256 its bytes still match; anything else is "not found", as if it were not there.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from signoff.domain.directory import Roster
from signoff.domain.errors import NotFound
from signoff.domain.model import SignOff
from signoff.domain.publication import Publication
from signoff.domain.transitions import SignoffState
from signoff.service.dependencies import Dependencies
from signoff.service.ports import SignoffRepository

MANIFEST = "manifest.json"
# The order files are listed in, and what a reader is told each one is.
FILE_LABELS = {
    "response.html": "The response (web page)",
    "response.pdf": "The response (PDF)",
    "response.md": "The response (Markdown)",
    "certificate.html": "Certificate of completion (web page)",
    "certificate.pdf": "Certificate of completion (PDF)",
    "certificate.json": "Certificate of completion (data)",
    MANIFEST: "List of files and their fingerprints",
}
_PAGE = 200


class PublicFile(BaseModel):
    name: str
    label: str


class PublicVersion(BaseModel):
    version: int
    published_at: datetime
    published_on: date
    on_time: bool
    days_late: int
    note: str
    files: list[PublicFile]


class PublicResponse(BaseModel):
    signoff_id: int
    title: str
    office: str
    office_key: str
    force: str
    report_published: date
    statutory_last_day: date
    # Of the first publication: the statutory duty is to publish once within the 56 days.
    published_on: date
    on_time: bool
    days_late: int
    updated_at: datetime
    versions: list[PublicVersion]  # newest first


class PublicOffice(BaseModel):
    key: str
    name: str
    responses: list[PublicResponse]  # newest first


class PublicFileFound(BaseModel):
    path: Path
    media_type: str | None


def public_responses(deps: Dependencies) -> list[PublicOffice]:
    """Every office with published responses, by name; each office's responses newest first."""
    offices: dict[str, PublicOffice] = {}
    with deps.new_unit_of_work() as uow:
        roster = uow.directory.roster()
        offset = 0
        while True:
            batch = uow.signoffs.page(states=[SignoffState.PUBLISHED.value], limit=_PAGE, offset=offset)
            for signoff in batch:
                if not _public(signoff):
                    continue
                response = _response(signoff, roster, deps)
                office = offices.setdefault(
                    signoff.pcc_org, PublicOffice(key=signoff.pcc_org, name=response.office, responses=[])
                )
                office.responses.append(response)
            if len(batch) < _PAGE:
                break
            offset += _PAGE
    for office in offices.values():
        office.responses.sort(key=lambda r: (r.updated_at, r.signoff_id), reverse=True)
    return sorted(offices.values(), key=lambda o: o.name)


def public_response(signoff_id: int, deps: Dependencies) -> PublicResponse:
    """One published response; NotFound (the same words) for one that does not exist or is not public."""
    with deps.new_unit_of_work() as uow:
        signoff = _published(uow.signoffs, signoff_id)
        return _response(signoff, uow.directory.roster(), deps)


def public_file(signoff_id: int, version: int, name: str, deps: Dependencies) -> PublicFileFound:
    """One file of a published version, as its manifest recorded it; NotFound otherwise."""
    with deps.new_unit_of_work() as uow:
        signoff = _published(uow.signoffs, signoff_id)
        publication = next((p for p in signoff.publications if p.version == version), None)
        if publication is None:
            raise NotFound(f"response #{signoff_id} has no published version {version}")
        folder, manifest_sha256 = Path(publication.folder), publication.manifest_sha256
    manifest = deps.publications.manifest_file(folder, manifest_sha256)
    if manifest is None or not manifest.intact:
        # A manifest that is not the one recorded vouches for nothing it lists.
        raise NotFound(f"version {version} of response #{signoff_id} is not available")
    found = manifest if name == MANIFEST else deps.publications.listed_file(folder, name, manifest_sha256)
    if found is None:
        raise NotFound(f"version {version} has no file {name!r}")
    if not found.intact:
        raise NotFound(f"{name} no longer matches what was published")
    return PublicFileFound(path=found.path, media_type=found.media_type)


def _public(signoff: SignOff) -> bool:
    return signoff.state is SignoffState.PUBLISHED and bool(signoff.publications)


def _published(signoffs: SignoffRepository, signoff_id: int) -> SignOff:
    try:
        signoff = signoffs.get(signoff_id)
    except NotFound:
        signoff = None
    if signoff is None or not _public(signoff):
        raise NotFound(f"no response #{signoff_id} is published")
    return signoff


def _response(signoff: SignOff, roster: Roster, deps: Dependencies) -> PublicResponse:
    assert signoff.id is not None  # noqa: S101 - read from the database
    ordered = sorted(signoff.publications, key=lambda p: p.version)
    first, latest = ordered[0], ordered[-1]
    return PublicResponse(
        signoff_id=signoff.id,
        title=signoff.title,
        office=roster.organisation_name(signoff.pcc_org),
        office_key=signoff.pcc_org,
        force=roster.organisation_name(signoff.force_org),
        report_published=signoff.published_on,
        statutory_last_day=signoff.statutory_last_day,
        published_on=first.published_on,
        on_time=first.on_time,
        days_late=first.days_late,
        updated_at=latest.published_at,
        versions=[_version(p, deps) for p in reversed(ordered)],
    )


def _version(publication: Publication, deps: Dependencies) -> PublicVersion:
    listed = deps.publications.listed_files(Path(publication.folder), publication.manifest_sha256)
    names = [n for n in FILE_LABELS if n in listed or n == MANIFEST]
    names += sorted(n for n in listed if n not in FILE_LABELS)
    return PublicVersion(
        version=publication.version,
        published_at=publication.published_at,
        published_on=publication.published_on,
        on_time=publication.on_time,
        days_late=publication.days_late,
        note=publication.note if publication.version > 1 else "",
        files=[PublicFile(name=n, label=FILE_LABELS.get(n, n)) for n in names],
    )
