"""Compiled templates are shared by the Environments a process builds (src/signoff/adapters/
compiled_templates.py), and an edited template is still what the next render uses: an office that edits
an email's wording while `signoff serve` runs sees the new words in the next email."""

from __future__ import annotations

import os
from pathlib import Path

from signoff.adapters.compiled_templates import EMAILS
from signoff.adapters.email_rendering import template_environment


def test_an_edited_template_renders_as_edited_in_the_environment_that_had_it_and_in_a_new_one(
    tmp_path: Path,
) -> None:
    template = tmp_path / "emails" / "greeting.txt"
    template.parent.mkdir()
    template.write_text("Dear {{ name }}, please approve.\n", encoding="utf-8")
    serving = template_environment(tmp_path)
    kept = len(EMAILS)
    assert (
        serving.get_template("emails/greeting.txt").render(name="Rachel") == "Dear Rachel, please approve.\n"
    )
    assert len(EMAILS) == kept + 1
    # Another application in the same process takes the compiled template from the cache.
    assert template_environment(tmp_path).get_template("emails/greeting.txt").render(name="John") == (
        "Dear John, please approve.\n"
    )
    assert len(EMAILS) == kept + 1  # compiled once

    template.write_text("Hello {{ name }}: your approval is needed.\n", encoding="utf-8")
    later = template.stat().st_mtime + 5
    os.utime(template, (later, later))  # a clock too coarse to tell the two writes apart
    expected = "Hello Rachel: your approval is needed.\n"
    assert serving.get_template("emails/greeting.txt").render(name="Rachel") == expected
    assert (
        template_environment(tmp_path).get_template("emails/greeting.txt").render(name="Rachel") == expected
    )
