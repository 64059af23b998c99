"""In Chromium: the watcher reads the fictional HMICFRS listing from a local server; the policy officer opens
the proposal from its email, corrects one finding, starts the sign-off; the drafters' emails follow. The
proposal's page is checked with axe-core (WCAG 2.2 AA) and screenshotted into the test's output folder."""

from __future__ import annotations

import time

import pytest

from signoff.service.handlers.watch_publications import watch_publications
from signoff.watching import watch_dependencies
from tests.browser import chromium
from tests.handlers.test_watch_publications import NOW
from tests.people import OWEN
from tests.support.hmicfrs import serve_fixtures
from tests.web.test_browser import Site, site  # noqa: F401 - the running site, a fixture
from tests.web.test_reflow_browser import overflow

pytestmark = pytest.mark.slow
CORRECTED = "The constabulary should record every report of anti-social behaviour that is a crime as a crime."


def proposal_email_link(site: Site, to: str, proposal_id: int, timeout: float = 20.0) -> str:  # noqa: F811
    """The link of the report_proposed email of this proposal, once it has reached `to`."""
    wanted = f"{site.server.url}/proposals/{proposal_id}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in site.smtp.inbox.to(to):
            if message["X-Signoff-Event"] == "report_proposed":
                text = message.get_body(preferencelist=("plain",)).get_content()
                if wanted in text.splitlines():
                    return wanted
        time.sleep(0.1)
    raise AssertionError(f"no report_proposed email for proposal #{proposal_id} reached {to} in {timeout} s")


def test_the_policy_officer_starts_the_signoff_from_the_proposal_email(site: Site) -> None:  # noqa: F811
    site.clock.set(NOW)
    with serve_fixtures() as fixtures:
        report = watch_publications(watch_dependencies(site.app), fixtures + "publications.html")
    [cheshire_peel] = [
        p
        for p in report.proposed
        if p.office == "cheshire-pcc" and p.report_url.endswith("peel-2025-cheshire.html")
    ]
    link = proposal_email_link(site, OWEN, cheshire_peel.proposal_id)

    with chromium() as browser:
        page = browser.new_context().new_page()
        site.sign_in(page, OWEN, link)
        page.get_by_role("heading", name="PEEL 2025: An inspection of Cheshire Constabulary").wait_for()
        assert page.get_by_role("link", name="Read it on the inspectorate's site").get_attribute("href") == (
            f"{fixtures}publications/peel-2025-cheshire.html"
        )
        assert "7 December 2025" in page.locator("#clock").inner_text()
        site.check(page, "proposal")
        page.set_viewport_size({"width": 320, "height": 900})  # WCAG 1.4.10: no sideways scrolling
        assert overflow(page) is None, overflow(page)
        page.set_viewport_size({"width": 1280, "height": 900})
        finding = page.locator("#findings-3-text")
        assert finding.input_value().startswith("The constabulary should make sure that it records crime")
        finding.fill(CORRECTED)
        with page.expect_navigation():
            page.get_by_role("button", name="Start the sign-off").click()
        page.get_by_text("started from the proposed report").wait_for()
        signoff_path = page.url.removeprefix(site.server.url)
        assert signoff_path.startswith("/signoffs/")
        site.check(page, "signoff-started-from-proposal")
        signoff_id = int(signoff_path.removeprefix("/signoffs/"))

    # The drafters of the first stage are asked, by email, as for any sign-off started by hand.
    drafting = site.email_link(OWEN, "drafting_assigned")
    assert f"/signoffs/{signoff_id}/sections/" in drafting
    with site.app.deps.new_unit_of_work() as uow:
        signoff = uow.signoffs.get(signoff_id)
        assert signoff.inspection.finding("AFI-1").text == CORRECTED
        assert signoff.statutory_last_day.isoformat() == "2025-12-07"
    assert site.violations == {}
