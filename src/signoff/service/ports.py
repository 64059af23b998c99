"""What the handlers need from storage, as protocols; adapters/ provides them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:
    # Only named in signatures: an adapter that imports this module for one of its row types, or a
    # command that never publishes, does not load the published document's model and the rest (and the
    # attention query module imports this one, through Dependencies).
    from signoff.domain.access import OfficeScope
    from signoff.domain.audit import AuditEvent
    from signoff.domain.certificate_check import CertificateClaims
    from signoff.domain.directory import DirectoryConfig, Participant, Roster
    from signoff.domain.document import Certificate, ResponseDocument
    from signoff.domain.model import Delegation, SignOff
    from signoff.domain.notifications import Attachment, DeliveryPolicy, NoticeEvent
    from signoff.domain.outbox import OutgoingEmail
    from signoff.domain.proposal import Proposal
    from signoff.domain.publication import PublishedFile, WrittenPublication
    from signoff.domain.report_reading import ListedReport, ReportReading
    from signoff.service.queries.attention import AttentionFilter, Thresholds


class SignoffRepository(Protocol):
    @property
    def seen(self) -> list[SignOff]: ...
    def add(self, signoff: SignOff) -> None: ...
    def get(self, signoff_id: int, *, for_update: bool = False) -> SignOff: ...
    def get_unless_locked(self, signoff_id: int) -> SignOff | None: ...
    def get_many_unless_locked(self, signoff_ids: Sequence[int]) -> list[SignOff]: ...
    def find_started(self, pcc_org: str, inspection_key: str) -> int | None: ...
    def count_started(self, pcc_org: str, inspection_key: str) -> int: ...
    def withdrawn_among(self, signoff_ids: Collection[int]) -> set[int]: ...
    def page(
        self, *, states: Sequence[str] | None = None, limit: int = 200, offset: int = 0
    ) -> list[SignOff]: ...
    def audit_events(self, signoff_id: int) -> list[AuditEvent]: ...
    def with_due_moments(self, now: datetime) -> list[int]: ...
    def needing_advance(self) -> list[int]: ...
    def with_idle_work(self, idle_before: datetime) -> list[int]: ...


class DirectoryRepository(Protocol):
    def sync(self, config: DirectoryConfig) -> tuple[int, int, int]: ...
    def roster(self) -> Roster: ...
    def find(self, email: str) -> Participant | None: ...
    def person(self, email: str) -> Participant: ...
    def organisation_force(self, pcc_org: str) -> str: ...
    def lock_people(self, person_ids: Sequence[int]) -> None:
        """Hold these people until the transaction ends (PostgreSQL's row locks; SQLite holds every writer
        at BEGIN IMMEDIATE already): two changes about the same people take their turns."""
        ...


class DelegationRepository(Protocol):
    def add(self, delegation: Delegation) -> None: ...
    def get(self, delegation_id: int) -> Delegation: ...
    def for_delegate(self, person_id: int) -> list[Delegation]: ...
    def all(self) -> list[Delegation]: ...
    def ended_between(self, start: datetime, end: datetime) -> list[Delegation]: ...
    def live_at(self, now: datetime) -> list[Delegation]: ...
    def starting_after(self, now: datetime) -> list[Delegation]: ...


class OutboxRepository(Protocol):
    def add(self, emails: Sequence[OutgoingEmail]) -> int: ...
    def add_new(self, emails: Sequence[OutgoingEmail]) -> set[str]:
        """As `add`: the idempotency keys of the emails that were new."""
        ...

    def any_due(self, now: datetime) -> bool: ...
    def unrendered(self, limit: int) -> list[OutgoingEmail]: ...
    def store_rendered(self, messages: dict[int, bytes]) -> int: ...
    def claim(self, owner: str, now: datetime, policy: DeliveryPolicy, limit: int) -> list[OutgoingEmail]: ...
    def mark_delivered(self, email_ids: Sequence[int], owner: str, now: datetime) -> int: ...
    def renew_leases(self, email_ids: Sequence[int], owner: str, until: datetime) -> int:
        """Keep `owner`'s leases on these messages, still being sent, until `until`: how many it held."""
        ...

    def load(self, ids: Sequence[int]) -> None: ...
    def get(self, email_id: int) -> OutgoingEmail: ...
    def page(
        self,
        *,
        state: str | None = None,
        limit: int = 200,
        offset: int = 0,
        office: OfficeScope | None = None,
    ) -> list[OutgoingEmail]: ...
    def concerns(self, email_id: int, office: OfficeScope) -> bool: ...
    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class StoredSession:
    """A signed-in session as stored: never its id, which only the person's cookie holds."""

    person_id: int
    email: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None


