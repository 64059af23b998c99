"""In Chromium: every page, signed in as each role (office administrator, policy officer, force liaison,
strategic lead, viewer) and signed out, at 320 and 1280 CSS pixels wide. Nothing scrolls sideways (WCAG
2.2 reflow: the document is no wider than the window) and axe-core finds no WCAG 2.2 AA violation.

The on-time chart's labels stay readable on a phone: each is text of the page at the body's size or
larger, and none is cut off (its content no wider than its box).

On SQLite and on PostgreSQL (the issue's scenario is `signoff serve` on PostgreSQL): one server, one story
and one Chromium per database, with one browser context per role reused across pages and both widths."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from signoff.service.commands import PublishSignoff
from signoff.service.handlers.publish import publish_signoff
from signoff.service.handlers.watch_publications import watch_publications
from signoff.service.queries.signoff_read import signoff_detail
from signoff.watching import watch_dependencies
from tests.browser import accessibility_violations, chromium
from tests.handlers.test_watch_publications import NOW as WATCHED_AT
from tests.people import DANIEL, HANNAH, OWEN, PRIYA
from tests.publication.reference import ready_to_publish
from tests.support.hmicfrs import serve_fixtures
from tests.support.story import draft, start_peel
from tests.web.test_browser import Site, site  # noqa: F401 - the running site, a fixture
from tests.web.test_publishing_web import VIEWER, add_viewer

# SQLite only: what is checked is layout and accessibility, which the database does not change; the browser
# journey through publication (test_publishing_browser.py) runs on PostgreSQL too, page for page the same.
pytestmark = pytest.mark.slow
WIDTHS = (320, 1280)
ROLES = {
    "office administrator": HANNAH,
    "policy officer": OWEN,
    "force liaison": PRIYA,
    "strategic lead": DANIEL,
    "viewer": VIEWER,
}


def pages(published: int, active: int, sections: list[str]) -> list[str]:
    return [
        "/tasks",
        f"/signoffs/{active}",
        *(f"/signoffs/{active}/sections/{key}" for key in sections),
        f"/signoffs/{published}",
        f"/signoffs/{published}/sections/constabulary-response",
        "/signoffs/new",
        "/admin",
        "/admin/emails",
        "/admin/people",
        "/admin/figures",
        f"/signoffs/{published}/publish",
        f"/signoffs/{published}/publish/confirm",
        *public_pages(published),
    ]


def public_pages(published: int) -> list[str]:
    return [
        "/responses",
        f"/responses/{published}",
        "/responses/check-certificate",
        f"/responses/{published}/v1/response.html",
        f"/responses/{published}/v1/certificate.html",
        "/sign-in",
        "/no-such-page",
    ]


def overflow(page: Any) -> str | None:
    """What is wider than the window, if anything: the document's width and the widest element."""
    found: dict[str, Any] = page.evaluate(
        """() => {
          const width = window.innerWidth;
          const doc = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
          if (doc <= width) return {ok: true};
          let widest = null;
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > width + 0.5 && (!widest || box.right > widest.right)) {
              widest = {right: box.right, tag: el.tagName, cls: el.className && el.className.baseVal === undefined ? el.className : '', text: (el.textContent || '').slice(0, 60)};
            }
          }
          return {ok: false, doc, width, widest};
        }"""
    )
    return None if found["ok"] else f"{found['doc']} px wide in {found['width']}: {found['widest']}"


def chart_text(page: Any) -> list[dict[str, Any]]:
    """Every piece of text of the on-time chart, with its font size, the body's, and its content's width
    against its box's. An SVG <text> is reported too: it shrinks with the drawing, whatever its size says."""
    found: list[dict[str, Any]] = page.evaluate(
        """() => {
          const body = parseFloat(getComputedStyle(document.body).fontSize);
          const chart = document.querySelector('figure.bar-chart');
          if (!chart) return [];
          const texts = [...chart.querySelectorAll('figcaption, .bar-key li, .bar-label')];
          return [
            ...texts.map(el => ({kind: el.className || el.tagName.toLowerCase(), text: el.textContent.trim(),
              size: parseFloat(getComputedStyle(el).fontSize), body,
              scroll: el.scrollWidth, client: el.clientWidth})),
            ...[...chart.querySelectorAll('svg text')].map(el => ({kind: 'svg text', text: el.textContent}))
          ];
        }"""
    )
    return found


