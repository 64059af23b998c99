"""The response and its certificate as HTML, Markdown and tagged PDF, from templates/documents/.

HTML first: the PDF is WeasyPrint's rendering of the same HTML, as PDF/UA (tagged, with the title and
language of the page), so the two say the same words.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from signoff.adapters.documents.markdown import literal_markdown, to_html, to_markdown
from signoff.domain.errors import InvalidInput, TemplateProblem

if TYPE_CHECKING:
    from jinja2 import Environment

    from signoff.domain.document import ApprovedText, Certificate, ResponseDocument

NOT_DRAFTED = "Not drafted yet."


def _md_text(text: str) -> str:
    """A plain field in Markdown: one line, nothing in it read as Markdown or HTML."""
    return literal_markdown(text)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def _text_of(text: ApprovedText | None) -> Markup:
    if text is None:
        return Markup('<p class="missing">{}</p>').format(NOT_DRAFTED)
    return to_html(text.body)


def _source_of(text: ApprovedText | None) -> str:
    return f"*{NOT_DRAFTED}*" if text is None else to_markdown(text.body).rstrip("\n")


class DocumentRenderer:
    def __init__(self, templates_dir: Path, config_dir: Path) -> None:
        self._templates_dir = templates_dir
        self._config_dir = config_dir

    @cached_property
    def _environment(self) -> Environment:
        # Built (and Jinja imported) when a document is first rendered: every command builds the renderer,
        # few render.
        from signoff.adapters.compiled_templates import DOCUMENTS
        from signoff.adapters.email_rendering import template_environment

        return self._with_filters(template_environment(self._templates_dir, DOCUMENTS))

    @staticmethod
    def _with_filters(environment: Environment) -> Environment:
        from signoff.domain.document import document_day, document_moment

        environment.filters.update(
            markdown=to_html,
            markdown_source=lambda text: to_markdown(text).rstrip("\n"),
            md_text=_md_text,
            md_cell=_md_text,
            quoted=_quoted,
            document_day=document_day,
            # The domain's formatting: the certificate check compares the times a reader sees with it.
            moment=document_moment,
        )
        environment.globals.update(text_of=_text_of, source_of=_source_of)
        return environment

    def response_html(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str:
        return self._render(
            "documents/response.html",
            doc=doc,
            made_on=made_on,
            published_on=published_on,
            version=version,
            signature_src=self._signature_src(doc),
        )

    def response_markdown(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str:
        return self._render(
            "documents/response.md", doc=doc, made_on=made_on, published_on=published_on, version=version
        )

    def certificate_html(self, cert: Certificate, *, language: str) -> str:
        return self._render("documents/certificate.html", cert=cert, language=language)

    def pdf(self, html: str) -> bytes:
        """A tagged PDF (PDF/UA-1) of the page; its title and language come from the HTML, and its table
        header cells carry the HTML's scope (which WeasyPrint does not write)."""
        # Imported here: WeasyPrint loads Pango at import, and pypdf costs every command a sixth of a second;
        # only publishing needs them.
        from weasyprint import HTML

        from signoff.adapters.documents.pdf_structure import header_scopes, with_header_scopes

        pdf: bytes = HTML(string=html, base_url=str(self._config_dir)).write_pdf(
            pdf_variant="pdf/ua-1", pdf_tags=True, uncompressed_pdf=False
        )
        return with_header_scopes(pdf, header_scopes(html))

    def _signature_src(self, doc: ResponseDocument) -> str | None:
        """The signature as a data: URI, so that the page stands alone (uploaded as one file)."""
        if doc.signatory is None or doc.signatory.signature is None:
            return None
        path = self._config_dir / doc.signatory.signature.image
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InvalidInput(
                f"config/publication.yaml: the signature image {path} cannot be read ({error.strerror})"
            ) from None
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"

    def _render(self, name: str, **context: Any) -> str:
        from jinja2 import TemplateError

        try:
            return self._environment.get_template(name).render(context)
        except TemplateError as error:
            raise TemplateProblem(f"template {name}: {escape(str(error))}") from None
