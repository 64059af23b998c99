"""Any sign-off driven to publication through the handlers: each section drafted by its drafter, then
approved by whoever is asked, one step at a time, whatever the pipeline and the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from signoff.adapters.documents.rendering import DocumentRenderer
from signoff.domain.document import ResponseDocument, build_document
from signoff.domain.document_layout import PublicationConfig
from signoff.domain.model import Outcome
from signoff.domain.transitions import RequestState, SectionState, SignoffState
from signoff.service.commands import Decide, SubmitRevision
from signoff.service.handlers.decide import decide
from signoff.service.handlers.submit_revision import submit_revision
from signoff.settings import PROJECT_ROOT
from tests.support.story import HasDeps

# Enough for a report with a hundred findings; a sign-off that stops moving fails sooner.
MOST_STEPS = 400


def section_text(key: str, title: str) -> str:
    """A text that names its section, so a test can find each one in the document."""
    return f"The text of {title} ({key}).\n\n- A first point of {key}.\n- A second point of {key}."


def drive_to_ready(app: HasDeps, signoff_id: int, text: Callable[[str, str], str] = section_text) -> None:
    for _ in range(MOST_STEPS):
        step = _next_step(app, signoff_id, text)
        if step is None:
            return
        step()
    raise AssertionError(f"sign-off #{signoff_id} is not ready after {MOST_STEPS} steps")


def _next_step(app: HasDeps, signoff_id: int, text: Callable[[str, str], str]) -> Callable[[], object] | None:
    with app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        roster = uow.directory.roster()
        if signoff.state is not SignoffState.ACTIVE:
            return None
        for stage in signoff.ordered_stages():
            for section in stage.ordered_sections():
                if section.state is SectionState.DRAFTING and section.current_revision is None:
                    command = SubmitRevision(
                        signoff_id=signoff_id,
                        section=section.key,
                        author=roster.by_id(section.drafter_ids[0]).email,
                        body=text(section.key, section.title),
                    )
                    return lambda: submit_revision(command, app.deps)
                for request in section.current_requests():
                    if request.state is RequestState.PENDING:
                        decision = Decide(
                            signoff_id=signoff_id,
                            section=section.key,
                            actor=roster.by_id(request.approver_id).email,
                            outcome=Outcome.APPROVE,
                        )
                        return lambda: decide(decision, app.deps)
    raise AssertionError(f"sign-off #{signoff_id} is active but nobody has anything to do")


@dataclass(frozen=True)
class Rendered:
    doc: ResponseDocument
    html: str
    markdown: str
    pdf: bytes


def render(app: HasDeps, signoff_id: int, config: PublicationConfig, *, pdf: bool = True) -> Rendered:
    """The sign-off's response in `config`'s layout, rendered as publishing renders it."""
    from datetime import date

    with app.deps.new_unit_of_work() as uow:
        doc = build_document(uow.signoffs.get(signoff_id), uow.directory.roster(), config)
    renderer = DocumentRenderer(PROJECT_ROOT / "templates", PROJECT_ROOT / "config")
    made_on = date(2025, 4, 1)
    html = renderer.response_html(doc, made_on=made_on, published_on=made_on, version=1)
    markdown = renderer.response_markdown(doc, made_on=made_on, published_on=made_on, version=1)
    return Rendered(doc, html, markdown, renderer.pdf(html) if pdf else b"")


def config_dir() -> Path:
    return PROJECT_ROOT / "config"
