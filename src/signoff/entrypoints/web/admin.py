"""Administration: what is late or at risk and who holds it (with remind, reassign, delegate, extend, singly
or in bulk), failed emails, the directory, on-time figures, withdrawing a sign-off."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from signoff.domain.directory import Participant
from signoff.domain.errors import InvalidInput, SignoffError
from signoff.domain.text_fields import first_control_character
from signoff.entrypoints.web.context import LARGEST_ID, Id, render, signed_in, web
from signoff.entrypoints.web.formatting import LONDON, day
from signoff.entrypoints.web.forms import FormData, field_errors, read_date, read_form
from signoff.entrypoints.web.security import check_csrf
from signoff.entrypoints.web.session_notes import bounded_outcomes
from signoff.service.commands import DelegateApprovals, ExtendDueDate, Reassign, WithdrawSignoff
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.admin_mail import failed_emails, retry_failed_email
from signoff.service.handlers.administer import extend_due_date, reassign_request, withdraw_signoff
from signoff.service.handlers.delegate import delegate_approvals
from signoff.service.handlers.remind_now import remind_now
from signoff.service.handlers.web_sessions import EndSessions, end_sessions, people_sessions
from signoff.service.queries.attention import (
    FLAG_LABELS,
    AttentionFilter,
    admin_of,
    attention,
    on_time_figures,
)
from signoff.service.queries.directory_view import directory_view, person_name
from signoff.service.queries.signoff_page import SignoffPage, signoff_page

router = APIRouter(include_in_schema=False)
Me = Annotated[Participant, Depends(signed_in)]
ACTIONS = ("remind", "reassign", "delegate", "extend")


def _filters(request: Request) -> tuple[AttentionFilter, dict[str, str]]:
    raw = {k: v for k, v in request.query_params.items() if v != ""}
    known = {k: raw[k] for k in AttentionFilter.model_fields if k in raw}
    try:
        return AttentionFilter.model_validate(known), {}
    except ValidationError as error:
        return AttentionFilter(), field_errors(error)


@router.get("/admin", response_class=HTMLResponse)
def overview(request: Request, me: Me) -> Response:
    context = web(request)
    filters, errors = _filters(request)
    page = attention(me.email, filters, context.deps)
    people = directory_view(me.email, context.deps).people
    query = {k: v for k, v in filters.model_dump(exclude_defaults=True).items() if k != "page"}
    # The action form's own problems (a date, no person chosen), kept from the post that had them.
    posted = request.session.pop("admin_form", None)
    posted = posted if isinstance(posted, dict) else {"errors": {}, "values": {}}
    return render(
        request,
        "admin.html",
        {
            "page": page,
            "filters": filters,
            "errors": {**errors, **posted["errors"]},
            "values": posted["values"],
            "labels": FLAG_LABELS,
            "people": [p for p in people if p.active],
            "query": query,
            "pages": max(1, -(-page.total // page.per_page)),
            "flash": request.session.pop("flash", None),
            "outcomes": request.session.pop("outcomes", []),
        },
    )


def _item(value: str) -> dict[str, Any]:
    """A row's value: sign-off id | section key | holder email | draft or approve | stage key."""
    parts = value.split("|")
    # Checked like typed text: a tampered row's NUL would otherwise reach the database in a lookup, and
    # an id the database cannot hold (or a digit of another script) would fail there instead of here.
    if (
        len(parts) != 5
        or not (parts[0].isascii() and parts[0].isdigit() and 1 <= int(parts[0]) <= LARGEST_ID)
        or first_control_character(value) is not None
    ):
        raise InvalidInput("a selected row could not be read: reload the page and try again")
    return {
        "signoff_id": int(parts[0]),
        "section": parts[1],
        "holder": parts[2],
        "kind": parts[3],
        "stage": parts[4],
    }


@router.post("/admin/actions")
async def act(request: Request, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_act_with_form, request, me, form)


