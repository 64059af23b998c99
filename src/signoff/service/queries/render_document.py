"""The response as it would be, or was, published: for `signoff render` and `signoff publish --preview`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from signoff.domain.deadlines import local_day
from signoff.domain.document import Certificate, ResponseDocument, build_certificate, build_document
from signoff.domain.publication import PublishedFile
from signoff.service.dependencies import Dependencies
from signoff.service.documents import certificate_files, response_files

DocumentFormat = Literal["html", "pdf", "md"]


@dataclass(frozen=True)
class _Snapshot:
    """What rendering needs, read in one transaction."""

    doc: ResponseDocument
    cert: Certificate
    today: date
    published_on: date | None  # of the latest publication, if any
    version: int  # the latest publication's, or the one publishing would make
    language: str


def _snapshot(signoff_id: int, deps: Dependencies, publisher: str | None = None) -> _Snapshot:
    """`publisher`: the person asking for publishing's preview, refused (NotPermitted) unless they may publish
    the office's responses, as publishing itself would refuse them."""
    now = deps.clock.now()
    with deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        if publisher is not None:
            signoff.require_publisher(uow.directory.person(publisher).id, roster)
        config = deps.load_publication_config()
        latest = signoff.latest_publication()
        next_version = signoff.next_publication_version()
        return _Snapshot(
            doc=build_document(signoff, roster, config, preview=True),
            cert=build_certificate(signoff, roster, issued_at=now, version=next_version),
            today=local_day(now, signoff.hours),
            published_on=latest.published_on if latest else None,
            version=latest.version if latest else next_version,
            language=config.language,
        )


def render_document(signoff_id: int, document_format: DocumentFormat, deps: Dependencies) -> bytes:
    """One format of the response, and only that one; unapproved text is rendered under a 'Preview' banner."""
    shot = _snapshot(signoff_id, deps)
    if document_format == "md":
        markdown = deps.documents.response_markdown(
            shot.doc, made_on=shot.today, published_on=shot.published_on, version=shot.version
        )
        return markdown.encode()
    html = deps.documents.response_html(
        shot.doc, made_on=shot.today, published_on=shot.published_on, version=shot.version
    )
    return html.encode() if document_format == "html" else deps.documents.pdf(html)


def preview_files(signoff_id: int, by: str, deps: Dependencies) -> list[PublishedFile]:
    """Every file publishing would write, without publishing: the response and its certificate; for someone
    who may publish them."""
    shot = _snapshot(signoff_id, deps, publisher=by)
    return response_files(
        deps.documents, shot.doc, made_on=shot.today, published_on=None, version=shot.cert.version
    ) + certificate_files(deps.documents, shot.cert, language=shot.language)
