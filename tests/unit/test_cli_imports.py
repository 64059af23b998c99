"""A command that changes a sign-off loads only what it uses (issue #17: it must answer within a second).

`signoff draft`, `decide` and `advance` ask Prefect for their run over REST, queue their emails
unrendered, and write no document: so building the application and importing their commands must not
load Prefect, Jinja, the Markdown parser, WeasyPrint, pypdf, the SMTP client, the published document's
model, the other database's dialect, or every country's bank holidays. Checked in a fresh interpreter, by what it has
imported; how long that takes is measured in bench/cli_latency.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from signoff.settings import PROJECT_ROOT

NOT_FOR_A_CHANGE = (
    "prefect",
    "weasyprint",
    "pypdf",
    "markdown_it",
    "jinja2",
    "aiosmtplib",
    "holidays",
    "httpx",
    "fastapi",
    "sqlalchemy.dialects.postgresql",
    "signoff.domain.document",
    "signoff.adapters.smtp_mailer",
)

SCRIPT = """
import json, sys
from signoff.entrypoints.cli.main import COMMANDS
from importlib import import_module
for name in ("draft", "decide", "advance"):
    import_module(COMMANDS[name][0])
import flows.triggers
from signoff.bootstrap import bootstrap
bootstrap()
print(json.dumps(sorted(sys.modules)))
"""


def test_a_command_that_changes_a_signoff_imports_only_what_it_uses(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={
            **os.environ,
            "SIGNOFF_DATABASE_URL": f"sqlite:///{tmp_path / 'signoff.db'}",
            "SIGNOFF_VAR_DIR": str(tmp_path / "var"),
        },
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(done.stdout)
    assert "signoff.entrypoints.cli.signoff_commands" in loaded
    assert [
        module
        for module in loaded
        if any(module == heavy or module.startswith(heavy + ".") for heavy in NOT_FOR_A_CHANGE)
    ] == []
