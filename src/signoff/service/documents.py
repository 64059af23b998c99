"""The files of a publication, rendered from a sign-off: shared by publishing and by previews."""

from __future__ import annotations

import json
from datetime import date

from signoff.domain.document import Certificate, ResponseDocument
from signoff.domain.publication import CERTIFICATE_HTML, PublishedFile
from signoff.service.ports import DocumentRenderer

RESPONSE_HTML = "response.html"
RESPONSE_PDF = "response.pdf"
RESPONSE_MD = "response.md"
CERTIFICATE_PDF = "certificate.pdf"
CERTIFICATE_JSON = "certificate.json"


def response_files(
    renderer: DocumentRenderer,
    doc: ResponseDocument,
    *,
    made_on: date,
    published_on: date | None,
    version: int,
) -> list[PublishedFile]:
    html = renderer.response_html(doc, made_on=made_on, published_on=published_on, version=version)
    markdown = renderer.response_markdown(doc, made_on=made_on, published_on=published_on, version=version)
    return [
        PublishedFile(RESPONSE_HTML, "text/html", html.encode()),
        PublishedFile(RESPONSE_PDF, "application/pdf", renderer.pdf(html)),
        PublishedFile(RESPONSE_MD, "text/markdown", markdown.encode()),
    ]


def certificate_files(renderer: DocumentRenderer, cert: Certificate, *, language: str) -> list[PublishedFile]:
    html = renderer.certificate_html(cert, language=language)
    facts = json.dumps(cert.as_json(), indent=2) + "\n"
    return [
        PublishedFile(CERTIFICATE_HTML, "text/html", html.encode()),
        PublishedFile(CERTIFICATE_PDF, "application/pdf", renderer.pdf(html)),
        PublishedFile(CERTIFICATE_JSON, "application/json", facts.encode()),
    ]
