"""`signoff demo` keeps to var/demo/: an operator's mail and published responses are never its scratch."""

from __future__ import annotations

from pathlib import Path

from signoff.entrypoints.cli.demo import demo_settings
from signoff.settings import Settings


def test_the_demo_writes_under_var_demo_never_into_the_configured_folders(tmp_path: Path) -> None:
    configured = Settings(
        database_url=f"sqlite:///{tmp_path / 'office.db'}",
        var_dir=tmp_path / "var",
        mail_dir=tmp_path / "office-mail",
        published_dir=tmp_path / "office-published",
    )
    demo = demo_settings(configured, 2525)
    scratch = tmp_path / "var" / "demo"
    assert demo.mail_dir == scratch / "mail"
    assert demo.publication_dir == scratch / "published"
    assert demo.database_url == f"sqlite:///{scratch / 'signoff.db'}"
    assert (demo.smtp_host, demo.smtp_port) == ("127.0.0.1", 2525)
    # And the settings it was given are the office's still.
    assert (configured.mail_dir, configured.publication_dir) == (
        tmp_path / "office-mail",
        tmp_path / "office-published",
    )
