"""A report's PDF as text, by pypdf: for the reports whose findings are only in the PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from signoff.domain.errors import InvalidInput

MAX_PAGES = 500


def pdf_text(content: bytes, url: str) -> str:
    """The text of every page, in order; InvalidInput naming the address when it is not a readable PDF."""
    if not content.startswith(b"%PDF-"):
        raise InvalidInput(f"{url}: not a PDF (it does not start %PDF-)")
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise InvalidInput(f"{url}: the PDF is encrypted; its text cannot be read")
        if len(reader.pages) > MAX_PAGES:
            raise InvalidInput(f"{url}: the PDF has {len(reader.pages)} pages, more than {MAX_PAGES}")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except InvalidInput:
        raise
    except Exception as error:
        # pypdf raises more than PdfReadError on a damaged file (LimitReachedError on an object that refers
        # to itself, AttributeError on a string where a dictionary belongs): each is this report's problem,
        # never the run's.
        raise InvalidInput(f"{url}: the PDF cannot be read ({type(error).__name__}: {error})") from None
