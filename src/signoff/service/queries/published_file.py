"""A published file, served to a person of the sign-off's organisations only as the manifest recorded it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from signoff.domain.access import Action, allowed, signoff_target
from signoff.domain.errors import NotFound, NotPermitted
from signoff.service.dependencies import Dependencies
from signoff.service.queries.public_responses import MANIFEST


class ServedFile(BaseModel):
    path: Path
    media_type: str | None


def published_file(signoff_id: int, version: int, name: str, email: str, deps: Dependencies) -> ServedFile:
    """One published file, for a person of the sign-off's organisations, as the manifest recorded it;
    NotFound for a file it does not list, or one whose bytes no longer match its SHA-256."""
    with deps.new_unit_of_work() as uow:
        person = uow.directory.person(email)
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        if not allowed(person, Action.READ_PUBLISHED_FILES, signoff_target(signoff), roster):
            raise NotPermitted(f"{person.email} is not of {signoff.pcc_org} or {signoff.force_org}")
        publication = next((p for p in signoff.publications if p.version == version), None)
        if publication is None:
            raise NotFound(f"sign-off #{signoff_id} has no published version {version}")
        folder = Path(publication.folder)
        manifest_sha256 = publication.manifest_sha256
    found = (
        deps.publications.manifest_file(folder, manifest_sha256)
        if name == MANIFEST
        else deps.publications.listed_file(folder, name, manifest_sha256)
    )
    if found is None:
        raise NotFound(f"version {version} has no file {name!r}")
    if not found.intact:
        raise NotFound(f"{name} no longer matches what was published; ask the office")
    return ServedFile(path=found.path, media_type=found.media_type)
