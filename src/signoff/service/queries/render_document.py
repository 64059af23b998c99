"""The response as it would be, or was, published: for `signoff render` and `signoff publish --preview`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from signoff.domain.deadlines import local_day
from signoff.domain.document import ResponseDocument, build_certificate, build_document
from signoff.domain.publication import PublishedFile
from signoff.service.dependencies import Dependencies
from signoff.service.documents import certificate_files, response_files

DocumentFormat = Literal["html", "pdf", "md"]
FILE_FOR_FORMAT: dict[str, str] = {"html": "response.html", "pdf": "response.pdf", "md": "response.md"}


def _document(signoff_id: int, deps: Dependencies) -> tuple[ResponseDocument, date, date | None, int, str]:
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        config = deps.load_publication_config()
        doc = build_document(signoff, roster, config, preview=True)
        latest = signoff.latest_publication()
        today = local_day(now, signoff.hours)
        if latest is None:
            return doc, today, None, 1, config.language
        return doc, today, latest.published_on, latest.version, config.language


def render_document(signoff_id: int, document_format: DocumentFormat, deps: Dependencies) -> bytes:
    """One format of the response; unapproved text is rendered, under a 'Preview' banner."""
    doc, today, published_on, version, _language = _document(signoff_id, deps)
    files = response_files(deps.documents, doc, made_on=today, published_on=published_on, version=version)
    return next(f.data for f in files if f.name == FILE_FOR_FORMAT[document_format])


def preview_files(signoff_id: int, deps: Dependencies) -> list[PublishedFile]:
    """Every file publishing would write, without publishing: the response and its certificate."""
    doc, today, _published_on, _version, language = _document(signoff_id, deps)
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        version = signoff.next_publication_version()
        cert = build_certificate(signoff, uow.directory.roster(), issued_at=deps.clock.now(), version=version)
    return response_files(
        deps.documents, doc, made_on=today, published_on=None, version=version
    ) + certificate_files(deps.documents, cert, language=language)
