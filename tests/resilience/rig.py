"""The fault tests' rig: 20 sign-offs driven on PostgreSQL by a bot while `signoff serve` runs as a real
process sending to a real SMTP server, and the check every fault test ends with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from signoff.bootstrap import Application
from tests.resilience.harness import (
    Bot,
    Counts,
    Processes,
    audits_intact,
    config_for_faults,
    counts,
    process_env,
    report,
    scratch_postgres,
    wait_for_all_mail,
)
from tests.resilience.harness import application as make_application
from tests.smtp_server import SmtpServer

SIGNOFFS = 20


@dataclass
class Rig:
    root: Path
    smtp: SmtpServer
    database_url: str
    env: dict[str, str]
    processes: Processes
    app: Application
    bot: Bot
    cut_off: set[str]


@pytest.fixture
def rig(tmp_path: Path, postgres_url: str) -> Iterator[Rig]:
    with rig_on(tmp_path) as made:
        yield made


@contextmanager
def rig_on(tmp_path: Path, server: str | None = None) -> Iterator[Rig]:
    """The rig, its database on the suite's PostgreSQL server or on `server` (a URL of any database there)."""
    smtp = SmtpServer(senders_elsewhere=True)
    smtp.start()
    config = config_for_faults(tmp_path)
    with scratch_postgres(server) as database_url:
        env = process_env(tmp_path, database_url, config, smtp.port)
        processes = Processes(tmp_path, env)
        app, clock = make_application(database_url, config, tmp_path)
        try:
            yield Rig(tmp_path, smtp, database_url, env, processes, app, Bot(app, clock, seed=2023), set())
        finally:
            processes.stop_all()
            app.engine.dispose()
            smtp.stop()


def finish(rig: Rig, ids: list[int], what: str) -> Counts:
    """Every sign-off published, every decision kept, every email once; twice only if a fault cut its
    delivery off between the SMTP server's acceptance and the record of it (SMTP cannot close that gap)."""
    wait_for_all_mail(rig.app, rig.smtp)
    result = counts(rig.app, ids, rig.bot, rig.smtp, rig.cut_off)
    report(f"{what}: {result.line()}")
    assert result.published == SIGNOFFS, result.line()
    assert result.decisions_recorded == result.decisions_made, result.line()
    assert result.emails_sent == result.emails_queued, result.line()
    assert result.lost == 0, result.line()
    assert result.duplicates_received == result.duplicates_cut_off, result.line()
    assert result.emails_received - result.duplicates_received == result.emails_queued, result.line()
    assert audits_intact(rig.app, ids) == []
    # Each sign-off's formal copies went to HMICFRS and the Home Secretary, with the PDF. Counted by
    # Message-ID: a copy whose delivery a fault cut off may arrive twice, as counted above.
    copies = {
        str(m["Message-ID"]): m for m in rig.smtp.inbox.messages if str(m["X-Signoff-Event"]) == "formal_copy"
    }
    assert len(copies) == 2 * SIGNOFFS
    for copy in copies.values():
        assert [a.get_content_type() for a in copy.iter_attachments()] == ["application/pdf"]
    return result
