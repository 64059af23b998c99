"""Sending over SMTP with aiosmtplib: a few reused connections per batch, each message's fate reported."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiosmtplib

from signoff.domain.errors import MailServerUnavailable
from signoff.service.ports import PreparedEmail, SendOutcome


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = 30.0
    connections: int = 8

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Outcome:
    sent: bool
    permanent: bool = False
    error: str = ""


SENT = Outcome(sent=True)


class SmtpMailer:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    def send(self, messages: Sequence[PreparedEmail], record: Callable[[int, SendOutcome], None]) -> None:
        if messages:
            asyncio.run(self._send(messages, record))

    async def _send(
        self, messages: Sequence[PreparedEmail], record: Callable[[int, SendOutcome], None]
    ) -> None:
        # The first connection proves the server and the login; only then open the others.
        first = await self._connect()
        lanes = max(1, min(self._settings.connections, len(messages)))
        clients = [first, *await asyncio.gather(*(self._connect() for _ in range(lanes - 1)))]
        queue: asyncio.Queue[PreparedEmail] = asyncio.Queue()
        for message in messages:
            queue.put_nowait(message)
        results = await asyncio.gather(
            *(self._lane(client, queue, record) for client in clients), return_exceptions=True
        )
        problems = [r for r in results if isinstance(r, BaseException)]
        if problems:
            raise problems[0]

    async def _lane(
        self,
        client: aiosmtplib.SMTP,
        queue: asyncio.Queue[PreparedEmail],
        record: Callable[[int, SendOutcome], None],
    ) -> None:
        try:
            while not queue.empty():
                message = queue.get_nowait()
                outcome = await self._send_one(client, message)
                record(message.id, outcome)
                if outcome.error.startswith("connection lost"):
                    # Reconnect once for the rest; if that fails, the caller puts them back in the queue.
                    client.close()
                    client = await self._connect()
        finally:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.host, port=s.port, use_tls=s.tls, start_tls=s.starttls, timeout=s.timeout
        )
        try:
            await client.connect()
            if s.username:
                await client.login(s.username, s.password or "")
        except aiosmtplib.SMTPAuthenticationError as error:
            client.close()
            raise MailServerUnavailable(
                f"the SMTP server {s.describe()} refused the login for {s.username!r} ({error.code} {error.message}); "
                "check SIGNOFF_SMTP_USERNAME and SIGNOFF_SMTP_PASSWORD"
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            client.close()
            raise MailServerUnavailable(
                f"cannot reach the SMTP server {s.describe()}: {error}; check SIGNOFF_SMTP_HOST, SIGNOFF_SMTP_PORT "
                "and the TLS settings"
            ) from None
        return client

    async def _send_one(self, client: aiosmtplib.SMTP, message: PreparedEmail) -> Outcome:
        try:
            await client.sendmail(message.sender, [message.recipient], message.data)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0] if error.recipients else None
            code = refused.code if refused else 0
            text = f"{code} {refused.message}" if refused else str(error)
            return Outcome(sent=False, permanent=500 <= code < 600, error=f"recipient refused: {text}")
        except aiosmtplib.SMTPServerDisconnected as error:
            return Outcome(sent=False, error=f"connection lost: {error}")
        except aiosmtplib.SMTPResponseException as error:
            return Outcome(
                sent=False, permanent=500 <= error.code < 600, error=f"{error.code} {error.message}"
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            return Outcome(sent=False, error=f"connection lost: {error}")
        return SENT
