"""A local SMTP server (aiosmtpd) that keeps every message as an .eml file: the embedded default's inbox."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_UNSAFE = re.compile(r"[^A-Za-z0-9@._-]+")


class EmlFolder:
    """aiosmtpd handler: each message received is written to `folder` as NNNNN-recipient.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802, ARG002 - aiosmtpd's hook
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        with self._lock:
            number = len(list(self.folder.glob("*.eml"))) + 1
            for recipient in envelope.rcpt_tos:
                name = f"{number:05d}-{_UNSAFE.sub('_', recipient)[:80]}.eml"
                (self.folder / name).write_bytes(data)
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def start_mail_sink(folder: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink on a thread; call .stop() on what it returns."""
    controller = Controller(EmlFolder(folder), hostname=host, port=port)
    controller.start()
    return controller


@dataclass(frozen=True)
class StoredEmail:
    path: Path
    to: str
    subject: str
    event: str
    text: str
    html: str
    attachments: tuple[str, ...]


def read_folder(folder: Path) -> list[StoredEmail]:
    """Every .eml in the folder, oldest first, with its plain text and HTML parts."""
    found: list[StoredEmail] = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)  # noqa: S101 - policy.default builds EmailMessage
        text_part = message.get_body(preferencelist=("plain",))
        html_part = message.get_body(preferencelist=("html",))
        found.append(
            StoredEmail(
                path=path,
                to=str(message["To"]),
                subject=str(message["Subject"]),
                event=str(message.get("X-Signoff-Event", "")),
                text=text_part.get_content() if isinstance(text_part, EmailMessage) else "",
                html=html_part.get_content() if isinstance(html_part, EmailMessage) else "",
                attachments=tuple(part.get_filename() or "" for part in message.iter_attachments()),
            )
        )
    return found
