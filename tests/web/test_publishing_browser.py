"""In Chromium: the policy officer previews the response, confirms and publishes it; then someone who never
signs in reads the public pages and checks the certificate. Every page is checked with axe-core (WCAG 2.2
AA) and screenshotted into the test's output folder."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.people import OWEN
from tests.publication.reference import ready_to_publish
from tests.web.test_browser import Site, site  # noqa: F401 - the running site, a fixture

pytestmark = pytest.mark.slow


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
        owen.get_by_role("heading", name="Response published").wait_for()
        site.check(owen, "published")
        owen.goto(f"{base}/signoffs/{signoff_id}/publish/confirm")
        owen.get_by_role("button", name="Publish the correction").click()
        assert owen.get_by_role("heading", name="There is a problem").is_visible()
        site.check(owen, "publish-correction-without-note")

        reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        reader.goto(f"{base}/responses")
        site.check(reader, "public-responses")
        certificate_link = reader.locator(f'a[href="/responses/{signoff_id}/v1/certificate.json"]')
        assert certificate_link.count() == 1
        reader.locator(f'h3 a[href="/responses/{signoff_id}"]').click()
        reader.wait_for_url(f"{base}/responses/{signoff_id}")
        site.check(reader, "public-response")
        certificate_link.click()
        assert '"signoff_id"' in reader.content()
        [folder] = site.app.settings.publication_dir.glob(f"*-signoff-{signoff_id}-v1")
        certificate = folder / "certificate.json"
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