class WebSessionRepository(Protocol):
    """Signed-in sessions, by the SHA-256 of their id; ending one is for good."""

    def add(self, session_hash: str, person_id: int, now: datetime, expires_at: datetime) -> None: ...
    def find(self, session_hash: str) -> StoredSession | None: ...
    def touch(self, session_hash: str, now: datetime) -> None: ...
    def end(self, session_hash: str, now: datetime, reason: str) -> bool: ...
    def end_for_people(self, person_ids: Sequence[int], now: datetime, reason: str) -> int: ...
    def open_counts(self, *, seen_since: datetime, now: datetime) -> dict[str, int]:
        """Open sessions, by their person's address."""
        ...


class SignInRepository(Protocol):
    """Sign-in links (by the SHA-256 of their token) and the requests for them that the rate limits count."""

    def count_requests(
        self, *, since: datetime, address: str | None = None, client: str | None = None
    ) -> int: ...
    def record_request(self, address: str, client: str, at: datetime) -> None: ...
    def add_link(
        self, token_hash: str, person_id: int, next_path: str, created_at: datetime, expires_at: datetime
    ) -> None: ...
    def person_of_usable(self, token_hash: str, now: datetime) -> int | None:
        """Whom the link signs in, while it is unused and unexpired; None otherwise."""
        ...

    def consume(self, token_hash: str, now: datetime) -> tuple[int, str] | None:
        """The link's person and next path, marking it used; None when it is unknown, used or expired.
        Of two uses racing, exactly one gets it."""
        ...


@dataclass(frozen=True)
class TaskRow:
    """One thing waiting for someone: a section to draft, or an approval to give."""

    signoff_id: int
    signoff_title: str
    pcc_org: str
    force_org: str
    statutory_last_day: date
    publish_by: date
    stage_title: str
    section_key: str
    section_title: str
    section_state: str
    kind: str  # "draft" or "approve"
    holder_id: int
    drafter_ids: Sequence[int]
    due_at: datetime
    author_id: int | None = None  # of the text an approval is for; None for drafting
    place_organisations: Mapping[str, str] | None = None  # the section's (Section.place_organisations)

    def place_of(self, person_id: int) -> str | None:
        return (self.place_organisations or {}).get(str(person_id))


class TaskRepository(Protocol):
    """What waits across every active sign-off, read as rows (not by loading whole sign-offs)."""

    def pending_approvals(self, approver_ids: Sequence[int]) -> list[TaskRow]: ...
    def open_drafting(self, organisation: str) -> list[TaskRow]: ...
    def active_delegators(self, delegate_id: int, now: datetime) -> list[int]: ...


@dataclass(frozen=True)
class AttentionRow:
    """A pending approval or an open drafting section of an office's active sign-off, and who holds it."""

    signoff_id: int
    signoff_title: str
    stage_key: str
    stage_title: str
    section_key: str
    section_title: str
    kind: str
    holder_id: int
    holder_name: str
    holder_email: str
    holder_organisation: str
    # Whose place it is: the organisation the section records for it, else the holder's (Section.place_of).
    place_organisation: str
    due_at: datetime
    since: datetime | None
    statutory_last_day: date
    publish_by: date


@dataclass(frozen=True)
class OnTimeRow:
    pcc_org: str
    stage_key: str
    stage_title: str
    on_time: int
    late: int
    open_overdue: int


@dataclass(frozen=True)
class ReadyRow:
    """An office's sign-off with every approval in, not yet published: its publication stage's due moment."""

    signoff_id: int
    signoff_title: str
    due_at: datetime
    ready_since: datetime | None
    statutory_last_day: date
    publish_by: date


class AttentionRepository(Protocol):
    """The administration page's rows: what is stalled or at risk, and stages' on-time figures."""

    def page(
        self, office: str, thresholds: Thresholds, filters: AttentionFilter
    ) -> tuple[list[AttentionRow], int]:
        """One page of the office's flagged holdings, filtered, sorted and paged, and their total."""
        ...

    def on_time(self, now: datetime) -> list[OnTimeRow]: ...
    def ready_to_publish(self, office: str) -> list[ReadyRow]:
        """The office's sign-offs ready to publish, the soonest due first."""
        ...


class UnitOfWork(Protocol):
    @property
    def signoffs(self) -> SignoffRepository: ...
    @property
    def directory(self) -> DirectoryRepository: ...
    @property
    def delegations(self) -> DelegationRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def web_sessions(self) -> WebSessionRepository: ...
    @property
    def sign_in(self) -> SignInRepository: ...
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def attention(self) -> AttentionRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...
    def flush(self) -> None: ...
    def commit(self) -> None: ...


class EmailRenderer(Protocol):
    def render(
        self,
        event: NoticeEvent,
        context: dict[str, Any],
        *,
        to: str,
        key: str,
        now: datetime,
        attachments: Sequence[Attachment] = (),
    ) -> bytes:
        """The message as SMTP carries it (CRLF line ends); TemplateProblem when a template fails."""
        ...


