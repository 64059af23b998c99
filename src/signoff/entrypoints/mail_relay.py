"""The mail relay: renders and sends what the outbox holds within a moment of its commit.

`signoff serve` runs one between its scheduled deliver-mail runs (starting a flow run costs a couple of
seconds, and an approver waiting for the email should not wait for it), `signoff relay` runs one alone
(beside Prefect workers), and so does `signoff web` when it runs alone (a sign-in link must not wait for a schedule). Leases keep it and any other deliverer from
sending an email twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from signoff.bootstrap import Application
from signoff.domain.errors import MailServerUnavailable
from signoff.service.handlers.deliver_mail import DeliveryReport, deliver_mail


class MailRelay:
    # Told what each delivery did (the flows tell Prefect of refused and failed email, say).
    Listener = Callable[[DeliveryReport], None]

    def __init__(
        self, app: Application, interval_seconds: float = 0.5, *, on_report: Listener | None = None
    ) -> None:
        self._app = app
        self._interval = interval_seconds
        self._on_report = on_report
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mail-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        deps = self._app.deps
        while not self._stopping.wait(self._interval):
            try:
                with deps.new_unit_of_work() as uow:
                    due = uow.outbox.any_due(deps.clock.now())
                if due:
                    report = deliver_mail(deps, self._app.mailer(), self._app.settings.mail_from)
                    if self._on_report is not None:
                        self._on_report(report)
            except MailServerUnavailable:
                pass  # no SMTP server configured: the emails wait in the outbox, where `mail list` shows them
            except Exception:
                logging.getLogger(__name__).exception("mail relay: delivery failed; it will try again")
