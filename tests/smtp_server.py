"""A real SMTP server on loopback for tests: aiosmtpd, keeping messages in memory, refusing on request."""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from signoff.adapters.mail_sink import free_port


@dataclass
class Inbox:
    """What the server received; `refuse` maps an address to the SMTP reply its RCPT gets."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802, ARG002
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802, ARG002
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def _accept_only(username: str, password: str) -> Any:
    """An aiosmtpd authenticator that accepts one login."""

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) if isinstance(data, LoginPassword) else None
        return AuthResult(success=given == (username, password), handled=False)

    return authenticate


class SmtpServer:
    """`senders_elsewhere`: other processes may be connecting when the test stops the server (the fault
    tests' `signoff serve`), so its stop collects the connections asyncio drops (below). In-process senders
    have finished by then, and a full garbage collection costs a large test process a second of CPU."""

    def __init__(self, login: tuple[str, str] | None = None, *, senders_elsewhere: bool = False) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.login = login
        self.senders_elsewhere = senders_elsewhere
        self._controller: Controller | None = None

    def start(self) -> None:
        auth: dict[str, Any] = {}
        if self.login:
            auth = {
                "authenticator": _accept_only(*self.login),
                "auth_require_tls": False,
            }
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **auth)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
            if self.senders_elsewhere:
                _collect_connections_asyncio_dropped(self.port)


def _collect_connections_asyncio_dropped(port: int) -> None:
    """Python 3.11's asyncio drops a connection accepted just as its server closes (the transport's
    constructor asserts that the server still listens, and raises): the half-made transport and its socket
    are garbage that nobody closes, and the ResourceWarning the garbage collector gives for each, whenever
    it comes by, would fail whichever test is running then. A fault test stops this server while senders
    connect; collect that garbage now, silencing only those warnings."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"unclosed transport <_SelectorSocketTransport", ResourceWarning)
        warnings.filterwarnings(
            "ignore", rf"unclosed <socket\.socket .*laddr=\('127\.0\.0\.1', {port}\)", ResourceWarning
        )
        # Twice: what the first pass finalises (a task never started) lets go of more (the socket it was given).
        gc.collect()
        gc.collect()


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
