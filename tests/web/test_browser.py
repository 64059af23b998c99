"""In Chromium: a force approver follows the emailed link, signs in, asks for changes; the drafter edits;
the approver sees what changed and approves; an administrator finds the stalled request and reassigns it.
Every main page is screenshotted (into the test's output folder) and checked with axe-core (WCAG 2.2 AA)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from signoff.adapters.mail_sink import free_port
from signoff.bootstrap import Application, bootstrap
from signoff.entrypoints.web.server import WebServer
from signoff.service.clock import FixedClock
from signoff.service.handlers.load_directory import load_directory
from signoff.service.queries.signoff_read import section_detail
from signoff.settings import PROJECT_ROOT, Settings
from tests.browser import accessibility_violations, chromium
from tests.people import ANDREW, DANIEL, HANNAH, OWEN, PRIYA, RACHEL, SARAH
from tests.smtp_server import SmtpServer, running_smtp_server
from tests.support.story import PUBLICATION_MORNING, approve, draft, start_reference

pytestmark = pytest.mark.slow
LINK = re.compile(r"http://127\.0\.0\.1:\d+/\S+")


class Site:
    def __init__(
        self, app: Application, server: WebServer, smtp: SmtpServer, clock: FixedClock, shots: Path
    ) -> None:
        self.app, self.server, self.smtp, self.clock, self.shots = app, server, smtp, clock, shots
        self.violations: dict[str, list[str]] = {}

    def email_link(self, to: str, event: str, seen: int = 0, timeout: float = 15.0) -> str:
        """The first link of the newest `event` email to `to`, once more than `seen` have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.smtp.inbox.to(to) if m["X-Signoff-Event"] == event]
            if len(found) > seen:
                text = found[-1].get_body(preferencelist=("plain",)).get_content()
                match = LINK.search(text)
                assert match, text
                return match.group(0)
            time.sleep(0.1)
        raise AssertionError(f"no {event} email reached {to} within {timeout} s")

    def sign_in(self, page: Any, email: str, start: str) -> None:
        """Follow `start`; at the sign-in page ask for a link, open it from the email, press the button."""
        seen = len([m for m in self.smtp.inbox.to(email) if m["X-Signoff-Event"] == "sign_in_link"])
        page.goto(start)
        page.get_by_label("Email address").fill(email)
        page.get_by_role("button", name="Email me a sign-in link").click()
        page.get_by_role("heading", name="Check your email").wait_for()
        page.goto(self.email_link(email, "sign_in_link", seen))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def check(self, page: Any, name: str) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        found = accessibility_violations(page)
        if found:
            self.violations[name] = found


@pytest.fixture
def site(database_url: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The web app served on a free port, on SQLite (and on PostgreSQL for a test marked both_databases)."""
    clock = FixedClock(PUBLICATION_MORNING)
    port = free_port()
    with running_smtp_server() as smtp:
        settings = Settings(
            database_url=database_url,
            config_dir=PROJECT_ROOT / "config",
            var_dir=tmp_path / "var",
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            base_url=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        )
        app = bootstrap(settings, clock=clock)
        load_directory(app.load_directory_config(), app.deps.load_pipeline(), app.deps)
        server = WebServer(app, "127.0.0.1", port, deliver_mail=True)
        server.start()
        try:
            yield Site(app, server, smtp, clock, tmp_path_factory.mktemp("screenshots"))
        finally:
            server.stop()
            app.engine.dispose()


def test_request_changes_edit_approve_then_reassign_the_stalled_request(site: Site) -> None:
    app = site.app
    signoff_id = start_reference(app)
    draft(app, signoff_id, "report-summary", OWEN, "The NWROCU was inspected.")
    approve(app, signoff_id, "report-summary", RACHEL)
    draft(app, signoff_id, "finding-afi-1", PRIYA, "We rolled out improved training.")
    section_url = site.email_link(DANIEL, "approval_requested")
    assert section_url.endswith(f"/signoffs/{signoff_id}/sections/finding-afi-1")

    with chromium() as browser:
        daniel = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        daniel.goto(section_url)
        site.check(daniel, "sign-in")
        site.sign_in(daniel, DANIEL, section_url)
        assert daniel.url == section_url
        site.check(daniel, "section-to-approve")
        daniel.get_by_label("No, ask for changes").check()
        daniel.get_by_label("Comment").fill("Say what the new 4P platform is.")
        daniel.get_by_role("button", name="Send decision").click()
        daniel.get_by_text("Section sent back with your comment.").wait_for()

        priya = browser.new_context().new_page()
        site.sign_in(priya, PRIYA, site.email_link(PRIYA, "changes_requested"))
        priya.get_by_label("Text", exact=True).fill(
            "We rolled out improved training.\nWe moved our 4P plans onto a new platform, 4P Online."
        )
        priya.get_by_role("button", name="Save and send for approval").click()
        priya.get_by_text("Revision 2 saved").wait_for()
        site.check(priya, "section-drafter")
        priya.goto(f"{site.server.url}/tasks")
        site.check(priya, "tasks")

        daniel.goto(section_url)
        changed = daniel.locator("section pre.diff ins").all_inner_texts()
        assert changed == ["+We moved our 4P plans onto a new platform, 4P Online."]
        site.check(daniel, "section-with-diff")
        daniel.get_by_label("Yes, approve it").check()
        daniel.get_by_role("button", name="Send decision").click()
        daniel.get_by_text("Section approved.").wait_for()
        assert section_detail(signoff_id, "finding-afi-1", app.deps).section.state == "approved"

        # The chief constable's approval then waits, and waits: the administrator steps in.
        draft(app, signoff_id, "constabulary-response", PRIYA, "We proactively target criminals.")
        site.clock.advance(timedelta(days=30))
        hannah = browser.new_context().new_page()
        site.sign_in(hannah, HANNAH, f"{site.server.url}/admin")
        assert hannah.url.endswith("/admin")
        site.check(hannah, "administration")
        row = hannah.get_by_role("row").filter(has_text="Andrew Kershaw")
        assert "Overdue" in row.inner_text()
        row.get_by_role("checkbox").check()
        hannah.get_by_label("To", exact=True).select_option(SARAH)
        hannah.get_by_role("button", name="Reassign their places").click()
        hannah.get_by_text("reassigned to").wait_for()
        holders = section_detail(signoff_id, "constabulary-response", app.deps).section.holders
        assert holders == [f"Sarah Lomax <{SARAH}>"]
        assert ANDREW not in " ".join(holders)

        for path, name in [
            (f"/signoffs/{signoff_id}", "signoff"),
            ("/signoffs/new", "start"),
            ("/admin/emails", "failed-emails"),
            ("/admin/people", "people"),
            ("/admin/figures", "figures"),
        ]:
            hannah.goto(site.server.url + path)
            site.check(hannah, name)
        hannah.goto(site.server.url + "/signoffs/new")
        hannah.get_by_role("button", name="Start the sign-off").click()
        site.check(hannah, "start-with-errors")
        assert hannah.get_by_role("heading", name="There is a problem").is_visible()

    assert site.violations == {}
