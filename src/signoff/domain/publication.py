"""A published version of a sign-off's response: when, by whom, where, and whether it was on time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# The certificate of completion's page, one of each version's files: what the certificate check reads back.
CERTIFICATE_HTML = "certificate.html"


class Publication:
    """One version of the published response. A correction is a new version; older ones are kept."""

    id: int | None

    def __init__(
        self,
        *,
        version: int,
        published_at: datetime,
        published_on: date,
        published_by_id: int,
        folder: str,
        manifest_sha256: str,
        on_time: bool,
        days_late: int,
        note: str,
    ) -> None:
        self.id = None
        self.version = version
        self.published_at = published_at
        self.published_on = published_on
        self.published_by_id = published_by_id
        self.folder = folder
        self.manifest_sha256 = manifest_sha256
        self.on_time = on_time
        self.days_late = days_late
        self.note = note


def days_late(published_on: date, statutory_last_day: date) -> int:
    """Calendar days after the statutory last day (0 when on time): the Act counts calendar days."""
    return max(0, (published_on - statutory_last_day).days)


@dataclass(frozen=True)
class PublishedFile:
    """One file of a publication: the response or its certificate in one format, or the manifest."""

    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class WrittenPublication:
    folder: Path
    manifest_sha256: str
