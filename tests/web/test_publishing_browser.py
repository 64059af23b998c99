"""In Chromium: the policy officer previews the response, confirms and publishes it, then publishes a
correction with its note; then someone who never signs in follows the link of the formal copy email (as
rendered into the outbox) to the public page, downloads the PDF and checks the certificate. Every page is
checked with axe-core (WCAG 2.2 AA) and screenshotted into the test's output folder. On SQLite and on
PostgreSQL, the database of the issue's scenario (`signoff serve` on PostgreSQL): publishing writes the
publication, its audit events and its emails in one transaction, and the public pages read them back."""

from __future__ import annotations

import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from signoff.adapters.orm import outbox
from tests.browser import chromium
from tests.people import OWEN
from tests.publication.reference import ready_to_publish
from tests.web.test_browser import Site, site  # noqa: F401 - the running site, a fixture

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]
CORRECTION = "The Chief Constable's title was wrong."
# Publishing renders the PDF, and may run as a Prefect flow (a local Prefect server started on first use):
# on a loaded two-core machine that can take far longer than a page load, Playwright's 30 s default.
PUBLISHING_MS = 180_000


def formal_copy(running: Site, signoff_id: int, version: int, timeout: float = 60.0) -> EmailMessage:
    """The formal copy of `version` as rendered into the outbox (the first recipient's), once it is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with running.app.engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.context, outbox.c.message)
                .where(outbox.c.event == "formal_copy", outbox.c.signoff_id == signoff_id)
                .order_by(outbox.c.id)
            ).all()
        rendered = [row.message for row in rows if row.context.get("version") == version and row.message]
        if rendered:
            message = message_from_bytes(rendered[0], policy=policy.default)
            assert isinstance(message, EmailMessage)
            return message
        time.sleep(0.1)
    raise AssertionError(f"no formal copy of version {version} was rendered within {timeout} s")


def online_link(message: EmailMessage) -> str:
    """The address under "Read the response online:" in the plain-text part."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    match = re.search(r"Read the response online:\s+(\S+)", text)
    assert match, text
    return match.group(1)


def test_publish_in_the_browser_then_read_and_check_it_without_signing_in(site: Site) -> None:  # noqa: F811
    signoff_id = ready_to_publish(site.app)
    base = site.server.url
    with chromium() as browser:
        owen = browser.new_context().new_page()
        site.sign_in(owen, OWEN, f"{base}/signoffs/{signoff_id}")
        site.check(owen, "signoff-ready-to-publish")
        owen.get_by_role("button", name="Preview and publish").click()
        owen.get_by_role("heading", name="Publish the response").wait_for()
        preview = owen.frame_locator("iframe.preview-frame")
        preview.get_by_role("heading", level=1).first.wait_for()
        site.check(owen, "publish-preview")
        go_on = owen.get_by_role("button", name="Continue")
        go_on.scroll_into_view_if_needed()  # below the tall frame: clicked only once it is in view
        with owen.expect_navigation():
            go_on.click()
        owen.get_by_role("heading", name="Check before you publish").wait_for()
        site.check(owen, "publish-confirm")
        owen.get_by_role("button", name="Publish the response").click()
        owen.get_by_role("heading", name="Response published").wait_for(timeout=PUBLISHING_MS)
        site.check(owen, "published")
        owen.goto(f"{base}/signoffs/{signoff_id}/publish")
        owen.get_by_role("heading", name="Publish a correction").wait_for()
        site.check(owen, "publish-correction-preview")
        owen.goto(f"{base}/signoffs/{signoff_id}/publish/confirm")
        owen.get_by_role("button", name="Publish the correction").click()
        assert owen.get_by_role("heading", name="There is a problem").is_visible()
        site.check(owen, "publish-correction-without-note")
        owen.get_by_label("What was corrected").fill(CORRECTION)
        owen.get_by_role("button", name="Publish the correction").click()
        owen.get_by_role("heading", name="Correction published").wait_for(timeout=PUBLISHING_MS)
        owen.get_by_text(f"What was corrected: {CORRECTION}").wait_for()
        site.check(owen, "correction-published")

        # Someone who never signs in follows the link of the formal copy of the correction.
        response_url = online_link(formal_copy(site, signoff_id, version=2))
        assert response_url == f"{base}/responses/{signoff_id}"
        reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        reader.goto(response_url)
        reader.get_by_role("heading", level=1).wait_for()
        site.check(reader, "public-response")
        reader.get_by_role("heading", name="Version 2 (latest)").wait_for()
        reader.get_by_text(f"What was corrected: {CORRECTION}").wait_for()
        pdf_link = reader.locator(f'a[href="/responses/{signoff_id}/v2/response.pdf"]')
        assert pdf_link.count() == 1
        pdf = reader.request.get(f"{base}{pdf_link.get_attribute('href')}")
        assert pdf.ok
        assert pdf.headers["content-type"].startswith("application/pdf")
        assert pdf.body().startswith(b"%PDF-")
        certificate_link = reader.locator(f'a[href="/responses/{signoff_id}/v2/certificate.json"]')
        assert certificate_link.count() == 1
        certificate_link.click()
        # The click starts the navigation; the JSON is the page's once it has loaded.
        reader.wait_for_url(f"**/responses/{signoff_id}/v2/certificate.json")
        reader.wait_for_load_state()
        assert '"signoff_id"' in reader.content()
        certificate = site.shots / "certificate.json"  # as the reader saved it
        certificate.write_bytes(
            reader.request.get(f"{base}/responses/{signoff_id}/v2/certificate.json").body()
        )

        reader.goto(f"{base}/responses")
        site.check(reader, "public-responses")
        assert reader.locator(f'h3 a[href="/responses/{signoff_id}"]').count() == 1
        reader.goto(f"{base}/responses/check-certificate")
        site.check(reader, "check-certificate")
        reader.get_by_role("button", name="Check the certificate").click()
        assert reader.get_by_role("heading", name="There is a problem").is_visible()
        site.check(reader, "check-certificate-without-file")
        reader.get_by_label("Certificate file").set_input_files(str(certificate))
        reader.get_by_role("button", name="Check the certificate").click()
        reader.get_by_role("heading", name="The certificate matches the record").wait_for()
        site.check(reader, "check-certificate-matches")

    assert site.violations == {}
