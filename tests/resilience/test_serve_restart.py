"""Kill `signoff serve` with SIGKILL in the middle of a sign-off, start it again: the sign-off completes and
every email arrives exactly once (counted in a real SMTP server)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from signoff.settings import PROJECT_ROOT
from tests.people import OWEN
from tests.resilience.harness import report
from tests.smtp_server import SmtpServer
from tests.support.prefect_server import seed_prefect_home
from tests.support.story import EXPECTED, PUBLICATION_MORNING, SCENE_NAMES, SCENES, cli_arguments

SIGNOFF = str(Path(sys.executable).with_name("signoff"))
REFERENCE = str(PROJECT_ROOT / "examples" / "nw-soc-2023-reference.yaml")

pytestmark = pytest.mark.slow


class System:
    """A database, a config folder, an SMTP server; `signoff serve` and the CLI run as real processes."""

    def __init__(self, root: Path, smtp: SmtpServer) -> None:
        self.root = root
        self.smtp = smtp
        config = root / "config"
        shutil.copytree(PROJECT_ROOT / "config", config)
        # A short lease, so that mail a killed deliverer had claimed is taken up again within the test.
        rules = (config / "notifications.yaml").read_text(encoding="utf-8")
        (config / "notifications.yaml").write_text(rules.replace("lease_seconds: 300", "lease_seconds: 10"))
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNOFF_", "PREFECT_"))}
        self.cli_env = {
            **base,
            "SIGNOFF_DATABASE_URL": f"sqlite:///{root / 'signoff.db'}",
            "SIGNOFF_CONFIG_DIR": str(config),
            "SIGNOFF_FROZEN_TIME": "2023-11-10T09:30:00+00:00",
            "PREFECT_HOME": str(seed_prefect_home(root / "prefect")),
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        # Only the served flows can reach the SMTP server: every email must go through them.
        self.serve_env = {
            **self.cli_env,
            "SIGNOFF_SMTP_HOST": "127.0.0.1",
            "SIGNOFF_SMTP_PORT": str(smtp.port),
        }
        self.server: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [SIGNOFF, *args],
            capture_output=True,
            text=True,
            env=self.cli_env,
            cwd=self.root,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def text(self, name: str, body: str) -> str:
        path = self.root / name
        path.write_text(body, encoding="utf-8")
        return str(path)

    def start_serving(self) -> None:
        self.starts += 1
        log = (self.root / f"serve-{self.starts}.log").open("wb")
        self.log = log
        self.server = subprocess.Popen(
            [SIGNOFF, "serve", "--deliver-seconds", "2", "--sweep-minutes", "1", "--web-port", "0"],
            env=self.serve_env,
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if "ready" in (self.root / f"serve-{self.starts}.log").read_text(errors="replace"):
                return
            assert self.server.poll() is None, (self.root / f"serve-{self.starts}.log").read_text()
            time.sleep(0.2)
        raise AssertionError("signoff serve did not start serving in 90 s")

    def kill_serving(self) -> None:
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=30)
        self.server = None
        self.log.close()

    def wait_for_mail(self, count: int, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while len(self.smtp.inbox.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(self.smtp.inbox.messages) >= count, (
            f"{len(self.smtp.inbox.messages)} of {count} emails arrived"
        )


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    smtp = SmtpServer(senders_elsewhere=True)
    smtp.start()
    running = System(tmp_path, smtp)
    try:
        yield running
    finally:
        if running.server is not None:
            running.kill_serving()
        smtp.stop()


def test_a_killed_server_restarts_and_the_signoff_completes_with_each_email_once(system: System) -> None:
    system.cli("db", "upgrade")
    system.cli("directory", "load")
    system.start_serving()
    [signoff_id] = system.cli("start", REFERENCE, "--as", OWEN).split()

    # The reference story, one command a step (the clock stays on publication morning). In the middle:
    # an approval is recorded and its emails sent, then the server dies between two deliveries, and the
    # next steps happen while it is down.
    def in_the_middle() -> None:
        system.wait_for_mail(7)
        system.kill_serving()

    after_scene = {
        "summary redrafted": lambda: system.wait_for_mail(4),
        "summary approved": in_the_middle,
        "lead approves": system.start_serving,
    }
    assert set(after_scene) <= SCENE_NAMES
    for scene in SCENES:
        for step in scene.steps:
            system.cli(*cli_arguments(step, signoff_id, system.text, PUBLICATION_MORNING + scene.after))
        if scene.name in after_scene:
            after_scene[scene.name]()

    system.wait_for_mail(sum(EXPECTED.values()))
    time.sleep(5)  # two more delivery rounds: nothing further may arrive
    received = Counter(
        (str(m["X-Signoff-Event"]), str(m["To"]).rsplit("<", 1)[-1].rstrip(">"))
        for m in system.smtp.inbox.messages
    )
    report(
        f"serve killed once mid-sign-off: emails received {sum(received.values())}, "
        f"expected {sum(EXPECTED.values())}"
    )
    assert received == EXPECTED
    assert '"state": "ready_to_publish"' in system.cli("show", signoff_id, "--json")
