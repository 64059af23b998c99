"""The public pages: no sign-in. Published responses by office, each response with every version and its
files, an Atom feed of the same, and a page where anyone checks a certificate of completion.

Nothing here reads who is signed in: a public page is the same for everyone.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response

from signoff.adapters.documents.certificate_file import parse_certificate
from signoff.domain.errors import InvalidInput
from signoff.entrypoints.web.auth import client_of
from signoff.entrypoints.web.context import Id, render, web
from signoff.entrypoints.web.forms import read_form
from signoff.entrypoints.web.rate_limit import SlidingWindowLimit
from signoff.entrypoints.web.security import check_csrf
from signoff.service.queries.public_certificate import check_certificate_publicly
from signoff.service.queries.public_responses import (
    FILE_LABELS,
    PublicOffice,
    public_file,
    public_response,
    public_responses,
)

router = APIRouter(include_in_schema=False)
FileName = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]

# A published document is served as it was written: its own inline styles and embedded signature, and
# nothing else, no script; sandboxed, so a document could never act as this site.
DOCUMENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox"
)
# Published versions never change, but a file found altered must stop being served soon.
PUBLIC_CACHE = "public, max-age=300"
CERTIFICATE_LIMIT = 10
CERTIFICATE_WINDOW = timedelta(minutes=15)
CERTIFICATE_BYTES = 2_000_000
ATOM = "http://www.w3.org/2005/Atom"


def certificate_limit(request: Request) -> SlidingWindowLimit:
    """The app's limit on certificate checks per client (one per app: each test's app starts afresh)."""
    state = request.app.state
    found = getattr(state, "certificate_checks", None)
    if not isinstance(found, SlidingWindowLimit):
        found = SlidingWindowLimit(CERTIFICATE_LIMIT, CERTIFICATE_WINDOW)
        state.certificate_checks = found
    return found


@router.get("/responses", response_class=HTMLResponse)
def responses(request: Request) -> Response:
    offices = public_responses(web(request).deps)
    return render(request, "public_responses.html", {"offices": offices, "public": True})


@router.get("/responses.atom")
def feed(request: Request) -> Response:
    deps = web(request).deps
    xml = atom_feed(public_responses(deps), deps.links.base_url, deps.clock.now().isoformat())
    return Response(
        xml, media_type="application/atom+xml; charset=utf-8", headers={"cache-control": PUBLIC_CACHE}
    )


@router.get("/responses/check-certificate", response_class=HTMLResponse)
def check_form(request: Request) -> Response:
    return render(request, "public_check_certificate.html", {"public": True, "verdict": None})


@router.post("/responses/check-certificate", response_class=HTMLResponse)
async def check(request: Request) -> Response:
    form = await read_form(request, upload_limit=CERTIFICATE_BYTES)
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    if not certificate_limit(request).allow(client_of(request), deps.clock.now()):
        minutes = int(CERTIFICATE_WINDOW.total_seconds() // 60)
        return _check_again(
            request,
            f"You have checked {CERTIFICATE_LIMIT} certificates in the last {minutes} minutes: "
            "wait a few minutes, then try again",
            429,
        )
    upload = form.files.get("certificate")
    if upload is None or not upload.content:
        return _check_again(request, "Select the certificate file (certificate.json or certificate.html)")
    if len(upload.content) > CERTIFICATE_BYTES:
        return _check_again(request, f"The file must be smaller than {CERTIFICATE_BYTES // 1_000_000} MB")
    name = upload.filename.lower()
    html = name.endswith((".html", ".htm")) or (
        not name.endswith(".json") and b"<html" in upload.content[:2000].lower()
    )
    source = "certificate.html" if html else "certificate.json"
    try:
        # In a worker thread: reading a megabyte's page takes a moment the other visitors must not wait for.
        text = upload.content.decode("utf-8")
        claims = await run_in_threadpool(parse_certificate, text, html=html, source=source)
    except UnicodeDecodeError:
        return _check_again(request, "The file is not a certificate: it is not text (UTF-8)")
    except InvalidInput as problem:
        return _check_again(request, f"The file is not a certificate this site issued: {problem.message}")
    verdict = await run_in_threadpool(check_certificate_publicly, claims, deps)
    return render(request, "public_check_certificate.html", {"public": True, "verdict": verdict})


def _check_again(request: Request, message: str, status: int = 422) -> Response:
    return render(
        request,
        "public_check_certificate.html",
        {"public": True, "verdict": None, "errors": {"certificate": message}},
        status,
    )


@router.get("/responses/{signoff_id}", response_class=HTMLResponse)
def response_page(request: Request, signoff_id: Id) -> Response:
    response = public_response(signoff_id, web(request).deps)
    return render(request, "public_response.html", {"response": response, "public": True})


@router.get("/responses/{signoff_id}/v{version}/{file_name}")
def file(request: Request, signoff_id: Id, version: Id, file_name: FileName) -> Response:
    found = public_file(signoff_id, version, file_name, web(request).deps)
    headers = {"cache-control": PUBLIC_CACHE}
    if (found.media_type or "").startswith("text/html"):
        headers["content-security-policy"] = DOCUMENT_POLICY
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=found.path.name,
        content_disposition_type="inline",
        headers=headers,
    )


# What XML 1.0 cannot hold, which ElementTree writes as it is: text fields refuse these now, but one stored
# before must not make the one feed of every office unreadable to every reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def atom_feed(offices: list[PublicOffice], base_url: str, now: str) -> bytes:
    """RFC 4287: one entry per published version (a correction is news too), newest first."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = _NOT_XML.sub("\ufffd", text)
        return element

    entries = [
        (response, version, office)
        for office in offices
        for response in office.responses
        for version in response.versions
    ]
    entries.sort(key=lambda e: (e[1].published_at, e[0].signoff_id, e[1].version), reverse=True)
    root = ET.Element(f"{{{ATOM}}}feed")
    add(root, "id", f"{base_url}/responses")
    add(root, "title", "Published responses to HMICFRS inspections")
    add(root, "subtitle", "Each PCC office's response under section 55 of the Police Act 1996, every version")
    add(root, "updated", entries[0][1].published_at.isoformat() if entries else now)
    add(root, "link", rel="self", type="application/atom+xml", href=f"{base_url}/responses.atom")
    add(root, "link", rel="alternate", type="text/html", href=f"{base_url}/responses")
    add(add(root, "author"), "name", "PCC sign-off")
    for response, version, office in entries:
        page = f"{base_url}/responses/{response.signoff_id}"
        files = f"{page}/v{version.version}"
        entry = add(root, "entry")
        add(entry, "id", files)
        title = f"{office.name}: response to {response.title}"
        add(
            entry,
            "title",
            title if version.version == 1 else f"{title} (correction, version {version.version})",
        )
        add(entry, "updated", version.published_at.isoformat())
        add(entry, "published", version.published_at.isoformat())
        add(add(entry, "author"), "name", office.name)
        add(entry, "link", rel="alternate", type="text/html", href=page)
        for published in version.files:
            if published.name in ("response.pdf", "response.html"):
                add(
                    entry,
                    "link",
                    rel="related",
                    type="application/pdf" if published.name.endswith(".pdf") else "text/html",
                    href=f"{files}/{published.name}",
                    title=FILE_LABELS[published.name],
                )
        summary = f"Published {version.published_on.isoformat()}"
        if version.version == 1:
            late = (
                f"{version.days_late} day{'' if version.days_late == 1 else 's'} after the statutory last day"
            )
            summary += " within the statutory 56 days." if version.on_time else f", {late}."
        else:
            summary += f": a correction (version {version.version}). What was corrected: {version.note}"
        add(entry, "summary", summary)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml
