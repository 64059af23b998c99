"""Publishing from the web app and the JSON API: preview, confirm, publish (or correct), and the result.

For the office's publishers only (Action.PUBLISH in the access table), checked by the domain on every
step. Publishing runs the `publish-signoff` flow in this process (flows/triggers.py `publish_with_flow`),
so that Prefect sees every publication, its run and its `signoff.publication.done` event, as it does
for `signoff publish`; the request waits for it (a second or two, rendering the PDF) in a worker thread,
so the event loop does not, and the next page shows the version at once. Without any Prefect API (the
embedded shape without a server, the web tests) the flow's own handler and delivery run instead.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from signoff.domain.directory import Participant
from signoff.domain.errors import CorrectionNeedsNote, InvalidInput, PublishedSince
from signoff.domain.text_fields import SingleLine
from signoff.entrypoints.web.api import Csrf
from signoff.entrypoints.web.context import Id, render, signed_in, web
from signoff.entrypoints.web.forms import field_errors, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.entrypoints.web.strict_json import StrictJsonRoute
from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import check_publishable
from signoff.service.queries.public_responses import MANIFEST, public_response
from signoff.service.queries.publishing import publish_preview, publishing_page

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", route_class=StrictJsonRoute)
Me = Annotated[Participant, Depends(signed_in)]

# The preview is the document exactly as it will be published: its own inline styles and embedded
# signature, nothing else; no script, no form, no link followed inside the frame; framed by our page only.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox"
)
NOTE_MESSAGE = "Enter a note saying what was corrected"


class PublishForm(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    note: SingleLine = Field(default="", max_length=2000)
    # The version the page confirmed (a hidden field): the same form sent twice publishes once.
    version: int | None = Field(default=None, ge=1, le=2_147_483_647)


@router.get("/signoffs/{signoff_id}/publish", response_class=HTMLResponse)
def preview_page(request: Request, signoff_id: Id, me: Me) -> Response:
    page = publishing_page(signoff_id, me.email, web(request).deps)
    return render(request, "publish.html", {"page": page})


@router.get("/signoffs/{signoff_id}/publish/preview.html")
def preview_html(request: Request, signoff_id: Id, me: Me) -> Response:
    html = publish_preview(signoff_id, me.email, "html", web(request).deps)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"content-security-policy": PREVIEW_POLICY, "x-frame-options": "SAMEORIGIN"},
    )


@router.get("/signoffs/{signoff_id}/publish/preview.pdf")
def preview_pdf(request: Request, signoff_id: Id, me: Me) -> Response:
    pdf = publish_preview(signoff_id, me.email, "pdf", web(request).deps)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="preview-signoff-{signoff_id}.pdf"'},
    )


@router.get("/signoffs/{signoff_id}/publish/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, signoff_id: Id, me: Me) -> Response:
    page = publishing_page(signoff_id, me.email, web(request).deps)
    return render(request, "publish_confirm.html", {"page": page})


@router.post("/signoffs/{signoff_id}/publications")
async def publish(request: Request, signoff_id: Id, me: Me) -> Response:
    form = await read_form(request)
    check_csrf(request, form.get("csrf_token"))
    values = {"note": form.get("note")}
    try:
        parsed = PublishForm.model_validate({**values, "version": form.get("version") or None})
        # Refused before anything is rendered or written when the note a correction needs is missing.
        command = PublishSignoff(signoff_id=signoff_id, by=me.email, note=parsed.note, version=parsed.version)
        result = await run_in_threadpool(_publish, request, command)
    except ValidationError as error:
        errors = field_errors(error, {"note": "The note must be one line of 2,000 characters or fewer"})
        return _confirm_again(request, signoff_id, me, errors, values)
    except PublishedSince:
        # The same form sent twice: the second lands where the first did, on what was published.
        latest = publishing_page(signoff_id, me.email, web(request).deps).version - 1
        return RedirectResponse(f"/signoffs/{signoff_id}/publications/{latest}", status_code=303)
    except CorrectionNeedsNote:
        return _confirm_again(request, signoff_id, me, {"note": NOTE_MESSAGE}, values)
    except InvalidInput as problem:
        # Anything else (the office's house style, a signatory) is the publication's, not the note's: a
        # first publication has no note to point at.
        return _confirm_again(request, signoff_id, me, {"publish": problem.message}, values)
    return RedirectResponse(f"/signoffs/{signoff_id}/publications/{result['version']}", status_code=303)


def _publish(request: Request, command: PublishSignoff) -> dict[str, Any]:
    """Through the publish-signoff flow, against this web app's application."""
    from flows.triggers import publish_with_flow  # the flows layer sits outside src/; Prefect with it

    check_publishable(command, web(request).deps)  # refused before Prefect is involved
    return publish_with_flow(
        web(request).application, command.signoff_id, command.by, command.note, command.version
    )


def _confirm_again(
    request: Request, signoff_id: int, me: Participant, errors: dict[str, str], values: dict[str, str]
) -> Response:
    page = publishing_page(signoff_id, me.email, web(request).deps)
    return render(request, "publish_confirm.html", {"page": page, "errors": errors, "values": values}, 422)


@router.get("/signoffs/{signoff_id}/publications/{version}", response_class=HTMLResponse)
def published_page(request: Request, signoff_id: Id, version: Id, me: Me) -> Response:  # noqa: ARG001
    """What was published: the version, on time or late, its files at their public addresses."""
    response = public_response(signoff_id, web(request).deps)
    found = next((v for v in response.versions if v.version == version), None)
    if found is None:
        return render(
            request, "error.html", {"title": "Page not found", "message": "There is no such page."}, 404
        )
    return render(request, "publish_done.html", {"response": response, "version": found})


# ----- the JSON API -----


class PublishBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: SingleLine = Field(
        default="",
        max_length=2000,
        description="What was corrected: required when publishing again (a correction), ignored otherwise.",
    )
    version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The version you mean to publish (1 for the first): refused with 409 once another is "
        "published since, so that a request sent twice publishes once.",
    )


class Published(BaseModel):
    signoff_id: int
    version: int
    on_time: bool
    days_late: int
    files: list[str]
    public_url: str


@api_router.post(
    "/signoffs/{signoff_id}/publications",
    status_code=201,
    response_model=Published,
    dependencies=[Csrf],
    summary="Publish the response, or a correction of it (a note is then required)",
)
def publish_through_api(
    request: Request, signoff_id: Id, me: Me, body: PublishBody | None = None
) -> Published:
    deps = web(request).deps
    note = body.note if body is not None else ""
    version = body.version if body is not None else None
    result = _publish(request, PublishSignoff(signoff_id=signoff_id, by=me.email, note=note, version=version))
    return Published(
        signoff_id=signoff_id,
        version=result["version"],
        on_time=result["on_time"],
        days_late=result["days_late"],
        files=[*result["files"], MANIFEST],
        public_url=deps.links.public_response(signoff_id),
    )
