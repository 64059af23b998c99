"""The handlers' dependencies in memory: the fakes of tests/support/fakes.py, a fixed clock, the real
config/ files, and recording stand-ins for the email renderer, the document renderer and the publication
folder. What the composition root (signoff.bootstrap) wires to SQL, Jinja, WeasyPrint and the disk, this
wires to memory, so a handler test runs in milliseconds and asserts on what was recorded."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from signoff.adapters.config_files import load_model
from signoff.adapters.pipeline_files import load_pipelines
from signoff.domain.certificate_check import CertificateClaims
from signoff.domain.deadlines import england_and_wales
from signoff.domain.directory import DirectoryConfig
from signoff.domain.document import Certificate, PublicationConfig, ResponseDocument
from signoff.domain.errors import MailServerUnavailable, SignoffError, TemplateProblem
from signoff.domain.notifications import Attachment, Links, NoticeEvent, NotificationRules
from signoff.domain.pipeline import Pipeline
from signoff.domain.publication import PublishedFile, WrittenPublication
from signoff.service.clock import FixedClock
from signoff.service.dependencies import Dependencies
from signoff.service.handlers.load_directory import load_directory
from signoff.service.notify import queue_notices_for_new_events
from signoff.service.ports import (
    DocumentRenderer,
    EmailRenderer,
    ListedFile,
    Mailer,
    PreparedEmail,
    PublicationStore,
    SendOutcome,
)
from signoff.settings import PROJECT_ROOT
from tests.support.fakes import FakeStore, FakeUnitOfWork
from tests.support.story import PUBLICATION_MORNING

CONFIG = PROJECT_ROOT / "config"
MANIFEST = "manifest.json"
BASE_URL = "http://127.0.0.1:8000"


# The shipped config, read and validated once per test run: each test gets the same frozen models.
@cache
def pipeline() -> Pipeline:
    return load_model(CONFIG / "pipeline.yaml", Pipeline)


def stricter_pipeline() -> Pipeline:
    """The shipped pipeline with harder quorum rules: a sequence, two of three, and an author-approver."""
    data: dict[str, Any] = pipeline().model_dump(mode="json", exclude_none=True)
    summary_stage = data["stages"][0]
    summary_stage["sections"][0]["approval"] = {
        "approvers": [{"role": "chief_executive", "of": "pcc"}, {"role": "commissioner", "of": "pcc"}],
        "order": "sequence",
    }
    summary_stage["sections"].append(
        {
            "key": "context",
            "title": "Context",
            "drafter": {"role": "policy_officer", "of": "pcc"},
            "approval": {
                "approvers": [
                    {"role": "chief_executive", "of": "pcc"},
                    {"role": "commissioner", "of": "pcc"},
                    {"role": "pcc_admin", "of": "pcc"},
                ],
                "require": 2,
            },
        }
    )
    # The drafter is also named as an approver: the author is left out of their own round.
    data["stages"][2]["sections"][0]["approval"] = {
        "approvers": [{"role": "commissioner", "of": "pcc"}, {"role": "policy_officer", "of": "pcc"}],
    }
    return Pipeline.model_validate(data)


@cache
def notification_rules() -> NotificationRules:
    return load_model(CONFIG / "notifications.yaml", NotificationRules)


@cache
def publication_config() -> PublicationConfig:
    return load_model(CONFIG / "publication.yaml", PublicationConfig)


@cache
def directory_config() -> DirectoryConfig:
    return load_model(CONFIG / "directory.yaml", DirectoryConfig)


@dataclass(frozen=True)
class Rendered:
    event: NoticeEvent
    to: str
    key: str
    attachments: tuple[str, ...]


class RecordingEmailRenderer:
    """Renders an email as a few header lines, and records each call."""

    def __init__(self) -> None:
        self.rendered: list[Rendered] = []
        self.broken: set[NoticeEvent] = set()

    def render(
        self,
        event: NoticeEvent,
        context: dict[str, Any],  # noqa: ARG002 - the real renderer's business
        *,
        to: str,
        key: str,
        now: datetime,
        attachments: Sequence[Attachment] = (),
    ) -> bytes:
        if event in self.broken:
            raise TemplateProblem(f"template for {event.value} is broken")
        self.rendered.append(Rendered(event, to, key, tuple(a.filename for a in attachments)))
        return (
            f"Message-ID: <{hashlib.sha256(key.encode()).hexdigest()[:16]}@test>\r\nTo: {to}\r\n"
            f"Subject: {event.value}\r\nDate: {now.isoformat()}\r\n\r\n{key}\r\n"
        ).encode()


class RecordingDocumentRenderer:
    """The response and certificate as short texts naming what they were made from; no WeasyPrint."""

    def __init__(self) -> None:
        self.pdfs = 0

    def response_html(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str:
        return (
            f"<h1>{doc.header.inspection_title}</h1><p>v{version} made {made_on} published {published_on}</p>"
        )

    def response_markdown(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str:
        return f"# {doc.header.inspection_title}\n\nv{version} made {made_on} published {published_on}\n"

    def certificate_html(self, cert: Certificate, *, language: str) -> str:
        return f'<html lang="{language}"><p>certificate v{cert.version} {cert.audit_head}</p></html>'

    def pdf(self, html: str) -> bytes:
        self.pdfs += 1
        return b"%PDF-1.7 " + html.encode()


@dataclass
class MemoryPublicationStore:
    """Published folders as dictionaries of files; `fail_next` makes the next write raise."""

    folders: dict[Path, dict[str, bytes]] = field(default_factory=dict)
    removed: list[Path] = field(default_factory=list)

    def write(
        self, folder_name: str, files: list[PublishedFile], facts: dict[str, Any]
    ) -> WrittenPublication:
        folder = Path("/published") / folder_name
        listed = {f.name: hashlib.sha256(f.data).hexdigest() for f in files}
        manifest = json.dumps({**facts, "files": listed}, sort_keys=True).encode()
        self.folders[folder] = {**{f.name: f.data for f in files}, MANIFEST: manifest}
        return WrittenPublication(folder=folder, manifest_sha256=hashlib.sha256(manifest).hexdigest())

    def remove(self, folder: Path) -> None:
        self.folders.pop(folder, None)
        self.removed.append(folder)

    def listed_files(self, folder: Path, manifest_sha256: str) -> dict[str, dict[str, Any]]:
        files = self.folders.get(folder, {})
        if hashlib.sha256(files.get(MANIFEST, b"")).hexdigest() != manifest_sha256:
            return {}  # a manifest that is not the one recorded vouches for nothing
        return {name: {"bytes": len(data)} for name, data in files.items() if name != MANIFEST}

    def listed_file(self, folder: Path, name: str, manifest_sha256: str) -> ListedFile | None:
        if name == MANIFEST or name not in self.listed_files(folder, manifest_sha256):
            return None
        return ListedFile(path=folder / name, media_type=None, intact=True)

    def manifest_file(self, folder: Path, manifest_sha256: str) -> ListedFile | None:
        manifest = self.folders.get(folder, {}).get(MANIFEST)
        if manifest is None:
            return None
        intact = hashlib.sha256(manifest).hexdigest() == manifest_sha256
        return ListedFile(path=folder / MANIFEST, media_type="application/json", intact=intact)

    def published_certificate(
        self,
        folder: Path,  # noqa: ARG002 - the port's signature
        manifest_sha256: str,  # noqa: ARG002
    ) -> CertificateClaims | None:
        return None  # the fake renderer's certificate holds no data to read back


@dataclass(frozen=True)
class Outcome:
    sent: bool
    permanent: bool = False
    error: str = ""


class RecordingMailer:
    """Accepts every message (or refuses the addresses in `refuse`, or is unreachable), and records it."""

    def __init__(self) -> None:
        self.sent: list[PreparedEmail] = []
        self.refuse: dict[str, Outcome] = {}
        self.unreachable = False

    def send(self, messages: Sequence[PreparedEmail], record: Callable[[int, SendOutcome], None]) -> None:
        if self.unreachable:
            raise MailServerUnavailable("cannot reach the SMTP server at 127.0.0.1:1 (test)")
        for message in messages:
            outcome = self.refuse.get(message.recipient, Outcome(sent=True))
            if outcome.sent:
                self.sent.append(message)
            record(message.id, outcome)

    def recipients(self) -> list[str]:
        return [m.recipient for m in self.sent]


@dataclass
class InMemoryApp:
    """What a handler test holds: the dependencies, and the fakes behind them to look at."""

    deps: Dependencies
    clock: FixedClock
    store: FakeStore
    renderer: RecordingEmailRenderer
    documents: RecordingDocumentRenderer
    publications: MemoryPublicationStore

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    def fingerprint(self) -> tuple[object, ...]:
        """What is stored, as plain values: equal before and after an action that changed nothing."""
        state = self.store.state
        return (
            tuple(
                (
                    s.id,
                    s.state.value,
                    s.audit_head,
                    tuple(
                        (
                            t.key,
                            t.state.value,
                            t.due_on,
                            tuple(
                                (
                                    c.key,
                                    c.state.value,
                                    len(c.revisions),
                                    tuple(r.state.value for r in c.requests),
                                    tuple(c.drafter_ids),
                                    tuple(sorted(c.places().items())),
                                )
                                for c in t.sections
                            ),
                        )
                        for t in s.stages
                    ),
                )
                for s in state.signoffs
            ),
            tuple((k, len(v)) for k, v in state.audit.items()),
            tuple(state.people),
            tuple((d.id, d.from_person_id, d.to_person_id, d.revoked_at) for d in state.delegations),
            tuple((e.id, e.state.value, e.message is None, e.attempts) for e in state.outbox),
            tuple((h, s.ended_at) for h, s in state.web_sessions.items()),
            tuple((h, link.used_at) for h, link in state.sign_in_links.items()),
        )

    def refused(self, action: Callable[[], object], error: type[SignoffError], *words: str) -> SignoffError:
        """Run an action that must be refused with this error (its message naming `words`), changing nothing."""
        before = self.fingerprint()
        with pytest.raises(error) as caught:
            action()
        assert self.fingerprint() == before, "a refused action changed what is stored"
        for word in words:
            assert word in caught.value.message, caught.value.message
        return caught.value

    def emails(self) -> list[tuple[str, str]]:
        """(event, recipient address) of every email in the outbox, in the order queued."""
        return [(str(e.event), e.recipient_email) for e in self.store.state.outbox]

    def move(self, email: str, organisation: str | None, roles: Sequence[str] | None = None) -> None:
        """Reload the shipped directory with `email` in `organisation` (None: they left, and are removed),
        with `roles` there (by default their own). Nobody names them as escalation contact any more, nor
        they anyone of the organisation they left."""
        data = directory_config().model_dump(mode="json")
        person = next(p for p in data["people"] if p["email"] == email)
        if organisation is None:
            data["people"].remove(person)
        else:
            person.update(organisation=organisation, escalation_contact=None)
            if roles is not None:
                person["roles"] = list(roles)
        for someone in data["people"]:
            if someone.get("escalation_contact") == email:
                someone["escalation_contact"] = None
        load_directory(DirectoryConfig.model_validate(data), pipeline(), self.deps)


def in_memory_app(
    *, now: datetime = PUBLICATION_MORNING, with_directory: bool = True, by_inspection_type: bool = False
) -> InMemoryApp:
    """`by_inspection_type`: each report follows the shipped pipeline for its type (config/pipelines/), as
    the application does; else every report follows config/pipeline.yaml's."""
    clock = FixedClock(now)
    store = FakeStore()
    links = Links(BASE_URL)
    renderer = RecordingEmailRenderer()
    documents = RecordingDocumentRenderer()
    publications = MemoryPublicationStore()

    def queue_emails(uow: FakeUnitOfWork) -> None:
        queue_notices_for_new_events(uow, notification_rules(), links, renderer, clock.now())

    email_renderer: EmailRenderer = renderer
    document_renderer: DocumentRenderer = documents
    publication_store: PublicationStore = publications
    deps = Dependencies(
        new_unit_of_work=lambda: FakeUnitOfWork(store, before_commit=queue_emails),
        clock=clock,
        calendar=england_and_wales(),
        load_pipeline=pipeline,
        load_notification_rules=notification_rules,
        links=links,
        renderer=email_renderer,
        documents=document_renderer,
        load_publication_config=publication_config,
        publications=publication_store,
        load_pipelines=(lambda: load_pipelines(CONFIG / "pipeline.yaml")) if by_inspection_type else None,
    )
    app = InMemoryApp(deps, clock, store, renderer, documents, publications)
    if with_directory:
        load_directory(directory_config(), pipeline(), deps)
    return app


def _conforming() -> None:
    _mailer: Mailer = RecordingMailer()