def _act_with_form(request: Request, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    admin_of(me.email, deps)
    back = form.get("back") if form.get("back").startswith("/admin") else "/admin"
    single = form.get("single")
    if single:
        action, _, value = single.partition(":")
        items = [_item(value)]
    else:
        action = form.get("action")
        items = [_item(v) for v in form.all("item")]
    if action not in ACTIONS:
        raise InvalidInput("choose an action")
    if not items:
        request.session["flash"] = "Select at least one row first."
        return RedirectResponse(back, status_code=303)
    until = read_date(form, "until", "Enter the last day of the delegation")
    new_due_on = read_date(form, "new_due_on", "Enter the new due date")
    problems: dict[str, str] = {}
    if action in ("reassign", "delegate") and not form.get("to_person"):
        problems["to_person"] = "Choose a person"
    if action == "delegate" and until.error:
        problems["until"] = until.error
    if action == "extend" and new_due_on.error:
        problems["new_due_on"] = new_due_on.error
    if problems:
        request.session["admin_form"] = {
            "errors": problems,
            "values": {"to_person": form.get("to_person"), **until.values, **new_due_on.values},
        }
        return RedirectResponse(back + "#act", status_code=303)
    words = _Words(me.email, deps)
    outcomes: list[str] = []
    done_stages: set[tuple[int, str]] = set()
    # One delegation covers every approval its holder has: each of their rows is told of the one made.
    delegated: dict[str, str] = {}
    for item in items:
        label = words.row(item)
        try:
            if action == "remind":
                sent = remind_now(item["signoff_id"], item["section"], item["holder"], me.email, deps)
                outcomes.append(
                    f"{label}: reminder sent" if sent else f"{label}: already reminded this minute"
                )
            elif action == "reassign":  # an approval, or a drafting place (its holder moved or left)
                reassign_request(
                    Reassign(
                        signoff_id=item["signoff_id"],
                        section=item["section"],
                        from_person=item["holder"],
                        to_person=form.get("to_person"),
                        admin=me.email,
                    ),
                    deps,
                )
                outcomes.append(f"{label}: reassigned to {words.person(form.get('to_person'))}")
            elif action == "delegate":
                assert until.value is not None  # noqa: S101 - checked above
                if item["kind"] != "approve":
                    raise InvalidInput(
                        "only approvals can be delegated; drafting stays with the section's drafters"
                    )
                if item["holder"] in delegated:
                    outcomes.append(f"{label}: {delegated[item['holder']]}")
                    continue
                delegate_approvals(
                    DelegateApprovals(
                        from_person=item["holder"],
                        to_person=form.get("to_person"),
                        starts_at=deps.clock.now(),
                        ends_at=datetime.combine(until.value + timedelta(days=1), time(0), tzinfo=LONDON),
                        reason=form.get("reason") or "delegated by an administrator",
                        by=me.email,
                    ),
                    deps,
                )
                delegated[item["holder"]] = (
                    f"{words.person(form.get('to_person'))} decides for them until {day(until.value)}"
                )
                outcomes.append(f"{label}: {delegated[item['holder']]}")
            elif (item["signoff_id"], item["stage"]) not in done_stages:
                done_stages.add((item["signoff_id"], item["stage"]))
                extend_due_date(
                    ExtendDueDate(
                        signoff_id=item["signoff_id"],
                        stage=item["stage"],
                        new_due_on=new_due_on.value,
                        admin=me.email,
                        allow_past_statutory=form.get("allow_past_statutory") == "yes",
                    ),
                    deps,
                )
                outcomes.append(f"{words.stage(item)}: now due {day(new_due_on.value)}")
        except ValidationError as error:
            outcomes.append(
                f"{label}: not done: " + "; ".join(f"{k}: {v}" for k, v in field_errors(error).items())
            )
        except SignoffError as problem:
            outcomes.append(f"{label}: not done: {problem.message}")
    request.session["outcomes"] = bounded_outcomes(outcomes)
    return RedirectResponse(back, status_code=303)


class _Words:
    """A selected row as the outcome banner names it: the section and sign-off by title, people by name."""

    def __init__(self, admin_email: str, deps: Dependencies) -> None:
        self.admin_email = admin_email
        self.deps = deps
        self.names = {p.email.lower(): p.name for p in directory_view(admin_email, deps).people}
        self.pages: dict[int, SignoffPage | None] = {}

    def person(self, email: str) -> str:
        return self.names.get(email.lower(), email)

    def _page(self, signoff_id: int) -> SignoffPage | None:
        if signoff_id not in self.pages:
            try:
                self.pages[signoff_id] = signoff_page(signoff_id, self.admin_email, self.deps)
            except SignoffError:
                self.pages[signoff_id] = None
        return self.pages[signoff_id]

    def row(self, item: dict[str, Any]) -> str:
        page = self._page(item["signoff_id"])
        if page is None:
            return f"Sign-off #{item['signoff_id']}"
        section = next(
            (c.title for s in page.stages for c in s.sections if c.key == item["section"]), item["section"]
        )
        return f"{section} ({page.title}), held by {self.person(item['holder'])}"

    def stage(self, item: dict[str, Any]) -> str:
        page = self._page(item["signoff_id"])
        if page is None:
            return f"Sign-off #{item['signoff_id']}"
        stage = next((s.title for s in page.stages if s.key == item["stage"]), item["stage"])
        return f"{stage} ({page.title})"


@router.get("/admin/emails", response_class=HTMLResponse)
def emails(request: Request, me: Me, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    deps = web(request).deps
    failed = failed_emails(me.email, deps, limit=100, offset=(page - 1) * 100)
    return render(
        request, "emails.html", {"emails": failed, "page": page, "flash": request.session.pop("flash", None)}
    )


@router.post("/admin/emails/{email_id}/retry")
async def retry(request: Request, email_id: Id, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_retry_with_form, request, email_id, me, form)


def _retry_with_form(request: Request, email_id: Id, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    retry_failed_email(email_id, me.email, web(request).deps)
    request.session["flash"] = f"Email #{email_id} is back in the queue."
    return RedirectResponse("/admin/emails", status_code=303)


@router.get("/admin/people", response_class=HTMLResponse)
def people(request: Request, me: Me) -> Response:
    context = web(request)
    admin_of(me.email, context.deps)
    roles = dict(context.application.load_directory_config().roles)
    return render(
        request,
        "people.html",
        {
            "directory": directory_view(me.email, context.deps, roles),
            "sessions": people_sessions(me.email, context.deps, context.sessions),
            "flash": request.session.pop("flash", None),
        },
    )


@router.post("/admin/people/end-sessions")
async def end_person_sessions(request: Request, me: Me) -> Response:
    """Sign a person out everywhere: every copy of their session cookie stops working at once."""
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_end_person_sessions_with_form, request, me, form)


def _end_person_sessions_with_form(request: Request, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    try:
        command = EndSessions(person=form.get("person"), admin=me.email)
    except ValidationError:
        raise InvalidInput("person: choose the person whose sessions to end") from None
    ended = end_sessions(command, web(request).deps)
    name = person_name(command.person, me.email, web(request).deps)
    request.session["flash"] = (
        f"{name} is signed out everywhere ({ended} session{'' if ended == 1 else 's'} ended)."
    )
    return RedirectResponse("/admin/people", status_code=303)


@router.get("/admin/figures", response_class=HTMLResponse)
def figures(request: Request, me: Me) -> Response:
    context = web(request)
    admin_of(me.email, context.deps)
    rows = on_time_figures(me.email, context.deps)
    widest = max([r.on_time + r.late + r.open_overdue for r in rows] or [1])
    return render(request, "figures.html", {"rows": rows, "widest": max(widest, 1)})


@router.post("/signoffs/{signoff_id}/withdraw")
async def withdraw(request: Request, signoff_id: Id, me: Me) -> Response:
    form = await read_form(request)
    # The rest in a worker thread: its database work must not hold up every other request.
    return await run_in_threadpool(_withdraw_with_form, request, signoff_id, me, form)


def _withdraw_with_form(request: Request, signoff_id: Id, me: Me, form: FormData) -> Response:
    check_csrf(request, form.get("csrf_token"))
    deps = web(request).deps
    try:
        withdraw_signoff(
            WithdrawSignoff(signoff_id=signoff_id, reason=form.get("reason"), admin=me.email), deps
        )
    except ValidationError as error:
        problems = field_errors(error, {"reason": "Give a reason for withdrawing the sign-off."})
        request.session["flash"] = next(iter(problems.values()))
        return RedirectResponse(f"/signoffs/{signoff_id}#withdraw", status_code=303)
    request.session["flash"] = "The sign-off has been withdrawn."
    return RedirectResponse(f"/signoffs/{signoff_id}", status_code=303)
