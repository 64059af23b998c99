"""Sending over SMTP with aiosmtplib: one connection for a batch, each message's fate reported as it goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from signoff.domain.errors import MailServerUnavailable
from signoff.service.ports import SendOutcome


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = 30.0

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

    def send(
        self, messages: Sequence[tuple[int, EmailMessage]], record: Callable[[int, SendOutcome], None]
    ) -> None:
        if messages:
            asyncio.run(self._send(messages, record))

    async def _send(
        self, messages: Sequence[tuple[int, EmailMessage]], record: Callable[[int, SendOutcome], None]
    ) -> None:
        client = await self._connect()
        try:
            for email_id, message in messages:
                outcome = await self._send_one(client, message)
                record(email_id, outcome)
                if outcome.error.startswith("connection lost"):
                    # Reconnect once for the rest of the batch; if that fails, the caller puts them back.
                    client = await self._connect()
        finally:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            use_tls=s.tls,
            start_tls=s.starttls,
            timeout=s.timeout,
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

    async def _send_one(self, client: aiosmtplib.SMTP, message: EmailMessage) -> Outcome:
        try:
            await client.send_message(message)
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
