"""The safe Markdown subset that sections are written in: what it keeps, and what it leaves as text."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from signoff.adapters.documents.markdown import to_html, to_markdown


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
