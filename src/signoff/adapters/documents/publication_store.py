"""The publication store port on disk: publications as folders under one directory (the setting
SIGNOFF_PUBLISHED_DIR), written, removed and read through their manifests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from signoff.adapters.documents.publication_folder import (
    MANIFEST,
    listed_files,
    remove_publication,
    sha256,
    write_publication,
)
from signoff.domain.errors import InvalidInput
from signoff.domain.publication import CERTIFICATE_HTML, PublishedFile, WrittenPublication
from signoff.service.ports import ListedFile

if TYPE_CHECKING:
    from signoff.domain.certificate_check import CertificateClaims


class FolderPublicationStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(
        self, folder_name: str, files: list[PublishedFile], facts: dict[str, Any]
    ) -> WrittenPublication:
        try:
            return write_publication(self.root, folder_name, files, facts)
        except OSError as error:
            # The setting's problem, said as such (not a traceback, nor a 500): nothing is published.
            raise InvalidInput(
                f"SIGNOFF_PUBLISHED_DIR: the published responses' folder {self.root} cannot be written "
                f"({error.strerror or error}); nothing was published"
            ) from None

    def remove(self, folder: Path) -> None:
        remove_publication(folder)

    def listed_files(self, folder: Path, manifest_sha256: str) -> dict[str, dict[str, Any]]:
        return listed_files(folder, manifest_sha256)

    def listed_file(self, folder: Path, name: str, manifest_sha256: str) -> ListedFile | None:
        entry = listed_files(folder, manifest_sha256).get(name)
        if entry is None:
            return None
        path = folder / name
        expected = entry.get("sha256")
        media_type = entry.get("media_type")
        return ListedFile(
            path=path,
            media_type=media_type if isinstance(media_type, str) else None,
            intact=not isinstance(expected, str) or sha256(path.read_bytes()) == expected,
        )

    def manifest_file(self, folder: Path, manifest_sha256: str) -> ListedFile | None:
        path = folder / MANIFEST
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return ListedFile(path=path, media_type="application/json", intact=sha256(data) == manifest_sha256)

    def published_certificate(self, folder: Path, manifest_sha256: str) -> CertificateClaims | None:
        found = self.listed_file(folder, CERTIFICATE_HTML, manifest_sha256)
        if found is None or not found.intact:
            return None
        # Here, not at the top: every command builds the store, and only a certificate check reads one.
        from signoff.adapters.documents.certificate_file import parse_certificate

        try:
            return parse_certificate(
                found.path.read_text(encoding="utf-8"), html=True, source=CERTIFICATE_HTML
            )
        except (InvalidInput, OSError, UnicodeDecodeError):
            return None
