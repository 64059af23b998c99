"""Email that does not go, end to end as an operator sets it up: a Prefect server, a notification block for
the administrators (a webhook, here one the test listens on, as Slack's or Teams' would be), `signoff prefect
setup --notify-block` for the automations, and `signoff relay` sending through an SMTP server that first
refuses an address and is then unreachable. Prefect holds the events, and its automation tells the
administrators of each; by a webhook, not by email, since the mail server is what failed."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.settings import PREFECT_API_URL, temporary_settings

from signoff.adapters.mail_sink import free_port
from tests.people import OWEN, RACHEL
from tests.resilience.harness import BIN, prefect_api, report, start_prefect_server, wait_until
from tests.resilience.rig import Rig
from tests.support.story import draft, start_reference

pytestmark = pytest.mark.slow


class Webhook:
    """An HTTP endpoint that keeps what is posted to it: the administrators' channel."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def about(self, event: str) -> list[str]:
        return [str(post["text"]) for post in self.received if event in str(post["text"])]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_a_refused_email_and_an_unreachable_mail_server_reach_the_administrators(
    rig: Rig, webhook: Webhook
) -> None:
    _, api = start_prefect_server(rig.processes)
    env = {**rig.env, "PREFECT_API_URL": api}
    with temporary_settings(updates={PREFECT_API_URL: api}):
        CustomWebhookNotificationBlock(
            name="signoff administrators", url=webhook.url, json_data={"text": "{{subject}}\n{{body}}"}
        ).save("signoff-admins")
    setup = subprocess.run(
        [str(BIN / "signoff"), "prefect", "setup", "--notify-block", "custom-webhook/signoff-admins"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    relay = rig.processes.start("relay", [str(BIN / "signoff"), "relay"], env)
    wait_until(lambda: "ready" in rig.processes.log("relay") or relay.poll() is not None, "signoff relay")
    assert relay.poll() is None, rig.processes.log("relay")

    rig.smtp.inbox.refuse[OWEN] = "550 5.1.1 no such mailbox"
    signoff_id = start_reference(rig.app)  # queues Owen's drafting email, which the server refuses for good
    wait_until(
        lambda: webhook.about("signoff.email.failed"), "the administrators to hear of the failed email", 120
    )
    [failed] = webhook.about("signoff.email.failed")
    assert "550 5.1.1 no such mailbox" in failed
    assert "drafting_assigned" in failed  # which email: "email #N (drafting_assigned)"

    rig.smtp.stop()
    draft(rig.app, signoff_id, "report-summary", OWEN, "Summary.")  # queues Rachel's approval request
    wait_until(
        lambda: webhook.about("signoff.smtp.unreachable"),
        "the administrators to hear of the mail server",
        120,
    )
    assert "the mail server" in webhook.about("signoff.smtp.unreachable")[0]

    # And Prefect holds the events (stored a few seconds after the automation saw them), naming the
    # sign-off where there is one.
    by_name: dict[str, list[dict[str, Any]]] = {}

    def stored() -> bool:
        events = prefect_api(
            api, "events/filter", {"filter": {"event": {"prefix": ["signoff."]}}, "limit": 50}
        )
        by_name.clear()
        for event in events["events"]:
            by_name.setdefault(event["event"], []).append(event)
        return {"signoff.email.failed", "signoff.smtp.unreachable"} <= set(by_name)

    wait_until(stored, "Prefect to store the events", 60)
    report(
        f"mail alerts: {len(webhook.about('signoff.email.failed'))} notification(s) of a failed email, "
        f"{len(webhook.about('signoff.smtp.unreachable'))} of the mail server unreachable"
    )
    [email_failed] = by_name["signoff.email.failed"]
    assert f"signoff.signoff.{signoff_id}" in {r["prefect.resource.id"] for r in email_failed["related"]}
    # Rachel's email waits in the outbox for the server to come back; nothing was sent to her meanwhile.
    assert rig.smtp.inbox.to(RACHEL) == []