class DocumentRenderer(Protocol):
    """The response and its certificate as HTML, Markdown and tagged PDF."""

    def response_html(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str: ...
    def response_markdown(
        self, doc: ResponseDocument, *, made_on: date, published_on: date | None, version: int
    ) -> str: ...
    def certificate_html(self, cert: Certificate, *, language: str) -> str: ...
    def pdf(self, html: str) -> bytes: ...


class PublicationStore(Protocol):
    """Where published versions are kept: one folder each, with a manifest."""

    def write(
        self, folder_name: str, files: list[PublishedFile], facts: dict[str, Any]
    ) -> WrittenPublication: ...
    def remove(self, folder: Path) -> None: ...
    def listed_files(self, folder: Path, manifest_sha256: str) -> dict[str, dict[str, Any]]:
        """The files the folder's manifest lists, by name; none unless the manifest is the one recorded
        (its SHA-256 `manifest_sha256`): a manifest rewritten on disk vouches for nothing."""
        ...

    def listed_file(self, folder: Path, name: str, manifest_sha256: str) -> ListedFile | None:
        """One file the recorded manifest lists, checked against its SHA-256; None when it lists none."""
        ...

    def manifest_file(self, folder: Path, manifest_sha256: str) -> ListedFile | None:
        """The folder's manifest itself, checked against the SHA-256 the database recorded; None if absent."""
        ...

    def published_certificate(self, folder: Path, manifest_sha256: str) -> CertificateClaims | None:
        """The version's certificate.html as it was published, read (the manifest and the file both as
        recorded); None when it is missing, altered or unreadable."""
        ...


@dataclass(frozen=True)
class ListedFile:
    path: Path
    media_type: str | None
    # Whether its bytes still hash to what the manifest recorded (a file the manifest gives no hash for is).
    intact: bool


class SendOutcome(Protocol):
    """What became of one message: sent, or refused for now (transient) or for good (permanent)."""

    @property
    def sent(self) -> bool: ...
    @property
    def permanent(self) -> bool: ...
    @property
    def error(self) -> str: ...


@dataclass(frozen=True)
class PreparedEmail:
    """A rendered message as it goes on the wire, with its envelope."""

    id: int
    sender: str
    recipient: str
    data: bytes


class Mailer(Protocol):
    def send(self, messages: Sequence[PreparedEmail], record: Callable[[int, SendOutcome], None]) -> None:
        """Send the batch over a few reused connections, calling `record` after each message.

        Raises MailServerUnavailable when the server cannot be reached or refuses the login: the
        caller then puts back what was not recorded.
        """
        ...


@dataclass(frozen=True)
class FetchedPage:
    url: str  # where it was found, after any redirect
    content_type: str
    content: bytes


class PageFetcher(Protocol):
    def fetch(self, url: str) -> FetchedPage:
        """The page's bytes; PublicationUnreadable naming the address when it cannot be fetched in time."""
        ...


class PublicationReader(Protocol):
    """The inspectorate's publications: the listing's reports, and what one report says."""

    def listing(self, url: str) -> list[ListedReport]:
        """PublicationUnreadable when the listing cannot be fetched or holds no publication."""
        ...

    def report(self, listed: ListedReport) -> ReportReading:
        """PublicationUnreadable when the page (or its PDF) cannot be fetched or is no report page."""
        ...


@dataclass(frozen=True)
class ListingHealth:
    url: str
    failures: int  # consecutive runs that could not read it
    last_error: str | None
    reported: bool  # the administrators were told of the current run of failures


class ProposalRepository(Protocol):
    """Proposals (one per report address and office), the reports already looked at, the listing's health."""

    def add(self, proposal: Proposal) -> bool:
        """False, adding nothing, when the office already has a proposal for this report's address."""
        ...

    def get(self, proposal_id: int, *, for_update: bool = False) -> Proposal: ...
    def save(self, proposal: Proposal) -> None: ...
    def for_office(self, office: str, *, open_only: bool = True) -> list[Proposal]: ...
    def seen(self, report_urls: Sequence[str]) -> set[str]:
        """Which of these report addresses the watcher has already read to the end."""
        ...

    def mark_seen(self, report_url: str, title: str, outcome: str, now: datetime) -> None: ...
    def listing_health(self, url: str) -> ListingHealth: ...
    def listing_failed(self, url: str, error: str, now: datetime) -> ListingHealth: ...
    def listing_read(self, url: str, now: datetime) -> None: ...
    def listing_reported(self, url: str, now: datetime) -> None: ...


class ProposalUnitOfWork(UnitOfWork, Protocol):
    """The unit of work with the watcher's proposals: the SQL one has them; the handlers of proposals ask for it."""

    @property
    def proposals(self) -> ProposalRepository: ...
