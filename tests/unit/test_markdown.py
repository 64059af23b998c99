"""The safe Markdown subset that sections are written in: what it keeps, and what it leaves as text."""

from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from signoff.adapters.documents.markdown import literal_markdown, to_html, to_markdown


def test_the_subset_renders_paragraphs_bullets_emphasis_quotes_and_links() -> None:
    html = to_html(
        "First *emphasised* and **strong**.\n\n- one\n- two\n\n> quoted\n\n"
        "See [the report](https://hmicfrs.justiceinspectorates.gov.uk/) or [write](mailto:pcc@example.org)."
    )
    assert "<p>First <em>emphasised</em> and <strong>strong</strong>.</p>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert '<a href="https://hmicfrs.justiceinspectorates.gov.uk/">the report</a>' in html
    assert '<a href="mailto:pcc@example.org">write</a>' in html


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](data:text/html;base64,PHNjcmlwdD4=)"),
        # An image is not loaded into the document: at most it is a link to the picture.
        ("![x](https://example.org/a.png)", '!<a href="https://example.org/a.png">x</a>'),
        ("# Heading", "# Heading"),
        ("| a | b |", "| a | b |"),
    ],
)
def test_everything_outside_the_subset_stays_text(typed: str, shown: str) -> None:
    html = to_html(typed)
    assert html == f"<p>{shown}</p>\n"


def test_the_markdown_output_renders_back_to_the_same_html_and_nothing_more() -> None:
    typed = (
        "Para *one* with [a link](https://example.org/x) and <b>bold?</b> & more.\n"
        "Second line\n\n- item one\n- item **two**\n  1. nested\n\n> quoted\n\n"
        "1. first\n2. second\n# not a heading\n\n[bad](javascript:alert(1))"
    )
    markdown = to_markdown(typed)
    assert to_html(markdown) == to_html(typed)
    # Even an editor that allows raw HTML gets text, not tags, from it.
    permissive = MarkdownIt("commonmark").render(markdown)
    assert "<b>" not in permissive
    assert 'href="javascript' not in permissive


@pytest.mark.parametrize(
    "typed",
    [
        "Intro paragraph\n~~~\nThis paragraph <b>stays</b> text.\n~~~\n\nEnd.",
        "Before\n```\nnot code\n```\nafter",
        "1\\. not a list, as typed",
        "a ~~struck~~ word",
    ],
)
def test_a_fence_or_a_number_in_a_section_stays_text_in_a_commonmark_editor(typed: str) -> None:
    # What a website editor renders from response.md: the paragraphs the HTML has, no code block.
    permissive = MarkdownIt("commonmark").render(to_markdown(typed))
    assert "<pre>" not in permissive
    assert "<code>" not in permissive
    assert "<ol" not in permissive
    assert "\\" not in permissive  # no escape left showing


@pytest.mark.parametrize(
    "plain",
    [
        "HMICFRS inspection: [official link](https://evil.example/x)",
        "1. [Read the full story](https://evil.example/phish) and *act now*",
        "# Not a heading > nor a quote",
        "~~~ not a fence",
        "- not a list & <b>not bold</b> | nor a table",
    ],
)
def test_a_plain_field_is_exactly_its_text_in_markdown(plain: str) -> None:
    permissive = MarkdownIt("commonmark").render(literal_markdown(plain))
    assert permissive == f"<p>{html.escape(plain, quote=False)}</p>\n"


@pytest.mark.parametrize(
    "typed",
    [
        "**Accepted.** The force has acted.",
        "*Accepted.* The force has acted.",
        "- *Done*: new training\n- **Open**: next year",
        "> **Noted.** By the chief constable.",
        "Line one\n*emphasis* starting the second line",
        "1. ***First*** step",
    ],
)
def test_emphasis_that_starts_a_line_stays_emphasis_in_a_commonmark_editor(typed: str) -> None:
    # Responses open a paragraph or an item with "**Accepted.**": response.md must not escape its marker.
    assert MarkdownIt("commonmark").render(to_markdown(typed)) == to_html(typed)