def chart_problems(texts: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    for text in texts:
        if text["kind"] == "svg text":
            problems.append(f"chart text drawn in the SVG, shrinking with it: {text['text']!r}")
        elif text["size"] < text["body"]:
            problems.append(
                f"chart text at {text['size']} px, smaller than the body's {text['body']}: {text['text']!r}"
            )
        elif text["scroll"] > text["client"]:
            problems.append(f"chart text cut off ({text['scroll']} px in {text['client']}): {text['text']!r}")
    return problems


def check_every_page(
    context: Any,
    base: str,
    paths: list[str],
    who: str,
    problems: dict[str, list[str]],
    chart_labels: dict[str, list[str]],
) -> None:
    page = context.new_page()
    for path in paths:
        # Loaded once, at the first width, then the window resized, as a phone turned or a page zoomed to
        # 400%: the layout follows the window, and axe, put in the page once, runs again at each width.
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        if path.endswith(".html"):
            # A published document is served sandboxed, with no script at all (axe included): its own
            # bytes are checked, as a browser lays them out.
            # On a blank page: the site's pages' policy would refuse the document's inline styles.
            page.goto("about:blank")
            page.set_content(context.request.get(base + path).text())
        else:
            page.goto(base + path)
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            name = f"{who} {path} at {width} px"
            too_wide = overflow(page)
            if too_wide:
                problems.setdefault(name, []).append(too_wide)
            found = accessibility_violations(page)
            if found:
                problems.setdefault(name, []).extend(found)
            if path == "/admin/figures":
                texts = chart_text(page)
                problems.setdefault(name, []).extend(chart_problems(texts))
                chart_labels[f"{who} at {width} px"] = [t["text"] for t in texts if t["kind"] == "bar-label"]
                if not problems[name]:
                    del problems[name]
    page.close()


def test_every_page_reflows_at_320_px_and_passes_axe_for_every_role(site: Site) -> None:  # noqa: F811
    app = site.app
    add_viewer(app)
    published = ready_to_publish(app)
    publish_signoff(PublishSignoff(signoff_id=published, by=OWEN), app.deps)
    active = start_peel(app, site.clock)  # a second report, still in approval
    stages = signoff_detail(active, app.deps).stages
    force = next(stage for stage in stages if stage.key == "constabulary_response")
    finding = next(section.key for section in force.sections if section.finding_ref)
    draft(app, active, finding, PRIYA, "We *rolled out* training:\n\n- first\n- second\n\n> Quoted.")
    site.clock.advance(timedelta(days=30))
    sections = ["report-summary", finding]
    base = site.server.url
    problems: dict[str, list[str]] = {}
    chart_labels: dict[str, list[str]] = {}
    with chromium() as browser:
        for who, email in ROLES.items():
            context = browser.new_context()
            site.sign_in(context.new_page(), email, f"{base}/tasks")
            check_every_page(context, base, pages(published, active, sections), who, problems, chart_labels)
            context.close()
        context = browser.new_context()
        check_every_page(context, base, public_pages(published), "signed out", problems, chart_labels)
        context.close()
        # The proposed reports' pages, once the watcher has read the fictional listing (its reports are of
        # 2025, so the clock moves there first; the pages above are checked already).
        site.clock.set(WATCHED_AT)
        with serve_fixtures() as fixtures:
            report = watch_publications(watch_dependencies(app), fixtures + "publications.html")
        proposal = next(p.proposal_id for p in report.proposed if p.office == "cheshire-pcc")
        for who, email in ROLES.items():
            context = browser.new_context()
            site.sign_in(context.new_page(), email, f"{base}/tasks")
            check_every_page(
                context, base, ["/proposals", f"/proposals/{proposal}"], who, problems, chart_labels
            )
            context.close()
    assert problems == {}, "\n".join(f"{name}: {found}" for name, found in problems.items())
    # Only the administrator sees the figures; their chart has a labelled bar for each of the office's
    # stages that reached a due date, led by the office's short name.
    for width in WIDTHS:
        labels = chart_labels.pop(f"office administrator at {width} px")
        assert "Cheshire: Report summary" in labels, labels
        assert not any("Office of" in label for label in labels), labels
    assert all(not labels for labels in chart_labels.values()), chart_labels
