"""Sends the outbox from the web process when it runs alone (`signoff web`): a sign-in link must not wait
for a scheduled delivery. Leases keep it and any other deliverer from sending an email twice."""

from __future__ import annotations

import logging
import threading

from signoff.bootstrap import Application
from signoff.service.handlers.deliver_mail import deliver_mail


class WebMailRelay:
    def __init__(self, application: Application, interval_seconds: float = 0.5) -> None:
        self._application = application
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="web-mail-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        deps = self._application.deps
        while not self._stopping.wait(self._interval):
            try:
                with deps.new_unit_of_work() as uow:
                    due = uow.outbox.any_due(deps.clock.now())
                if due:
                    deliver_mail(deps, self._application.mailer(), self._application.settings.mail_from)
            except Exception:
                logging.getLogger(__name__).exception("web mail relay: delivery failed; it will try again")
